#!/usr/bin/env bash
# Fuzzes the safetensors header parser with libFuzzer for N seconds (default 60).
exec "$(dirname "$0")/fuzz.sh" Safetensors "${1:-60}"
