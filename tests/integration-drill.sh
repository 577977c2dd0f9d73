#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-drill.sh: vumaerp-drill against a private PostgreSQL and the real Odoo 17 erp_ke
# fixture with its filestore: the newest backup of a tenant restored into the scratch database,
# checked (tables, admin, company, every attachment's file), dropped with its filestore, and
# recorded — a good backup passes, and status shows it as the last good drill; round-robin picks
# the tenant whose last drill is the oldest; a backup without Odoo's tables, one missing a file
# an attachment names, a truncated dump (with and without its checksums rewritten) fail, are
# recorded, and leave nothing behind; a scratch copy an earlier drill left is dropped first and
# never listed as a tenant; the answers for bad input.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{backup,drill,status,list}
need_command jq
need_fixture "$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump" "$FIXTURES_DIR/odoo17/erp/erp_ke.filestore.tar"

pg_start_with_config drill
FS="$tmp/conf/filestore/filestore"
reg() { pg_psql vumaerp "$1" | tr -d '\n'; }
no_scratch() { # no_scratch WHEN: the scratch database and filestore are gone
        [ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'vumaerp_drill'")" = 0 ] || fail "$1: the scratch database is still there"
        [ ! -e "$FS/vumaerp_drill" ] || fail "$1: the scratch filestore is still there"
}

restore_fixture acme_ltd ke "$tmp/conf/filestore"
pg_psql postgres "CREATE DATABASE tiny_co OWNER odoo"
odoo_psql tiny_co "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('not an Odoo')"

echo "# nothing to drill, and bad input"
run drill
expect 0 '.success == true and .db_name == null' "no backups yet"
run drill 'Bad-Name'
expect 65 '.code == "invalid_db_name"' "a malformed name"
run drill vumaerp_drill
expect 65 '.code == "invalid_db_name"' "the scratch name is no tenant"
run drill acme_ltd
expect 66 '.code == "no_backup"' "a tenant without a backup"
pg_psql vumaerp "INSERT INTO tenants (db_name, country, company_name) VALUES ('acme_ltd', 'ke', 'Acme Ltd')"

run backup acme_ltd
expect 0 '.backup.filestore != null' "backup acme_ltd"
good=$(jq -r .backup.path <<<"$OUT")
run backup tiny_co
expect 0 '.success == true' "backup tiny_co"
run status acme_ltd
expect 0 '.last_drill == null and .last_good_drill == null' "status before any drill"

echo "# a good backup passes (round-robin: never drilled, by name)"
files=$(pg_psql acme_ltd "SELECT count(DISTINCT store_fname) FROM ir_attachment WHERE store_fname IS NOT NULL AND store_fname <> ''")
[ "$files" -gt 100 ] || fail "the fixture names only $files files: the check below would prove little"
run drill
expect 0 ".success == true and .db_name == \"acme_ltd\" and .backup.path == \"$good\"" "drill acme_ltd"
expect 0 ".checks.admin_login == \"admin\" and (.checks.company | length) > 0 and .checks.tables > 100
          and .checks.attachment_files == $files and .checks.missing_files == 0" "what the drill checked"
no_scratch "after a passed drill"
[ "$(reg "SELECT db_name || ':' || ok || ':' || backup_path FROM drills")" = "acme_ltd:true:$good" ] || fail "the drill's record: $(reg "SELECT * FROM drills")"
[ "$(reg "SELECT outcome || ':' || NOT coalesce(detail ? 'drop_on_interrupt', false) FROM operations WHERE db_name = 'vumaerp_drill' AND action = 'drill' ORDER BY id DESC LIMIT 1")" = ok:true ] ||
        fail "the drill's operation is not closed clean: $(reg "SELECT detail FROM operations WHERE db_name = 'vumaerp_drill'")"
