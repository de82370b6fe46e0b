#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to build and test Gõ Cửa.
# Safe to run again: each step is skipped when already done.
set -euo pipefail

need_apt=()
for pkg in pkg-config libssl-dev gcc make perl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no Rust toolchain (cargo) on PATH; install rustup's stable toolchain first" >&2
    exit 1
fi
echo "setup: ok ($(cargo --version))"
