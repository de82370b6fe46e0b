#!/usr/bin/env bash
# Start Debian's PostgreSQL on 127.0.0.1 for the tests (no systemd needed:
# pg_ctlcluster runs pg_ctl as the postgres user), make sure the test role
# and database exist, and print the URL the tests take from
# GOCUA_TEST_PG_URL. Safe to run again: each step is skipped when done.
# Each test makes its own schema in that database and drops it after.
# With --ca: print instead the path of the test authority that signed
# PostgreSQL's TLS certificate (for sslmode=verify-full).
set -euo pipefail

PG_USER=gocua
PG_PASSWORD=gocua
PG_DB=gocua_test
PG_PORT="${GOCUA_TEST_PG_PORT:-5432}"

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres: installing Debian's postgresql" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
cluster=main
if [ -z "$(pg_lsclusters -h "$version" "$cluster" 2>/dev/null)" ]; then
    echo "postgres: creating cluster $version/$cluster on port $PG_PORT" >&2
    $SUDO pg_createcluster "$version" "$cluster" --port "$PG_PORT" >&2
fi
# Only the loopback address, whatever the cluster's configuration says;
# TLS with a certificate of its own for 127.0.0.1 and localhost, so the
# tests can check the server's link to PostgreSQL (sslmode=require and
# verify-full with sslrootcert=$(scripts/postgres.sh --ca), the test
# authority that signed it).
conf_dir="/etc/postgresql/$version/$cluster"
tls_dir="$conf_dir/gocua-tls"
if [ ! -f "$tls_dir/server.crt" ] || [ ! -f "$tls_dir/ca.crt" ]; then
    echo "postgres: making a test authority and a TLS certificate for 127.0.0.1 in $tls_dir" >&2
    $SUDO mkdir -p "$tls_dir"
    $SUDO openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Go Cua test CA" \
        -keyout "$tls_dir/ca.key" -out "$tls_dir/ca.crt" 2>/dev/null
    $SUDO openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$tls_dir/server.key" -out "$tls_dir/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' |
        $SUDO tee "$tls_dir/server.ext" >/dev/null
    $SUDO openssl x509 -req -in "$tls_dir/server.csr" -CA "$tls_dir/ca.crt" -CAkey "$tls_dir/ca.key" \
        -CAcreateserial -days 3650 -extfile "$tls_dir/server.ext" -out "$tls_dir/server.crt" 2>/dev/null
    $SUDO chown postgres:postgres "$tls_dir/server.key" "$tls_dir/server.crt"
    $SUDO chmod 600 "$tls_dir/server.key" "$tls_dir/ca.key"
    $SUDO chmod 644 "$tls_dir/server.crt" "$tls_dir/ca.crt"
    if pg_lsclusters -h "$version" "$cluster" 2>/dev/null | grep online >/dev/null; then
        $SUDO pg_ctlcluster "$version" "$cluster" restart >&2
    fi
fi
if [ "${1:-}" = --ca ]; then
    echo "$tls_dir/ca.crt"
    exit 0
fi
wanted="listen_addresses = '127.0.0.1'
ssl = on
ssl_cert_file = '$tls_dir/server.crt'
ssl_key_file = '$tls_dir/server.key'"
if [ "$(cat "$conf_dir/conf.d/gocua.conf" 2>/dev/null)" != "$wanted" ]; then
    echo "$wanted" | $SUDO tee "$conf_dir/conf.d/gocua.conf" >/dev/null
    if pg_lsclusters -h "$version" "$cluster" | grep online >/dev/null; then
        $SUDO pg_ctlcluster "$version" "$cluster" restart >&2
    fi
fi
port=$(pg_lsclusters -h "$version" "$cluster" | awk '{print $3}')
if ! pg_lsclusters -h "$version" "$cluster" | grep online >/dev/null; then
    echo "postgres: starting $version/$cluster on 127.0.0.1:$port" >&2
    $SUDO pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { echo "postgres: not ready on 127.0.0.1:$port" >&2; exit 1; }

as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"
    elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
    else sudo -u postgres "$@"; fi
}
psql_admin() { as_postgres psql -p "$port" -qtAX -v ON_ERROR_STOP=1 "$@"; }

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
    echo "postgres: creating role $PG_USER" >&2
    psql_admin -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASSWORD'"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    echo "postgres: creating database $PG_DB" >&2
    psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER ENCODING 'UTF8' TEMPLATE template0"
fi

echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
