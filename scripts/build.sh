#!/usr/bin/env bash
# The one build every script shares (run.sh, test.sh, cli-demo.sh): the UI
# bundle the app embeds, then every native binary and test of the workspace
# in one cargo command. One command means one feature resolution: cargo
# unifies dependencies' features over the packages and targets it builds,
# so a narrower `-p …` list, a plain `cargo build` (no dev-dependencies) or
# `--release` would resolve differently and rebuild most dependencies
# (18 minutes on a 2-core machine). Run after any of these, the others
# rebuild nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-ui.sh
cargo test --workspace --locked --no-run
for bin in gocua gocua-server gocua-app; do
    [ -x "target/debug/$bin" ] || { echo "build: target/debug/$bin was not built" >&2; exit 1; }
done
