#!/usr/bin/env bash
# Builds and runs a libFuzzer target (Fuzz/<Target>/) with AddressSanitizer for SECONDS (default 60).
# Usage: scripts/fuzz.sh JSON|Safetensors|Pickle|RPC [SECONDS]   (extra libFuzzer flags via FUZZ_FLAGS)
# The modules are compiled here with swiftc (not SwiftPM) so that their code carries the coverage
# instrumentation libFuzzer steers by. Crashes land in .build-fuzz/artifacts-<Target>/; a crashing input
# belongs in the module's tests as a regression case once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh JSON|Safetensors|Pickle|RPC [seconds]}
seconds=${2:-60}
build=.build-fuzz
corpus="$build/corpus-$target"
mkdir -p "$corpus" "$build/artifacts-$target"
flags=(-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 -enable-testing -I "$build"
    -I Sources/CJansson -I Sources/CBLAS $(pkg-config --cflags-only-I openblas | sed 's/-I/-Xcc -I/g'))

module() {  # module NAME FILES...
    local name=$1
    shift
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -emit-library -static -o "$build/lib$name.a" "$@"
}

extra=()
case "$target" in
    JSON)
        # One module with the target, so the fuzzer can reach JSON's internals.
        swiftc "${flags[@]}" -module-name JSON Sources/JSON/*.swift Fuzz/JSON/*.swift -ljansson -o "$build/fuzz-$target"
        cp -n Fuzz/JSON/seeds/* "$corpus/" 2>/dev/null || true
        extra=(-dict=Fuzz/JSON/json.dict) ;;
    Safetensors | Pickle)
        module Tensor Sources/Tensor/*.swift
        module JSON Sources/JSON/*.swift
        module Checkpoint Sources/Checkpoint/*.swift
        swiftc "${flags[@]}" -o "$build/fuzz-$target" Fuzz/"$target"/main.swift \
            -L "$build" -lCheckpoint -lJSON -lTensor -ljansson $(pkg-config --libs openblas)
        if [ "$target" = Safetensors ]; then
            find Tests/Fixtures/checkpoint -name '*.safetensors' -exec cp {} "$corpus/" \;
        else
            for bin in $(find Tests/Fixtures/checkpoint -name '*.bin'); do
                unzip -p "$bin" '*/data.pkl' > "$corpus/$(echo "$bin" | tr / _).pkl" 2>/dev/null || true
            done
        fi ;;
    RPC)
        # The framing and message layer only: the transport and server need no fuzzing of their own input.
        module JSON Sources/JSON/*.swift
        module RPC Sources/RPC/Framing.swift Sources/RPC/FrameDecoder.swift Sources/RPC/Message.swift Sources/RPC/RPCError.swift
        swiftc "${flags[@]}" -o "$build/fuzz-$target" Fuzz/RPC/main.swift -L "$build" -lRPC -lJSON -ljansson
        cp -n Fuzz/RPC/seeds/* "$corpus/" 2>/dev/null || true ;;
    *) echo "unknown target $target" >&2; exit 1 ;;
esac

"$build/fuzz-$target" "$corpus" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts-$target/" -print_final_stats=1 "${extra[@]}" ${FUZZ_FLAGS:-}
