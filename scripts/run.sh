#!/usr/bin/env bash
# Set up a fresh machine and start Gõ Cửa for a newcomer: the commune server
# on its embedded database (SQLite) with a demo commune and a few households,
# and the desktop app enrolled to it as the demo team leader (PIN 123456).
# Everything lives under demo/; run again to start the same commune again.
# Without a display, the CLI demo (scripts/cli-demo.sh) shows a member's day.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The same build as scripts/test.sh (scripts/build.sh): after one of the two
# scripts, the other rebuilds nothing.
bash scripts/build.sh
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "run: no display here, so the CLI demo instead of the app (on a desktop, run this again)"
    GOCUA_SKIP_SETUP=1 GOCUA_SKIP_BUILD=1 exec bash scripts/cli-demo.sh
fi

DEMO=${GOCUA_DEMO_DIR:-demo}
PORT=${GOCUA_DEMO_PORT:-8443}
PIN=123456
OFFICER_LOGIN=canbo.xa
OFFICER_PASSWORD=demo-thuong-ninh-2026
bin=target/debug
mkdir -p "$DEMO"
server_data="$DEMO/server"
# The server key, outside the data folder (made 0600 on first start): it
# encrypts the server's database. A real office keeps it apart from backups.
export GOCUA_SERVER_KEY_FILE="$DEMO/server.key"

"$bin/gocua-server" serve --data "$server_data" --bind "127.0.0.1:$PORT" >"$DEMO/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 150); do
    grep -q '^listening on' "$DEMO/server.log" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$DEMO/server.log" >&2; exit 1; }
    sleep 0.2
done
url=$(sed -n 's/^listening on \(https:[^ ]*\) fingerprint.*/\1/p' "$DEMO/server.log" | head -n1)
[ -n "$url" ] || { echo "run: the server did not start (see $DEMO/server.log)" >&2; exit 1; }
echo "run: server at $url (log: $DEMO/server.log)"

json() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {"d": d}))' "$1"; }

if [ ! -f "$DEMO/org.json" ]; then
    "$bin/gocua-server" admin --data "$server_data" --json demo --url "$url" >"$DEMO/org.json"
    # A second member's device (the CLI) adds a few households to the first
    # village and sends them to the server, so the app has a worklist.
    member2=$(json 'd["members"][1]["id"]' <"$DEMO/org.json")
    village=$(json 'd["villages"][0]["id"]' <"$DEMO/org.json")
    code=$("$bin/gocua-server" admin --data "$server_data" --json enroll-code --member "$member2" --url "$url" | json 'd["payload"]')
    export GOCUA_DB="$DEMO/seed-device.db" GOCUA_DB_KEY="demo-seed-device"
    "$bin/gocua" enroll "$code" --device-name "Máy nhập liệu demo" >/dev/null
    while IFS='|' read -r head address flags resident year sex; do
        hh=$("$bin/gocua" --json household add --village "$village" --head "$head" --address "$address" $flags | json 'd["id"]')
        "$bin/gocua" resident add --household "$hh" --name "$head" --birth-year "$year" --sex "$sex" --consent >/dev/null
        [ -n "$resident" ] && "$bin/gocua" resident add --household "$hh" --name "$resident" --birth-year 1998 --sex male --smartphone --consent >/dev/null
    done <<'HOUSEHOLDS'
Nguyễn Thị Đào|Số 5, ngõ 2, xóm Đông|--elderly-only --no-smartphone||1948|female
Lê Văn Hùng|Số 12, đường làng|--poor|Lê Văn Minh|1965|male
Hà Thị Lan|Gần nhà văn hóa thôn|--ethnic-minority|Hà Văn Tùng|1979|female
Trần Văn Bình|Số 3, ngõ Chùa|--near-poor||1957|male
Phạm Thị Hoa|Số 20, xóm Tây|||1990|female
Lò Văn Páo|Đầu cầu treo|--ethnic-minority --no-smartphone|Lò Thị Mai|1972|male
HOUSEHOLDS
    "$bin/gocua" sync >/dev/null
    unset GOCUA_DB GOCUA_DB_KEY
    # The commune officer signs in to the web pages with a demo password.
    officer=$(json '[m["id"] for m in d["members"] if m["role"] == "commune_officer"][0]' <"$DEMO/org.json")
    echo "$OFFICER_PASSWORD" | "$bin/gocua-server" admin --data "$server_data" \
        member set-password --member "$officer" --login "$OFFICER_LOGIN" >/dev/null
fi

export GOCUA_APP_DATA="$DEMO/app"
if [ ! -f "$GOCUA_APP_DATA/gocua.db" ]; then
    leader=$(json 'd["members"][0]["id"]' <"$DEMO/org.json")
    code=$("$bin/gocua-server" admin --data "$server_data" --json enroll-code --member "$leader" --url "$url" | json 'd["payload"]')
    "$bin/gocua-app" enroll "$code" "$PIN" "Máy tính demo"
fi

cat <<EOF2

  Gõ Cửa is starting: the demo team leader's app, enrolled to $url.
  PIN: $PIN
  The commune office's pages: $url/ in a browser (self-signed certificate),
  sign in as $OFFICER_LOGIN with the password $OFFICER_PASSWORD.
  Close the window to stop the server too. Data: $DEMO/ (delete it to start over).

EOF2
"$bin/gocua-app"
