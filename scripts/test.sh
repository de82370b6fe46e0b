#!/usr/bin/env bash
# Run every test of the workspace (unit, property and integration tests on
# real encrypted files and real processes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --locked
