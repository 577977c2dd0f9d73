#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-registry.sh: the control database against a private PostgreSQL — created on first
# use, migrated once (also when 8 processes race on a fresh server), a newer schema refused with
# exit 78, the password read from a credential file, and PostgreSQL being down reported as 69.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

LIST="$BUILD_DIR/bin/vumaerp-list"
need_built "$LIST"
need_command jq

pg_start_with_config registry

db_exists() { [ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = '$1'")" = 1 ]; }
versions() { pg_psql vumaerp "SELECT string_agg(version || '@' || applied_at, ',' ORDER BY version) FROM schema_version"; }

echo "# first use creates and migrates the control database"
db_exists vumaerp && fail "vumaerp exists before first use"
run_tool "$LIST" --config "$CONF"
expect 0 '.success == true and .count == 0 and .tenants == []' "first list"
db_exists vumaerp || fail "the control database was not created"
n=$(pg_psql vumaerp "SELECT count(*) FROM schema_version")
[ "$n" -ge 1 ] || fail "no schema_version rows"
# Versions are 1..N, each once.
[ "$(pg_psql vumaerp "SELECT count(DISTINCT version) = count(*) AND min(version) = 1 AND max(version) = count(*) FROM schema_version")" = t ] \
        || fail "schema_version is not 1..N once each: $(versions)"
for t in tenants backups operations; do
        [ "$(pg_psql vumaerp "SELECT to_regclass('public.$t') IS NOT NULL")" = t ] || fail "table $t missing"
done
# The state check constraint is there.
if pg_psql vumaerp "INSERT INTO tenants (db_name, state) VALUES ('x_bad', 'nonsense')" 2>/dev/null; then
        fail "tenants accepted state 'nonsense'"
fi
pg_psql vumaerp "SELECT 1 FROM tenants WHERE db_name = 'x_bad'" | grep -q . && fail "x_bad was stored"

echo "# a second run applies nothing"
before=$(versions)
run_tool "$LIST" --config "$CONF"
expect 0 '.success == true' "second list"
[ "$(versions)" = "$before" ] || fail "schema_version changed on a second run: $before → $(versions)"

echo "# 8 processes racing on a server without the control database"
pg_psql postgres "DROP DATABASE vumaerp WITH (FORCE)"
pids=()
for i in 1 2 3 4 5 6 7 8; do
        ( rc=0; "$LIST" --config "$CONF" >"$tmp/race.$i.out" 2>"$tmp/race.$i.err" || rc=$?; echo "$rc" >"$tmp/race.$i.rc" ) &
        pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for i in 1 2 3 4 5 6 7 8; do
        [ "$(cat "$tmp/race.$i.rc")" = 0 ] || { cat "$tmp/race.$i.err" >&2; fail "racer $i exited $(cat "$tmp/race.$i.rc"): $(cat "$tmp/race.$i.out")"; }
        jq -e '.success == true' "$tmp/race.$i.out" >/dev/null || fail "racer $i: $(cat "$tmp/race.$i.out")"
done
[ "$(pg_psql vumaerp "SELECT count(*) FROM schema_version")" = "$n" ] || fail "schema applied more than once: $(versions)"
[ "$(pg_psql vumaerp "SELECT count(DISTINCT version) = count(*) FROM schema_version")" = t ] || fail "duplicate versions: $(versions)"

echo "# a schema newer than this binary is refused"
pg_psql vumaerp "INSERT INTO schema_version (version) VALUES (999)"
before=$(versions)
run_tool "$LIST" --config "$CONF"
expect 78 '.success == false and .code == "schema_too_new"' "newer schema"
jq -e '.error | test("schema version 999, newer than this vumaerp \\([0-9]+\\): upgrade vumaerp")' >/dev/null <<<"$OUT" \
        || fail "unclear message: $OUT"
[ "$(versions)" = "$before" ] || fail "a refused schema was changed"
pg_psql vumaerp "DELETE FROM schema_version WHERE version = 999"

echo "# the password comes from a credential file"
pg_psql postgres "CREATE ROLE vumaerp_pw LOGIN SUPERUSER PASSWORD 'sekrit-pw-1'"
# Password authentication for that role over TCP (the harness trusts everything else).
sed -i '1i host all vumaerp_pw 127.0.0.1/32 scram-sha-256' "$PG_DATA/pg_hba.conf"
pg_psql postgres "SELECT pg_reload_conf()" >/dev/null
mkdir -p "$tmp/creds"
printf 'sekrit-pw-1\n' >"$tmp/creds/pg-password"
sed -e "s|^  host: .*|  host: 127.0.0.1|" -e "s|^  user: .*|  user: vumaerp_pw\n  password_file: pg-password|" \
        "$CONF" >"$tmp/conf/pw.yaml"
run_tool env CREDENTIALS_DIRECTORY="$tmp/creds" "$LIST" --config "$tmp/conf/pw.yaml"
expect 0 '.success == true' "password from \$CREDENTIALS_DIRECTORY"
printf 'wrong-pw-2\n' >"$tmp/creds/pg-password"
run_tool env CREDENTIALS_DIRECTORY="$tmp/creds" "$LIST" --config "$tmp/conf/pw.yaml"
expect 78 '.success == false and .code == "database_access_denied"' "wrong password"
grep -q 'wrong-pw-2' - "$tmp/stderr" <<<"$OUT" && fail "the password appears in the output"
run_tool env -u CREDENTIALS_DIRECTORY "$LIST" --config "$tmp/conf/pw.yaml"
expect 78 '.success == false' "relative password file without \$CREDENTIALS_DIRECTORY"

echo "# PostgreSQL down: 69 and a clear message"
as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
run_tool "$LIST" --config "$CONF"
expect 69 '.success == false and .code == "database_unavailable" and (.error | test("PostgreSQL is unavailable"))' "server stopped"
grep -qi 'password' <<<"$OUT" && fail "password mentioned: $OUT"

echo "PASS"
