#!/usr/bin/env bash
# Fuzzes the JSON module with libFuzzer + AddressSanitizer for SECONDS (default 60).
# Usage: scripts/fuzz-json.sh [SECONDS]   (extra libFuzzer flags via FUZZ_FLAGS)
# The target (Fuzz/JSON/FuzzTarget.swift) checks that every input throws a well-formed error or
# round-trips exactly, and that the writer matches jansson's. Crashes land in .build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build-fuzz
mkdir -p "$out/corpus" "$out/artifacts"
cp -n Fuzz/JSON/seeds/* "$out/corpus/" 2>/dev/null || true

swiftc -O -parse-as-library -sanitize=fuzzer,address -module-name JSON \
    -I Sources/CJansson \
    Sources/JSON/*.swift Fuzz/JSON/*.swift \
    -o "$out/fuzz-json"

# -rss_limit_mb/-max_len: stay polite on a shared machine; deep nesting still fits in 64 KiB.
"$out/fuzz-json" "$out/corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -dict=Fuzz/JSON/json.dict -artifact_prefix="$out/artifacts/" -print_final_stats=1 ${FUZZ_FLAGS:-}
