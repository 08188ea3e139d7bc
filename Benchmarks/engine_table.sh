#!/usr/bin/env bash
# Every row of the engine table in Benchmarks/README.md, in one invocation: bertd against PyTorch and ONNX
# Runtime (Benchmarks/engine.sh, ROUNDS interleaved rounds each), float32 on 1 and 2 threads, then the
# 8-bit path (bertd --precision int8 against each peer's own dynamic quantization).
# Usage: [ROUNDS=3] Benchmarks/engine_table.sh
set -euo pipefail
cd "$(dirname "$0")/.."
row() { Benchmarks/engine.sh "$@" 2>/dev/null | grep -E "^(base|small) "; }
echo "shape  head     batch tokens threads  peer         | median: bertd ms  peer ms  ratio | min: bertd ms  peer ms  ratio"
for threads in 1 2; do
    row --shape base --tokens 16 --threads "$threads" --runs 20
    row --shape base --tokens 128 --threads "$threads" --runs 10
    row --shape base --tokens 128 --threads "$threads" --runs 10 --mlm
    row --shape base --tokens 512 --threads "$threads" --runs 3
    row --shape base --tokens 128 --batch 8 --threads "$threads" --runs 3
    row --shape small --tokens 16 --threads "$threads" --runs 50
    row --shape small --tokens 128 --threads "$threads" --runs 20
done
for threads in 1 2; do
    row --shape base --tokens 16 --threads "$threads" --runs 20 --int8
    row --shape base --tokens 128 --threads "$threads" --runs 10 --int8
done
