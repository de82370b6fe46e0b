#!/usr/bin/env bash
# The CLI demo (what scripts/run.sh shows when there is no display): a demo commune in an
# encrypted device database, then a member's day through the `gocua` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${GOCUA_SKIP_SETUP:-}" = 1 ] || bash scripts/setup.sh
# The shared debug build (scripts/build.sh), not a release build of its
# own: that would compile every dependency a second time.
[ "${GOCUA_SKIP_BUILD:-}" = 1 ] || bash scripts/build.sh
GOCUA=target/debug/gocua
export GOCUA_DB="${GOCUA_DB:-demo/gocua-demo.db}"
export GOCUA_DB_KEY="${GOCUA_DB_KEY:-demo-key-change-me}"
mkdir -p "$(dirname "$GOCUA_DB")"
if [ ! -f "$GOCUA_DB" ]; then
    "$GOCUA" init --device-name "Máy demo"
    "$GOCUA" demo --households "${DEMO_HOUSEHOLDS:-600}"
fi
# The views below are cut with head; a closed pipe is not a failure here.
set +o pipefail
member=$("$GOCUA" --json org show | python3 -c 'import json,sys; print(json.load(sys.stdin)["members"][0]["id"])')
echo; echo "== Tổ chức"; "$GOCUA" org show | head -8
echo; echo "== Tìm 'nguyen van' (không dấu)"; "$GOCUA" household search "nguyen van" --limit 5
echo; echo "== Việc hôm nay của tổ viên $member"; "$GOCUA" worklist --member "$member" | head -15
echo; echo "== Chỉ tiêu tháng $(date +%Y-%m)"; "$GOCUA" quota --month "$(date +%Y-%m)"
echo; echo "== Trạng thái"; "$GOCUA" status
echo; echo "Database: $GOCUA_DB (key in GOCUA_DB_KEY). Try: $GOCUA --help"
