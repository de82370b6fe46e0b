#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to build and test Gõ Cửa:
# the native build (SQLCipher needs OpenSSL), the wasm32 UI toolchain (see
# docs/field-app.md, "Building"), the Tauri desktop build, and the end-to-end test
# tools (Xvfb, WebKitWebDriver, tauri-driver, Python selenium).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=0
apt_install() {
    local need=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    echo "setup: installing ${need[*]}"
    if [ $apt_updated -eq 0 ]; then
        $SUDO apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
}

# Native build; the Tauri shell (WebKitGTK); running it headless and driving it;
# headless Chromium and its WebDriver for the commune office's pages (the server's dashboard tests).
apt_install pkg-config libssl-dev openssl gcc make perl \
    libwebkit2gtk-4.1-dev xvfb xauth webkit2gtk-driver \
    chromium chromium-driver \
    rustc-web cargo-web rust-web-src
# The central server's tests run on PostgreSQL too (scripts/postgres.sh
# starts it on 127.0.0.1 for them).
apt_install postgresql
# The discovery tests put the server and a phone on two hosts: Linux network
# namespaces joined by a veth pair (`ip netns`, as root).
apt_install iproute2

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: no Rust toolchain (cargo) on PATH; install rustup's stable toolchain first" >&2
    exit 1
fi

# wasm32: Debian's rustc has no rust-lld; the lld of its own LLVM links wasm.
llvm=$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
apt_install "lld-$llvm"
if ! rustup toolchain list | grep -q '^deb-web'; then
    echo "setup: linking Debian's rustc as the rustup toolchain deb-web"
    rustup toolchain link deb-web /usr
fi

# wasm-bindgen: exactly the version of the crate in Cargo.lock.
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
    echo "setup: installing wasm-bindgen-cli $wbg"
    cargo install wasm-bindgen-cli --version "$wbg" --force
fi

# wasm-opt: Debian's binaryen is too old; npm's binaryen ships a current one.
if [ ! -x tools/node_modules/.bin/wasm-opt ]; then
    echo "setup: installing binaryen (wasm-opt) into tools/"
    npm install --prefix tools --no-audit --no-fund --silent binaryen@132
fi

# End-to-end test: tauri-driver (WebDriver proxy) and the selenium client.
if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "setup: installing tauri-driver"
    cargo install tauri-driver --locked
fi
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
    echo "setup: installing selenium (Python)"
    python3 -m pip install --quiet 'selenium>=4.20,<5'
fi

echo "setup: ok ($(cargo --version); wasm-bindgen $wbg; $(tools/node_modules/.bin/wasm-opt --version 2>/dev/null || echo 'no wasm-opt'))"
