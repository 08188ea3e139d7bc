#!/usr/bin/env bash
# Installs the Debian packages bertd builds against, only those missing (idempotent).
# With --test, also what the test suite drives: Neovim (the editor set-up is tested headless).
set -euo pipefail
packages=(libjansson-dev libutf8proc-dev libopenblas-dev pkg-config)
if [ "${1:-}" = "--test" ]; then packages+=(neovim); fi
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