run status acme_ltd
expect 0 ".last_drill.ok == true and .last_good_drill.backup == \"$good\" and .last_good_drill.error == null
          and (.last_good_drill.drilled_at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\"))" "status shows the last good drill"

echo "# a backup that is not an Odoo database fails at the check, recorded"
run drill
expect 70 '.code == "drill_failed" and .db_name == "tiny_co" and .stage == "check" and (.error | test("res_users is missing"))' "drill tiny_co"
grep -q "drill tiny_co: the drill of tiny_co" "$tmp/stderr" || fail "the failed drill was not logged: $(cat "$tmp/stderr")"
no_scratch "after a failed check"
[ "$(reg "SELECT ok || ':' || (error LIKE '%res_users is missing%') FROM drills WHERE db_name = 'tiny_co'")" = "false:true" ] || fail "tiny_co's drill record"
run status tiny_co
expect 0 '.last_drill.ok == false and (.last_drill.error | test("res_users")) and .last_good_drill == null' "status of a tenant whose drill failed"

echo "# a scratch copy an earlier drill left is dropped first, and is never a tenant"
pg_psql postgres "CREATE DATABASE vumaerp_drill OWNER vumaerp_holder"
mkdir -p "$FS/vumaerp_drill/zz" && echo left >"$FS/vumaerp_drill/zz/zz00"
run list
expect 0 '[.tenants[].db_name] == ["acme_ltd", "tiny_co"]' "the scratch database is not listed"
run drill
expect 0 '.db_name == "acme_ltd"' "round-robin: acme_ltd's last drill is the oldest"
no_scratch "after a drill over a leftover"

echo "# a backup missing a file an attachment names"
first_file=$(pg_psql acme_ltd "SELECT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL AND store_fname <> '' ORDER BY id LIMIT 1")
mv "$FS/acme_ltd/$first_file" "$tmp/kept-file"
run backup acme_ltd
expect 0 '.success == true' "backup acme_ltd without one of its files"
lacking=$(jq -r .backup.path <<<"$OUT")
mv "$tmp/kept-file" "$FS/acme_ltd/$first_file"
run drill acme_ltd
expect 70 ".code == \"drill_failed\" and .stage == \"check\" and .backup == \"$lacking\" and (.error | test(\"lacks 1 of the $files files\"))" "a missing file fails the drill"
no_scratch "after a missing file"
run status acme_ltd
expect 0 ".last_drill.ok == false and .last_drill.backup == \"$lacking\" and .last_good_drill.backup == \"$good\"" "the last good drill stays"

echo "# a truncated dump"
run backup acme_ltd
cut_dump=$(jq -r .backup.path <<<"$OUT")
truncate -s $(( $(stat -c %s "$cut_dump") / 2 )) "$cut_dump"
run drill acme_ltd
expect 70 '.stage == "restore" and (.error | test("does not match the sha256"))' "a truncated dump fails its checksum"
no_scratch "after a checksum mismatch"
# The same with its checksums rewritten to match (rot that also reached them): pg_restore refuses it.
sum=$(sha256sum "$cut_dump" | cut -d' ' -f1)
(cd "$(dirname "$cut_dump")" && sha256sum "$(basename "$cut_dump")" >"$(basename "$cut_dump").sha256")
pg_psql vumaerp "UPDATE backups SET sha256 = '$sum', size_bytes = $(stat -c %s "$cut_dump") WHERE path = '$cut_dump'"
run drill acme_ltd
expect 70 '.stage == "restore" and (.error | test("restoring .* failed"))' "a truncated dump with matching checksums fails pg_restore"
no_scratch "after a failed pg_restore"
[ "$(reg "SELECT string_agg(ok::text, ',' ORDER BY id) FROM drills WHERE db_name = 'acme_ltd'")" = "true,true,false,false,false" ] ||
        fail "acme_ltd's drills: $(reg "SELECT string_agg(ok::text, ',' ORDER BY id) FROM drills WHERE db_name = 'acme_ltd'")"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'acme_ltd'")" = 1 ] || fail "a drill touched the tenant"

echo "# prune never deletes the backup a drill is restoring: it stays until the next prune"
run backup acme_ltd
expect 0 '.success == true' "backup acme_ltd (the one drilled)"
drilled=$(jq -r .backup.path <<<"$OUT")
run backup acme_ltd
expect 0 '.success == true' "backup acme_ltd (made newer while the drill runs)"
newer=$(jq -r .backup.path <<<"$OUT")
pg_psql vumaerp "UPDATE backups SET created_at = now() - interval '1 minute' WHERE path = '$newer'"
"$B/vumaerp-drill" --config "$CONF" acme_ltd >"$tmp/drill.json" 2>"$tmp/drill.err" &
drill_pid=$!
held=0
for _ in $(seq 1 600); do
        [ "$(pg_psql vumaerp "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $((0x56554d43)) AND objsubid = 2 AND mode = 'ShareLock' AND granted")" = 1 ] && { held=1; break; }
        kill -0 "$drill_pid" 2>/dev/null || break
        sleep 0.1
done
[ "$held" = 1 ] || fail "the drill did not hold its backup while restoring it: $(cat "$tmp/drill.json" "$tmp/drill.err")"
# Now the drilled backup is no tenant's newest, nor any window's: prune wants it.
pg_psql vumaerp "UPDATE backups SET created_at = now() + interval '1 minute' WHERE path = '$newer'"
run backup --prune
expect 0 ".in_use == [\"$drilled\"] and ([.deleted[].path] | index(\"$drilled\") == null) and ([.deleted[].path] | index(\"$cut_dump\") != null)" \
        "prune during the drill keeps the drilled backup"
grep -q "kept backup $drilled past its retention: a restore is reading it" "$tmp/stderr" || fail "prune did not log the kept backup: $(cat "$tmp/stderr")"
[ -e "$drilled" ] && [ -e "${drilled%.dump}.filestore.tar" ] || fail "prune deleted the backup the drill was restoring"
rc=0
wait "$drill_pid" || rc=$?
[ "$rc" = 0 ] || fail "the drill during a prune: exit $rc: $(cat "$tmp/drill.json" "$tmp/drill.err")"
jq -e ".success == true and .backup.path == \"$drilled\"" "$tmp/drill.json" >/dev/null || fail "the drill during a prune: $(cat "$tmp/drill.json")"
no_scratch "after the drill a prune ran beside"
run backup --prune
expect 0 ".in_use == [] and [.deleted[].path] == [\"$drilled\"]" "the next prune deletes it"
[ ! -e "$drilled" ] || fail "the next prune left $drilled"

echo "PASS"
