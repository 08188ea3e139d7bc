#!/usr/bin/env bash
# Builds and runs a libFuzzer target from Fuzz/<Target>/main.swift against the Checkpoint module.
# Usage: scripts/fuzz.sh Safetensors|Pickle [seconds=60]
# The modules are compiled here with swiftc (not SwiftPM) so that their code carries the coverage
# instrumentation libFuzzer steers by, and ASan checks every memory access.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh Safetensors|Pickle [seconds]}
seconds=${2:-60}
build=.build/fuzz
mkdir -p "$build/corpus-$target"
flags=(-sanitize=fuzzer,address -parse-as-library -Onone -g -swift-version 6 -enable-testing -I "$build" -I Sources/CJansson)

# Libraries in dependency order: Tensor, JSON (over jansson), Checkpoint.
for module in Tensor JSON Checkpoint; do
    swiftc "${flags[@]}" -module-name "$module" -emit-module -emit-module-path "$build/$module.swiftmodule" \
        -emit-library -static -o "$build/lib$module.a" Sources/"$module"/*.swift
done
swiftc "${flags[@]}" -o "$build/fuzz-$target" Fuzz/"$target"/main.swift \
    -L "$build" -lCheckpoint -lJSON -lTensor -ljansson

# Seed the corpus with the committed fixtures of the matching kind.
case "$target" in
    Safetensors) find Tests/Fixtures/checkpoint -name '*.safetensors' -exec cp {} "$build/corpus-$target/" \; ;;
    Pickle)
        for bin in $(find Tests/Fixtures/checkpoint -name '*.bin'); do
            unzip -p "$bin" '*/data.pkl' > "$build/corpus-$target/$(echo "$bin" | tr / _).pkl" 2>/dev/null || true
        done ;;
esac
"$build/fuzz-$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
    "$build/corpus-$target"
