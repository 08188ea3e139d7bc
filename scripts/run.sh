#!/usr/bin/env bash
# Installs what is missing, builds bertd (release) and runs it on stdio, answering sample requests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product bertd >&2
bertd=.build/release/bertd

# One LSP-framed JSON-RPC message per argument.
frame() {
    local body
    for body in "$@"; do
        printf 'Content-Length: %d\r\n\r\n%s' "$(printf '%s' "$body" | wc -c)" "$body"
    done
}

frame \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}' \
    '{"jsonrpc":"2.0","id":2,"method":"bertd/status"}' \
    '{"jsonrpc":"2.0","id":3,"method":"shutdown"}' \
    '{"jsonrpc":"2.0","method":"exit"}' |
    "$bertd" --stdio --log-level warning |
    # Show each answer on its own line.
    sed -e 's/Content-Length: [0-9]*\r//' -e '/^\r$/d'
echo
