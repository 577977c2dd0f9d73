#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-backup.sh: vumaerp-backup against a private PostgreSQL: an on-demand backup of an
# active and of a suspended tenant (which stays closed to Odoo's role and suspended afterwards),
# the files (0600, sha256sum format), the registry rows (and status's last_backup), two backups in
# one second, the answers for bad input; the repair of a backup window a killed backup left open; the tenant's filestore
# archived beside the dump (none when it has none; a filestore that cannot be archived fails the
# backup and leaves nothing); and --prune's rules (retention.h): the newest of each of the last days,
# weeks and months is kept, a live tenant's newest however old, a terminated tenant's last backup
# for the retention's span; the archive goes with its dump; the deprecated retention_days.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{backup,suspend,terminate,status}
need_command jq

pg_start_with_config backup
BACKUPS="$tmp/conf/backups"
FS="$tmp/conf/filestore/filestore"

access() { pg_psql postgres "SELECT CASE WHEN datallowconn THEN 't' ELSE 'f' END || ':' || datconnlimit FROM pg_database WHERE datname = '$1'"; }
reg() { pg_psql vumaerp "$1" | tr -d '\n'; }
check_backup() { # check_backup JSON-OUT DB: the file the answer names is whole, verified and recorded
        local path sha size
        path=$(jq -r .backup.path <<<"$1"); sha=$(jq -r .backup.sha256 <<<"$1"); size=$(jq -r .backup.size_bytes <<<"$1")
        case "$path" in "$BACKUPS/$2/$2-"*.dump) ;; *) fail "unexpected path $path" ;; esac
        [ "$(stat -c %a "$path")" = 600 ] || fail "$path is not 0600"
        [ "$(stat -c %a "$BACKUPS/$2")" = 700 ] || fail "$BACKUPS/$2 is not 0700"
        [ "$(stat -c %s "$path")" = "$size" ] || fail "size_bytes"
        [ "$(sha256sum "$path" | cut -d' ' -f1)" = "$sha" ] || fail "sha256"
        (cd "$BACKUPS/$2" && sha256sum -c --status "$(basename "$path").sha256") || fail "sha256sum -c"
        pg_restore --list "$path" >/dev/null || fail "pg_restore --list"
        [ "$(reg "SELECT db_name || ':' || size_bytes || ':' || sha256 FROM backups WHERE path = '$path'")" = "$2:$size:$sha" ] \
                || fail "the registry row for $path"
}

pg_psql postgres "CREATE DATABASE acme_ltd OWNER odoo"
odoo_psql acme_ltd "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'kept')"
pg_psql postgres "CREATE DATABASE susp_co OWNER odoo"
odoo_psql susp_co "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'suspended data')"

echo "# bad input"
run_json backup '{"db_name": "Bad-Name"}'
expect 65 '.code == "invalid_db_name"' "malformed name"
run_json backup '{}'
expect 64 '.code == "missing_db_name"' "no name"
run backup nobody_here
expect 66 '.code == "no_such_tenant"' "absent tenant"
run_json backup '{"prune": true, "db_name": "acme_ltd"}'
expect 64 '.success == false' "prune with a name"
run_json backup '{"prune": "perhaps"}'
expect 65 '.code == "bad_request"' "prune not a boolean"
[ ! -e "$BACKUPS/nobody_here" ] || fail "a refused backup made a directory"

echo "# an active tenant"
run backup acme_ltd
expect 0 '.success == true and .db_name == "acme_ltd" and .backup.size_bytes > 0' "backup acme_ltd"
check_backup "$OUT" acme_ltd
first=$(jq -r .backup.path <<<"$OUT")
expect 0 '.backup.filestore == null' "no filestore, no archive"
[ ! -e "${first%.dump}.filestore.tar" ] || fail "an archive was made of no filestore"
[ "$(reg "SELECT (filestore_path IS NULL) || ':' || (filestore_sha256 IS NULL) FROM backups WHERE path = '$first'")" = "true:true" ] \
        || fail "the registry's filestore columns are not NULL without a filestore"
