#!/usr/bin/env bash
# Installs what is missing, builds bertd and annotate (release), starts the daemon on the shipped
# models (Models/: csc, ner, qa, cws) and answers sample requests on a Chinese paragraph: a spelling
# correction, entities, an answer and a word segmentation. Then the daemon is stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product bertd >&2
swift build -c release --product annotate >&2
bin=.build/release

work=$(mktemp -d)
socket="$work/bertd.sock"
"$bin/bertd" --socket "$socket" --log-level warning &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$work"' EXIT
# The socket file appears a moment before the daemon listens: wait until it answers.
for _ in $(seq 400); do
    "$bin/annotate" status --socket "$socket" --no-spawn >/dev/null 2>&1 && break
    sleep 0.05
done

paragraph='张三昨天在北京大学参加了一个人工智能会议，他说今天的天汽很好，大家都很高心。'
annotate() { "$bin/annotate" "$@" --socket "$socket"; }

# Each demonstration needs its shipped model; a model not shipped yet is reported, not faked.
shipped() { [ -f "Models/$1/config.json" ] || { echo "(no Models/$1 shipped yet)"; return 1; }; }

echo "== models";  annotate models
echo "== correct"; shipped csc && annotate correct "$paragraph"
echo "== label";   shipped ner && annotate label "$paragraph"
echo "== answer";  shipped qa && annotate answer --question '张三昨天在哪里参加会议？' "$paragraph"
echo "== segment"; shipped cws && annotate segment --separator ' / ' "$paragraph"
echo "== status";  annotate status
