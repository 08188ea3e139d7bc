#!/bin/sh
# Checks the Neovim set-up headless against a built bertd and the csc fixture model.
# Usage: Clients/neovim/test.sh [PATH-TO-BERTD]   (default: .build/debug/bertd); exit 0 when it passes.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bertd=${1:-$root/.build/debug/bertd}
command -v nvim >/dev/null || { echo "nvim is not installed" >&2; exit 2; }
[ -x "$bertd" ] || { echo "no bertd at $bertd (build it first: swift build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '我们今天去公圆玩。\n' > "$work/sample.txt"
BERTD_BIN=$bertd BERTD_MODEL=$root/Tests/Fixtures/tasks/csc BERTD_SAMPLE=$work/sample.txt \
    timeout 120 nvim --headless --clean -u NONE -i NONE -n --cmd "set runtimepath^=$here" \
    -c "luafile $here/test.lua" </dev/null