[ "$(reg "SELECT kind FROM backups WHERE path = '$first'")" = manual ] || fail "kind"
[ "$(access acme_ltd)" = "t:-1" ] || fail "acme_ltd's access changed: $(access acme_ltd)"
run_json backup '{"db_name": "acme_ltd"}'
expect 0 '.success == true' "a second backup within the second"
second=$(jq -r .backup.path <<<"$OUT")
[ "$first" != "$second" ] || fail "two backups share $first"
check_backup "$OUT" acme_ltd

echo "# a filestore: archived beside the dump"
mkdir -p "$FS/acme_ltd/ab" "$FS/acme_ltd/cd"
head -c 70000 /dev/urandom >"$FS/acme_ltd/ab/abcdef0123"
printf 'attachment\n' >"$FS/acme_ltd/cd/cd9876"
run backup acme_ltd
expect 0 '.success == true and (.backup.filestore.size_bytes > 70000)' "backup acme_ltd with its filestore"
check_backup "$OUT" acme_ltd
fs_dump=$(jq -r .backup.path <<<"$OUT")
fs_tar=$(jq -r .backup.filestore.path <<<"$OUT")
[ "$fs_tar" = "${fs_dump%.dump}.filestore.tar" ] || fail "archive path $fs_tar"
[ "$(stat -c %a "$fs_tar")" = 600 ] || fail "the archive is not 0600"
[ "$(sha256sum "$fs_tar" | cut -d' ' -f1)" = "$(jq -r .backup.filestore.sha256 <<<"$OUT")" ] || fail "the archive's sha256"
(cd "$BACKUPS/acme_ltd" && sha256sum -c --status "$(basename "$fs_tar").sha256") || fail "sha256sum -c on the archive"
[ "$(tar -tf "$fs_tar" | sort | tr '\n' ' ')" = "acme_ltd/ acme_ltd/ab/ acme_ltd/ab/abcdef0123 acme_ltd/cd/ acme_ltd/cd/cd9876 " ] \
        || fail "the archive lists: $(tar -tf "$fs_tar")"
mkdir "$tmp/x" && tar -C "$tmp/x" -xf "$fs_tar" && diff -r "$FS/acme_ltd" "$tmp/x/acme_ltd" || fail "the archive's content differs"
[ "$(reg "SELECT filestore_path || ':' || filestore_sha256 || ':' || filestore_size_bytes FROM backups WHERE path = '$fs_dump'")" \
  = "$fs_tar:$(jq -r .backup.filestore.sha256 <<<"$OUT"):$(stat -c %s "$fs_tar")" ] || fail "the registry's filestore columns"
[ -f "$FS/acme_ltd/ab/abcdef0123" ] || fail "a backup touched the filestore"

