#!/usr/bin/env bash
# bertd's engine against PyTorch and ONNX Runtime on the same shapes and threads, in one invocation.
# Usage: [ROUNDS=3] Benchmarks/engine.sh [EngineBenchmark options, e.g. --shape base --tokens 128 --runs 10]
# The engines take turns for ROUNDS rounds (bertd, then PyTorch + ONNX Runtime), so a change in the load
# of a shared machine hits all of them; per engine the table keeps the fastest run and the median of the
# rounds' medians.
# Prints every engine's result lines, then bertd's latency as a ratio of each peer's (< 1 = bertd faster),
# for the median and for the fastest run (the latter is the steadier figure on a machine shared with others).
set -euo pipefail
cd "$(dirname "$0")/.."

swift build -c release --product EngineBenchmark >&2
results=$(mktemp)
trap 'rm -f "$results"' EXIT

for round in $(seq "${ROUNDS:-3}"); do
    echo "-- round $round" >&2
    .build/release/EngineBenchmark "$@" | tee -a "$results"
    python3 Benchmarks/engine_peer.py --ort --onnx-cache Benchmarks/.work "$@" | tee -a "$results"
done

python3 - "$results" <<'EOF'
import sys
import statistics
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("result "):
        r = dict(field.split("=", 1) for field in line.split()[1:])
        runs.setdefault((r["engine"], r["shape"], r["head"], r["batch"], r["tokens"], r["threads"]), []).append(r)
rows = []
for group in runs.values():
    r = dict(group[0])
    r["median_ms"] = statistics.median(float(g["median_ms"]) for g in group)
    r["min_ms"] = min(float(g["min_ms"]) for g in group)
    rows.append(r)
key = lambda r: (r["shape"], r["head"], r["batch"], r["tokens"], r["threads"])
ours = {key(r): r for r in rows if r["engine"] == "bertd"}
print("\nshape  head     batch tokens threads  peer         | median: bertd ms  peer ms  ratio | min: bertd ms  peer ms  ratio")
for r in rows:
    if r["engine"] == "bertd" or key(r) not in ours:
        continue
    mine = ours[key(r)]
    m1, m2 = float(mine["median_ms"]), float(r["median_ms"])
    b1, b2 = float(mine["min_ms"]), float(r["min_ms"])
    print(f"{r['shape']:6} {r['head']:8} {r['batch']:>5} {r['tokens']:>6} {r['threads']:>7}  {r['engine']:12} |"
          f" {m1:14.2f} {m2:8.2f} {m1 / m2:6.2f} | {b1:11.2f} {b2:8.2f} {b1 / b2:6.2f}")
EOF
