#!/usr/bin/env bash
# RPC overhead and concurrent throughput of the daemon (issue 5), in one run on one machine.
# Usage: Benchmarks/daemon.sh [MODEL_DIR] [extra DaemonBenchmark flags]   (default model: Models/ner)
# With BERTD_BENCH_TASKS=Models it also times each method on the shipped models (issue 6).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-Models/ner}
shift || true
swift build -c release --product bertd >&2
swift build -c release --product DaemonBenchmark >&2
.build/release/DaemonBenchmark --model "$model" "$@"