echo "# status names the newest backup the registry knows of"
run status acme_ltd
expect 0 ".last_backup.path == \"$fs_dump\" and .last_backup.size_bytes == $(stat -c %s "$fs_dump")
          and (.last_backup.created_at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$\"))" "status's last_backup"
run status susp_co
expect 0 '.last_backup == null' "status of a tenant without a backup"

echo "# a symlink at <backups.dir>/<db_name> is refused, never followed"
pg_psql postgres "CREATE DATABASE sym_co OWNER odoo"
mkdir -p "$tmp/attacker-dir"
ln -s "$tmp/attacker-dir" "$BACKUPS/sym_co"
run backup sym_co
expect 69 '.code == "backup_failed"' "a backup directory that is a symlink"
[ -z "$(ls -A "$tmp/attacker-dir")" ] || fail "the backup followed the symlink: $(ls -A "$tmp/attacker-dir")"
rm "$BACKUPS/sym_co"

echo "# a filestore that cannot be archived fails the backup, leaving nothing"
mkdir -p "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$FS/link_co"
pg_psql postgres "CREATE DATABASE link_co OWNER odoo"
run backup link_co
expect 69 '.code == "backup_failed" and (.error | test("filestore"))' "a filestore that is a symlink"
[ -z "$(ls -A "$BACKUPS/link_co" 2>/dev/null)" ] || fail "a failed backup left files: $(ls -A "$BACKUPS/link_co")"
[ "$(reg "SELECT count(*) FROM backups WHERE db_name = 'link_co'")" = 0 ] || fail "a failed backup was recorded"
run terminate link_co
expect 69 '.code == "backup_failed"' "terminate refused when the filestore cannot be archived"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'link_co'")" = 1 ] || fail "link_co was dropped"
[ -L "$FS/link_co" ] || fail "link_co's filestore was removed"
# tar failing midway (an unreadable file; root reads everything, so only when not root).
if [ "$(id -u)" != 0 ]; then
        mkdir -p "$FS/unread_co/aa" && echo secret >"$FS/unread_co/aa/aa11" && chmod 000 "$FS/unread_co/aa/aa11"
        pg_psql postgres "CREATE DATABASE unread_co OWNER odoo"
        run backup unread_co
        expect 69 '.code == "backup_failed" and (.error | test("tar"))' "an unreadable filestore file"
        [ -z "$(ls -A "$BACKUPS/unread_co" 2>/dev/null)" ] || fail "tar's failure left files: $(ls -A "$BACKUPS/unread_co")"
        chmod 600 "$FS/unread_co/aa/aa11"
fi

echo "# a suspended tenant: dumped, and still suspended"
run suspend susp_co
run backup susp_co
expect 0 '.success == true' "backup susp_co"
check_backup "$OUT" susp_co
[ "$(access susp_co)" = "f:-1" ] || fail "susp_co after its backup: $(access susp_co), expected f:-1"
[ "$(reg "SELECT state FROM tenants WHERE db_name = 'susp_co'")" = suspended ] || fail "registry state"
[ "$(reg "SELECT count(*) FROM operations WHERE db_name = 'susp_co' AND action = 'backup' AND outcome = 'ok' AND NOT detail ? 'backup_window'")" = 1 ] \
        || fail "the finished backup still carries its window note"
pg_restore -f - "$(jq -r .backup.path <<<"$OUT")" | grep -q "suspended data" || fail "the dump lacks the suspended tenant's data"

echo "# a backup killed with the window open is put right by the next action"
oid=$(pg_psql postgres "SELECT oid FROM pg_database WHERE datname = 'susp_co'")
# The window as backup_window_open() leaves it (access.h: admitted): Odoo's role may connect,
# but the holder owns the database, so Odoo neither lists it nor may change it.
pg_psql postgres "ALTER DATABASE susp_co ALLOW_CONNECTIONS true; GRANT ALL ON DATABASE susp_co TO odoo"
pg_psql vumaerp "INSERT INTO operations (db_name, action, detail) VALUES ('susp_co', 'backup',
                 '{\"backup_window\": {\"was\": \"held\", \"oid\": \"$oid\"}}')"
[ "$(odoo_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'susp_co' AND datdba = (SELECT usesysid FROM pg_user WHERE usename = current_user)")" = 0 ] \
        || fail "Odoo's role owns the database in the window"
odoo_psql postgres "ALTER DATABASE susp_co CONNECTION LIMIT 5" 2>/dev/null && fail "Odoo's role changed the database in the window"
run suspend susp_co
expect 0 '.success == true and .status == "suspended"' "suspend after the interrupted backup"
[ "$(access susp_co)" = "f:-1" ] || fail "not repaired: $(access susp_co)"
msg=$({ psql -X -At -U odoo -d susp_co -c 'SELECT 1' 2>&1 || true; } | sed -n 's/.*FATAL: *//p')
case "$msg" in *"permission denied"*|*"not currently accepting connections"*) ;; *) fail "Odoo's role after the repair got: $msg" ;; esac
[ "$(reg "SELECT outcome FROM operations WHERE db_name = 'susp_co' AND action = 'backup' ORDER BY id DESC LIMIT 1")" = interrupted ] \
        || fail "the dead operation is not closed as interrupted"
