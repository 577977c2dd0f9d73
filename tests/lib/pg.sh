# SPDX-License-Identifier: MIT
# tests/lib/pg.sh: sourced by the integration and end-to-end tests (and the demo, and bench/).
# PG_FSYNC=on gives it fsync, full_page_writes and synchronous_commit, as production has: every
# test that crashes the server or proves something survives one sets it; the rest run without.
# Starts a private PostgreSQL in a temp dir on a free port — initdb and pg_ctl as the postgres
# user when we are root — and tears it down on exit, whatever the exit. After pg_start:
#   PGHOST (the socket dir), PGPORT, PGUSER=postgres, PG_TMP (the temp dir), PG_DATA,
#   and pg_psql <db> <sql> runs SQL and prints unaligned tuples.
# Also: free_port, write_test_config <dir> (a vumaerp.yaml + countries.yaml for that server),
# pg_start_with_config NAME (both, as most tests begin).

set -euo pipefail
# skip and the rest of the harness (pg.sh, odoo.sh and nginx.sh skip when something is missing).
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

pg_bindir() {
        local d
        if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
                pg_config --bindir; return
        fi
        for d in /usr/lib/postgresql/*/bin; do
                [ -x "$d/initdb" ] && { echo "$d"; return; }
        done
        command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
        echo "no PostgreSQL server binaries (initdb) found: install postgresql" >&2
        return 1
}

free_port() {
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as the postgres user when we are root (initdb refuses root), else as ourselves.
as_pg_owner() {
        if [ "$(id -u)" = 0 ]; then
                runuser -u postgres -- "$@"
        else
                "$@"
        fi
}

pg_stop() {
        if [ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ]; then
                as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ]; then
                rm -rf "$PG_TMP"
        fi
}

# Cleanup hooks: tests add their own with pg_on_exit "cmd", run before PostgreSQL stops.
PG_EXIT_HOOKS=()
pg_on_exit() { PG_EXIT_HOOKS+=("$1"); }
pg_run_exit_hooks() {
        local rc=$? h
        for h in "${PG_EXIT_HOOKS[@]}"; do eval "$h" || true; done
        pg_stop
        return $rc
}

pg_start() {
        PG_BIN=$(pg_bindir)
        PG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vumaerp-pg.XXXXXX")
        trap pg_run_exit_hooks EXIT
        trap 'exit 130' INT TERM
        chmod 0755 "$PG_TMP"
        PG_DATA="$PG_TMP/data"
        mkdir "$PG_DATA" "$PG_TMP/run"
        if [ "$(id -u)" = 0 ]; then
                chown postgres: "$PG_DATA" "$PG_TMP/run"
        fi
        as_pg_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
                --no-instructions >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
        PGPORT=$(free_port)
        cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PG_TMP/run'
max_connections = 200
shared_buffers = 64MB
fsync = ${PG_FSYNC:-off}
full_page_writes = ${PG_FSYNC:-off}
synchronous_commit = ${PG_FSYNC:-off}
logging_collector = off
CONF
        as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/run/postgres.log" -w -t 300 start >/dev/null \
                || { cat "$PG_TMP/run/postgres.log" >&2; return 1; }
        export PGHOST="$PG_TMP/run" PGPORT PGUSER=postgres PGDATABASE=postgres
        export PG_TMP PG_DATA PG_BIN
}

# pg_crash_restart: stops the server as a crash would (pg_ctl -m immediate: no checkpoint, no
# flush) and starts it again; what was acknowledged must still be there.
pg_crash_restart() {
        as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null
        as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/run/postgres.log" -w -t 300 start >/dev/null
}

pg_psql() {
        local db=$1; shift
        psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$*"
}

# odoo_psql <db> <sql>: as Odoo's role, the owner of everything inside a tenant (as a real Odoo
# makes it: vumaerp works inside tenants as that role and reads only what it can).
odoo_psql() {
        local db=$1; shift
        psql -X -q -v ON_ERROR_STOP=1 -At -U odoo -d "$db" -c "$*"
}

# write_test_config DIR [extra yaml lines for the api: section...]
# API_DEADLINE and API_RECEIVE_TIMEOUT (seconds) override the api section's defaults.
# A config for the private server: control database vumaerp, tenants owned by role odoo.
write_test_config() {
        local dir=$1; shift
        mkdir -p "$dir"
        cp "$SOURCE_DIR/conf/countries.yaml" "$dir/countries.yaml"
        cat >"$dir/vumaerp.yaml" <<YAML
postgres:
  host: $PGHOST
  port: $PGPORT
  user: postgres
  maintenance_db: postgres
  control_db: vumaerp
  odoo_role: odoo
odoo:
  data_dir: $dir/filestore
tenants:
  url_template: "https://{subdomain}.vumacloud.test"
backups:
  dir: $dir/backups
  retention: {daily: 7, weekly: 4, monthly: 3}
api:
  deadline: ${API_DEADLINE:-60}
  receive_timeout: ${API_RECEIVE_TIMEOUT:-10}
  token_file: $dir/api-token
YAML
        local line
        for line in "$@"; do printf '  %s\n' "$line" >>"$dir/vumaerp.yaml"; done
        printf 'countries: countries.yaml\n' >>"$dir/vumaerp.yaml"
        mkdir -p "$dir/backups" "$dir/filestore"
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/api-token"
        chmod 0600 "$dir/api-token"
        pg_psql postgres "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odoo') THEN CREATE ROLE odoo LOGIN CREATEDB; END IF; END\$\$;"
}

# pg_start_with_config NAME: pg_start, then a temp dir $tmp (vumaerp-NAME.XXXXXX, removed on
# exit) holding write_test_config's files in $tmp/conf; CONF is their vumaerp.yaml.
pg_start_with_config() {
        pg_start
        tmp=$(mktemp -d "${TMPDIR:-/tmp}/vumaerp-$1.XXXXXX")
        pg_on_exit "rm -rf '$tmp'"
        write_test_config "$tmp/conf"
        CONF="$tmp/conf/vumaerp.yaml"
}

# Environment every test gets from meson: BUILD_DIR, SOURCE_DIR, FIXTURES_DIR.
: "${SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${BUILD_DIR:=$SOURCE_DIR/build}"
: "${FIXTURES_DIR:=${VUMAERP_FIXTURES:-$SOURCE_DIR/../shared/fixtures}}"
export SOURCE_DIR BUILD_DIR FIXTURES_DIR

# restore_fixture DB CC [DATA_DIR]: the real Odoo 17 ERP database of country CC
# (fixtures/odoo17/erp/erp_CC.pgdump: the apps every customer gets and the country's chart)
# restored as DB, owned by role odoo (write_test_config creates the role), and with DATA_DIR
# (Odoo's data_dir: write_test_config's is <dir>/filestore) its filestore in
# DATA_DIR/filestore/DB, as Odoo would have it. Skips the test (77) when the fixtures are absent,
# as on a user's fresh clone. (fixtures/odoo17/tpl_CC.pgdump are older, smaller ones: account
# and the chart only.)
restore_fixture() {
        local db=$1 cc=$2 data_dir=${3:-} dump="$FIXTURES_DIR/odoo17/erp/erp_$2.pgdump"
        local tar="$FIXTURES_DIR/odoo17/erp/erp_$2.filestore.tar"
        need_fixture "$dump"
        pg_psql postgres "CREATE DATABASE $db OWNER odoo"
        pg_restore --no-owner --no-acl --role=odoo -d "$db" "$dump"
        if [ -n "$data_dir" ]; then
                need_fixture "$tar"
                mkdir -p "$data_dir/filestore/$db"
                tar -C "$data_dir/filestore/$db" -xf "$tar"
        fi
}
