#!/usr/bin/env bash
# Tokenizer throughput: bertd (release build) against Hugging Face tokenizers, same corpus, same run.
# Usage: Benchmarks/tokenizer.sh [DATA_DIR] [MEGABYTES]    (DATA_DIR defaults to ../shared/data)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
data="${1:-$root/../shared/data}"
megabytes="${2:-5}"
work="$root/Benchmarks/.work"
mkdir -p "$work"
cd "$root"
swift build -c release --product TokenizerBenchmark >/dev/null
bin="$(swift build -c release --show-bin-path)/TokenizerBenchmark"
"$bin" "$data" "$work/tokenizer-corpus.txt" "$megabytes" | tee "$work/bertd.txt"
TOKENIZERS_PARALLELISM=false python3 "$root/Benchmarks/tokenizer_peer.py" "$data" "$work/tokenizer-corpus.txt" | tee "$work/peer.txt"
for name in bert-base-chinese bert-base-uncased; do
    ours=$(awk -v n="$name" '$1 == "RESULT" && $2 == n { print $3 }' "$work/bertd.txt")
    theirs=$(awk -v n="$name" '$1 == "RESULT" && $2 == n { print $3 }' "$work/peer.txt")
    awk -v n="$name" -v a="$ours" -v b="$theirs" 'BEGIN { printf "%s: bertd %.2f MB/s, tokenizers %.2f MB/s, ratio %.2fx\n", n, a, b, a / b }'
done