# A note about another database of the same name (a different oid) is not applied.
pg_psql vumaerp "INSERT INTO operations (db_name, action, detail) VALUES ('susp_co', 'backup',
                 '{\"backup_window\": {\"allow\": true, \"limit\": 5, \"oid\": \"1\"}}')"
run backup susp_co
expect 0 '.success == true' "backup with a stale note of another oid"
[ "$(access susp_co)" = "f:-1" ] || fail "a stale note for another database was applied: $(access susp_co)"

echo "# a password-protected server: pg_dump, as Odoo's role, gets its password through a private PGPASSFILE"
pw='p:w\\d;"'"'"' x'
odoo_pw='o:d\\o;"'"'"' y'
pg_psql postgres "CREATE ROLE vumaerp_pw LOGIN SUPERUSER PASSWORD '$(sed "s/'/''/g" <<<"$pw")'"
pg_psql postgres "ALTER ROLE odoo PASSWORD '$(sed "s/'/''/g" <<<"$odoo_pw")'"
hba="$PG_DATA/pg_hba.conf"
{ echo "host all vumaerp_pw 127.0.0.1/32 scram-sha-256"; echo "host all odoo 127.0.0.1/32 scram-sha-256"; cat "$hba"; } >"$tmp/hba" && cat "$tmp/hba" >"$hba"
pg_psql postgres "SELECT pg_reload_conf()" >/dev/null
printf '%s\n' "$pw" >"$tmp/pgpw"
printf '%s\n' "$odoo_pw" >"$tmp/odoopw"
chmod 0600 "$tmp/pgpw" "$tmp/odoopw"
sed -e "s|^  host: .*|  host: 127.0.0.1|" -e "s|^  user: .*|  user: vumaerp_pw\n  password_file: $tmp/pgpw|" \
    -e "s|^  odoo_role: .*|  odoo_role: odoo\n  odoo_password_file: $tmp/odoopw|" "$CONF" >"$tmp/pw.yaml"
cp "$tmp/conf/countries.yaml" "$tmp/countries.yaml"
mkdir -m 0700 "$tmp/private"
RC=0; OUT=$(TMPDIR="$tmp/private" "$B/vumaerp-backup" --config "$tmp/pw.yaml" acme_ltd 2>"$tmp/stderr") || RC=$?
expect 0 '.success == true' "backup as a role that needs a password"
[ -z "$(ls -A "$tmp/private")" ] || fail "the private PGPASSFILE directory was left: $(ls -A "$tmp/private")"
check_backup "$OUT" acme_ltd
grep -F -q -- "$pw" "$tmp/stderr" && fail "the password reached the log"
grep -F -q -- "$odoo_pw" "$tmp/stderr" && fail "Odoo's role's password reached the log"
printf 'wrong\n' >"$tmp/odoopw"
RC=0; OUT=$("$B/vumaerp-backup" --config "$tmp/pw.yaml" acme_ltd 2>"$tmp/stderr") || RC=$?
[ "$RC" != 0 ] || fail "a wrong password for Odoo's role still made a backup"
printf 'wrong\n' >"$tmp/pgpw"
RC=0; OUT=$("$B/vumaerp-backup" --config "$tmp/pw.yaml" acme_ltd 2>"$tmp/stderr") || RC=$?
[ "$RC" != 0 ] || fail "a wrong password still made a backup"

