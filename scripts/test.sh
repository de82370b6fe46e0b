#!/usr/bin/env bash
# Run every test of the workspace (unit, property and integration tests on
# real encrypted files and real processes).
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
echo "test: PostgreSQL for the server's tests: ${GOCUA_TEST_PG_URL:-none, SQLite only}"
cargo test --workspace --locked
