#!/usr/bin/env bash
# Run every test: the workspace's unit, property and integration tests (real
# encrypted files, real processes), then the field app end to end — the wasm
# UI bundled into the Tauri app, driven over WebDriver under Xvfb against a
# real gocua-server (tests/app_e2e.py; screenshots in artifacts/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The central server's tests run on SQLite and on a local PostgreSQL,
# started here unless GOCUA_TEST_PG_URL already names one
# (GOCUA_TEST_PG=0: SQLite only).
if [ -z "${GOCUA_TEST_PG_URL:-}" ] && [ "${GOCUA_TEST_PG:-1}" != 0 ]; then
    GOCUA_TEST_PG_URL=$(bash scripts/postgres.sh)
    export GOCUA_TEST_PG_URL
fi
# The authority of its TLS certificate, for the tests of the server's
# encrypted link to it.
if [ -n "${GOCUA_TEST_PG_URL:-}" ] && [ -z "${GOCUA_TEST_PG_CA:-}" ]; then
    GOCUA_TEST_PG_CA=$(bash scripts/postgres.sh --ca 2>/dev/null || true)
    export GOCUA_TEST_PG_CA
fi
echo "test: PostgreSQL for the server's tests: ${GOCUA_TEST_PG_URL:-none, SQLite only}"
# The UI and every binary and test, as run.sh builds them (scripts/build.sh):
# one build for both scripts.
bash scripts/build.sh
cargo test --workspace --locked
xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/app_e2e.py