echo "# a backup cut off between its renames and its registry row is recorded by the next one"
pg_psql postgres "CREATE DATABASE orph_co OWNER odoo"
odoo_psql orph_co "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('orphaned')"
run backup orph_co
expect 0 '.success == true' "backup orph_co"
orphan=$(jq -r .backup.path <<<"$OUT")
pg_psql vumaerp "DELETE FROM backups WHERE path = '$orphan'"
# and one renamed but without its checksum file: never reported made
cp "$orphan" "$BACKUPS/orph_co/orph_co-20000101T000000Z.dump"
run backup orph_co
expect 0 '.success == true' "the next backup of orph_co"
[ "$(reg "SELECT kind FROM backups WHERE path = '$orphan'")" = recovered ] || fail "the orphaned backup was not recorded"
[ ! -e "$BACKUPS/orph_co/orph_co-20000101T000000Z.dump" ] || fail "an unverified orphan was kept"
[ -f "$orphan" ] || fail "the verified orphan was removed"
pg_psql postgres "DROP DATABASE orph_co"
pg_psql vumaerp "DELETE FROM backups WHERE db_name = 'orph_co'"
rm -rf "$BACKUPS/orph_co"

echo "# prune: grandfather-father-son over the registry's backups (retention.h), 7 daily, 4 weekly, 3 monthly"
run backup --prune
expect 0 '.success == true and .retention == {"daily": 7, "weekly": 4, "monthly": 3}' "prune's answer names the retention"
# What the earlier steps made is all of today: only each tenant's newest of the day stays. Pinned
# to today's first seconds, in the order they were made, so that a run across midnight agrees.
pg_psql vumaerp "UPDATE backups SET created_at = date_trunc('day', now()) + id * interval '1 second'"
# made NAME DAYS-AGO|TIMESTAMP-SQL [terminate]: a backup of NAME (a database made for it),
# recorded at that time; its path in $MADE.
made() {
        local name=$1 when=$2
        [ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = '$name'")" = 1 ] ||
                pg_psql postgres "CREATE DATABASE $name OWNER odoo"
        run backup "$name"
        expect 0 '.success == true' "backup $name"
        MADE=$(jq -r .backup.path <<<"$OUT")
        case "$when" in [0-9]*) when="now() - interval '$when days'" ;; esac
        pg_psql vumaerp "UPDATE backups SET created_at = $when WHERE path = '$MADE'"
}
terminated() { # terminated NAME DAYS-AGO [skip]: terminate NAME, recorded DAYS-AGO (its backup too)
        if [ "${3:-}" = skip ]; then run_json terminate "{\"db_name\": \"$1\", \"skip_backup\": true}"; else run terminate "$1"; fi
        expect 0 '.changed == true' "terminate $1"
        MADE=$(jq -r '.backup.path // empty' <<<"$OUT")
        pg_psql vumaerp "UPDATE tenants SET terminated_at = now() - interval '$2 days' WHERE db_name = '$1';
                         UPDATE backups SET created_at = now() - interval '$2 days' WHERE kind = 'terminate' AND db_name = '$1'"
}
gone=() kept=()
# stale_co: a live tenant whose only backups are old: the newest stays however old.
made stale_co 500; gone+=("$MADE")
made stale_co 400; kept+=("$MADE")
# month_co: two in the month before last (past the daily and weekly windows, in the monthly
# one): the newer stays; one 200 days old goes; its newest (today) stays.
made month_co "date_trunc('month', now()) - interval '2 months' + interval '1 hour'"; gone+=("$MADE")
made month_co "date_trunc('month', now()) - interval '2 months' + interval '1 day'"; kept+=("$MADE")
made month_co 200; gone+=("$MADE")
made month_co "now()"; kept+=("$MADE")
# gone_co, terminated 5 days ago: its final backup (with its filestore archive) stays; one 200
# days old goes.
pg_psql postgres "CREATE DATABASE gone_co OWNER odoo"
mkdir -p "$FS/gone_co/aa" && echo gone >"$FS/gone_co/aa/aa00"
made gone_co 200; gone+=("$MADE")
terminated gone_co 5; gone_last=$MADE; kept+=("$MADE")
[ ! -e "$FS/gone_co" ] || fail "gone_co's filestore outlived its termination"
# long_gone, terminated 100 days ago: past the span (3 months), its final backup goes too.
pg_psql postgres "CREATE DATABASE long_gone OWNER odoo"
mkdir -p "$FS/long_gone/bb" && echo long >"$FS/long_gone/bb/bb00"
terminated long_gone 100; long_last=$MADE; gone+=("$MADE")
# skip_co, terminated 5 days ago without a backup: its newest, 300 days old, stays for the span.
made skip_co 310; gone+=("$MADE")
made skip_co 300; kept+=("$MADE")
terminated skip_co 5 skip
# today's: every backup of acme_ltd and susp_co but the newest of each.
while read -r p; do gone+=("$p"); done < <(pg_psql vumaerp "SELECT path FROM backups b WHERE db_name IN ('acme_ltd', 'susp_co')
        AND id < (SELECT max(id) FROM backups n WHERE n.db_name = b.db_name)")
while read -r p; do kept+=("$p"); done < <(pg_psql vumaerp "SELECT path FROM backups b WHERE db_name IN ('acme_ltd', 'susp_co')
        AND id = (SELECT max(id) FROM backups n WHERE n.db_name = b.db_name)")
n_before=$(reg "SELECT count(*) FROM backups")
[ "$n_before" = $(( ${#gone[@]} + ${#kept[@]} )) ] || fail "the test lost count of the backups: $n_before in the registry"

run backup --prune
expect 0 ".success == true and .count == ${#gone[@]} and .kept == ${#kept[@]}" "prune"
want=$(printf '%s\n' "${gone[@]}" | jq -R . | jq -sc 'sort')
expect 0 "([.deleted[].path] | sort) == $want" "what prune deleted"
for p in "${gone[@]}"; do
        [ ! -e "$p" ] && [ ! -e "$p.sha256" ] || fail "$p (or its .sha256) is still there"
        [ ! -e "${p%.dump}.filestore.tar" ] && [ ! -e "${p%.dump}.filestore.tar.sha256" ] || fail "the archive beside $p is still there"
        [ "$(reg "SELECT count(*) FROM backups WHERE path = '$p'")" = 0 ] || fail "$p is still in the registry"
done
for p in "${kept[@]}"; do
        [ -f "$p" ] && [ -f "$p.sha256" ] || fail "$p was deleted"
        [ "$(reg "SELECT count(*) FROM backups WHERE path = '$p'")" = 1 ] || fail "$p lost its registry row"
done
[ -f "${gone_last%.dump}.filestore.tar" ] && [ -f "${gone_last%.dump}.filestore.tar.sha256" ] || fail "the kept backup lost its archive"
expect 0 "[.deleted[] | select(.path == \"$long_last\") | .filestore_path] == [\"${long_last%.dump}.filestore.tar\"]" "prune names the archive it deleted"
[ "$(reg "SELECT count(*) FROM backups")" = ${#kept[@]} ] || fail "registry count after prune"

run backup --prune
expect 0 '.count == 0' "a second prune finds nothing"

echo "# the deprecated retention_days: N, read as the last N days (and a terminated tenant's last backup for N days)"
sed 's/^  retention: .*/  retention_days: 400/' "$CONF" >"$tmp/days.yaml"
cp "$tmp/conf/countries.yaml" "$tmp/countries.yaml"
RUN_CONF=$tmp/days.yaml run backup --prune
expect 0 '.success == true and .retention == {"daily": 400, "weekly": 0, "monthly": 0} and .count == 0' "prune under retention_days"
grep -q "retention_days' is deprecated" "$tmp/stderr" || fail "no deprecation warning on stderr: $(cat "$tmp/stderr")"
sed 's/^  retention: .*/  retention_days: 7/' "$CONF" >"$tmp/days.yaml"
RUN_CONF=$tmp/days.yaml run backup --prune
expect 0 ".success == true and ([.deleted[].path] | sort) == ([\"${kept[1]}\"]) and .count == 1" \
        "under retention_days: 7, stale_co keeps its newest, month_co's last month's goes, skip_co's stays"

echo "PASS"
