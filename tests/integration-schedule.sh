#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-schedule.sh: vumaerp-backup --all (what units/vumaerp-backup-daily.service runs)
# against a private PostgreSQL: every active and suspended tenant gets a verified backup of kind
# 'scheduled' (a suspended one stays closed), a terminated one and one still being made do not; a
# tenant whose backup fails does not stop the others and fails the run (69, named); a second run
# while one holds the lock refuses (75) and backs up nothing; --all with a tenant or with --prune
# is refused.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{backup,suspend,terminate}
need_command jq

pg_start_with_config schedule
BACKUPS="$tmp/conf/backups"
FS="$tmp/conf/filestore/filestore"
reg() { pg_psql vumaerp "$1" | tr -d '\n'; }
access() { pg_psql postgres "SELECT CASE WHEN datallowconn THEN 't' ELSE 'f' END || ':' || datconnlimit FROM pg_database WHERE datname = '$1'"; }

for db in act_co susp_co gone_co mid_co; do
        pg_psql postgres "CREATE DATABASE $db OWNER odoo"
        odoo_psql "$db" "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('$db data')"
done
mkdir -p "$FS/act_co/ab" && echo attachment >"$FS/act_co/ab/ab01"
run suspend susp_co
expect 0 '.status == "suspended"' "suspend susp_co"
run_json terminate '{"db_name": "gone_co", "skip_backup": true}'
expect 0 '.status == "terminated"' "terminate gone_co"
# A tenant provision is still making (its registry row says so).
pg_psql vumaerp "INSERT INTO tenants (db_name, state) VALUES ('mid_co', 'provisioning')"

echo "# refused"
run backup --all act_co
expect 64 '.code == "bad_request"' "--all with a tenant"
run backup --all --prune
expect 64 '.code == "bad_request"' "--all with --prune"
run_json backup '{"all": "perhaps"}'
expect 65 '.code == "bad_request"' "all not a boolean"
[ "$(reg "SELECT count(*) FROM backups")" = 0 ] || fail "a refused run made a backup"

echo "# the daily run"
run backup --all
expect 0 '.success == true and .count == 2 and ([.backed_up[].db_name] == ["act_co", "susp_co"]) and .failed == []' "backup --all"
expect 0 '.skipped == [{"db_name": "mid_co", "state": "provisioning"}]' "a tenant being made is skipped"
expect 0 '[.backed_up[] | select(.db_name == "act_co") | .backup.filestore != null] == [true]' "act_co's filestore archived"
for db in act_co susp_co; do
        path=$(jq -r ".backed_up[] | select(.db_name == \"$db\") | .backup.path" <<<"$OUT")
        [ "$(reg "SELECT kind || ':' || sha256 FROM backups WHERE path = '$path'")" = "scheduled:$(sha256sum "$path" | cut -d' ' -f1)" ] ||
                fail "$db's backup $path is not recorded as a verified scheduled backup"
        (cd "$BACKUPS/$db" && sha256sum -c --status "$(basename "$path").sha256") || fail "$db's .sha256"
        pg_restore -f - "$path" | grep -q "$db data" || fail "$db's dump lacks its data"
done
[ "$(reg "SELECT count(*) FROM backups WHERE db_name IN ('gone_co', 'mid_co')")" = 0 ] || fail "a terminated or unfinished tenant was backed up"
[ "$(access susp_co)" = "f:-1" ] || fail "susp_co after the run: $(access susp_co)"
[ "$(reg "SELECT state FROM tenants WHERE db_name = 'susp_co'")" = suspended ] || fail "susp_co's registry state"
[ "$(access act_co)" = "t:-1" ] || fail "act_co after the run: $(access act_co)"

echo "# one failing tenant: the others are still backed up, the run fails naming it"
pg_psql postgres "CREATE DATABASE link_co OWNER odoo"
mkdir -p "$tmp/elsewhere" && ln -s "$tmp/elsewhere" "$FS/link_co"
run backup --all
expect 69 '.success == false and .code == "backup_incomplete" and .count == 2' "a run with a failure"
expect 69 '[.failed[] | .db_name + ":" + .code] == ["link_co:backup_failed"] and ([.backed_up[].db_name] == ["act_co", "susp_co"])' "which failed"
grep -q "link_co: the scheduled backup failed" "$tmp/stderr" || fail "the failed backup was not logged: $(cat "$tmp/stderr")"
rm "$FS/link_co"

echo "# never two runs at once"
key=$(pg_psql vumaerp "INSERT INTO tenant_locks (db_name) VALUES ('vumaerp_backup_all') ON CONFLICT (db_name) DO UPDATE SET db_name = excluded.db_name RETURNING lock_key")
psql -X -q -d vumaerp -c "SELECT pg_advisory_lock($key)" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 100); do
        [ "$(pg_psql vumaerp "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = ($key & 4294967295)::oid AND granted")" = 1 ] && break
        sleep 0.1
done
n=$(reg "SELECT count(*) FROM backups")
run backup --all
expect 75 '.code == "backup_running"' "a second run while one holds the lock"
[ "$(reg "SELECT count(*) FROM backups")" = "$n" ] || fail "the refused run made backups"
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
pg_psql postgres "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
run backup --all
expect 0 '.success == true and .count == 3' "the next run, once the lock is free"

echo "PASS"
