#!/usr/bin/env bash
# The release app's cold start to its first screen under Xvfb (issue 17's
# goal: < 1 s), with the wasm bundle's size: builds the UI and a release
# gocua-app (its own target/release, apart from the debug build test.sh and
# run.sh share, so neither invalidates the other), then launches it a few
# times over WebDriver (tests/cold_start.py). Not part of test.sh: the
# release build of the Tauri app is long on a 2-core machine.
# Usage: scripts/cold-start.sh [runs]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-ui.sh
cargo build --release --locked -p gocua-app
xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/cold_start.py "${1:-5}"
