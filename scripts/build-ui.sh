#!/usr/bin/env bash
# Build the Yew UI (ui/) to wasm32 and bundle it into ui/dist, the folder the
# Tauri shell embeds (tauri.conf.json: frontendDist). Needs what
# scripts/setup.sh installs: Debian's rustc-web + rust-web-src (linked as the
# rustup toolchain "deb-web"), wasm-ld, wasm-bindgen and wasm-opt.
# See docs/field-app.md ("Building") for why std is built here (-Zbuild-std).
set -euo pipefail
cd "$(dirname "$0")/.."
llvm=$(/usr/bin/rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
wasm_opt=tools/node_modules/.bin/wasm-opt
command -v wasm-opt >/dev/null 2>&1 && [ ! -x "$wasm_opt" ] && wasm_opt=$(command -v wasm-opt)

# Only this build sees these: the native build keeps its own settings and
# target dir (target/), so the two never invalidate each other.
export RUSTUP_TOOLCHAIN=deb-web RUSTC_BOOTSTRAP=1
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="/usr/lib/llvm-$llvm/bin/wasm-ld"
export CARGO_TARGET_DIR=target/wasm
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=true
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort
cargo build --release --locked --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort -p gocua-ui --bin gocua-ui

out=ui/dist
rm -rf "$out.tmp" && mkdir -p "$out.tmp"
wasm-bindgen --target web --no-typescript --out-name gocua_ui --out-dir "$out.tmp" \
    target/wasm/wasm32-unknown-unknown/release/gocua-ui.wasm
if [ -x "$wasm_opt" ]; then
    "$wasm_opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue \
        "$out.tmp/gocua_ui_bg.wasm" -o "$out.tmp/gocua_ui_bg.wasm"
else
    echo "build-ui: wasm-opt not found, the bundle is not size-optimised" >&2
fi
cp ui/static/index.html ui/static/style.css ui/static/boot.js "$out.tmp/"
# The same bundle as before is left alone: the app's build script watches
# ui/dist, and fresh timestamps alone would rebuild the app.
if [ -d "$out" ] && diff -rq "$out" "$out.tmp" >/dev/null 2>&1; then
    rm -rf "$out.tmp"
else
    rm -rf "$out" && mv "$out.tmp" "$out"
fi
raw=$(stat -c %s "$out/gocua_ui_bg.wasm")
gz=$(gzip -9 -c "$out/gocua_ui_bg.wasm" | wc -c)
echo "build-ui: $out/gocua_ui_bg.wasm $((raw / 1024)) KB, $((gz / 1024)) KB gzipped"
