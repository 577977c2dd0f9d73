#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-offsite.sh: offsite copies against a real S3 server on loopback that checks every
# request's SigV4 signature (@20minutes/s3rver, tools/install-deps' npm test profile; s3rver
# itself does not check V4 signatures): a backup uploaded and checked (its dump in one PUT, its
# filestore tar, larger than a part, as a multipart upload), list, a wrong secret refused with the
# local backup kept, a server killed mid-upload (the local backup kept, a later push uploads it),
# retention on both sides, a tampered object refused, and a restore from the offsite copy onto a
# fresh database of another "host" (another control database, backups and data dir) with the
# real erp_ke fixture.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{backup,offsite,restore,status}
need_command jq
need_command node "Node.js runs the S3 server"
NPM_DIR=${VUMAERP_NPM_DIR:-/usr/local/lib/vumaerp-npm}
[ -f "$NPM_DIR/node_modules/@20minutes/s3rver/package.json" ] ||
        skip "@20minutes/s3rver is not installed in $NPM_DIR (tools/install-deps test installs it)"
need_fixture "$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump" "$FIXTURES_DIR/odoo17/erp/erp_ke.filestore.tar"

pg_start_with_config offsite
BACKUPS="$tmp/conf/backups"
S3_DATA="$tmp/s3"
S3_PORT=$(free_port)
S3_PID=

s3_start() { # s3_start [DIE_AFTER_BYTES]
        node "$SOURCE_DIR/tests/lib/s3-server.js" "$S3_DATA" "$S3_PORT" AKIATESTKEY "right/secret+key" ${1:-} \
                >"$tmp/s3.log" 2>&1 &
        S3_PID=$!
        for _ in $(seq 100); do
                grep -q listening "$tmp/s3.log" && return 0
                kill -0 "$S3_PID" 2>/dev/null || break
                sleep 0.1
        done
        cat "$tmp/s3.log" >&2
        fail "the S3 server did not start"
}
s3_stop() { [ -z "$S3_PID" ] || { kill "$S3_PID" 2>/dev/null || true; wait "$S3_PID" 2>/dev/null || true; S3_PID=; }; }
pg_on_exit s3_stop

# The offsite section: 5 MiB parts (the least S3 allows), one retry (a dead server fails fast).
add_offsite() { # add_offsite CONF CREDENTIALS-FILE PREFIX
        cat >>"$1" <<YAML
offsite:
  endpoint: http://127.0.0.1:$S3_PORT
  region: us-east-1
  bucket: vumaerp
  prefix: $3
  credentials_file: $2
  part_size_mib: 5
  retries: 1
YAML
}
echo "# no offsite: section: push fails (78), push --if-configured (the hourly timer) succeeds doing nothing"
run offsite push
expect 78 '.code == "offsite_not_configured"' "push without an offsite: section"
run offsite push --if-configured
expect 0 '.success == true and .offsite == "not_configured" and (.note | test("no offsite: section"))' "push --if-configured without one"
run offsite list --if-configured
expect 78 '.code == "offsite_not_configured"' "list --if-configured without an offsite: section"

printf 'aws_access_key_id = AKIATESTKEY\naws_secret_access_key = right/secret+key\n' >"$tmp/conf/s3-good"
printf '[default]\naws_access_key_id = AKIATESTKEY\naws_secret_access_key = wrong-secret\n' >"$tmp/conf/s3-wrong"
chmod 0600 "$tmp/conf/s3-good" "$tmp/conf/s3-wrong"
add_offsite "$CONF" "$tmp/conf/s3-good" host-a/
sed "s|$tmp/conf/s3-good|$tmp/conf/s3-wrong|" "$CONF" >"$tmp/conf/wrong.yaml"
reg() { pg_psql vumaerp "$1" | tr -d '\n'; }
s3_object() { find "$S3_DATA/vumaerp" -path "*$1/*object" -o -path "*$1._S3rver_object" | head -1; }

restore_fixture acme_ltd ke "$tmp/conf/filestore"
s3_start

echo "# a backup goes offsite: the dump in one PUT, the filestore tar in parts, both checked"
run backup acme_ltd
expect 0 '.success == true and (.backup.offsite.key | test("^host-a/acme_ltd/acme_ltd-.*[.]dump$"))
          and (.backup.offsite.filestore_key | test("[.]filestore[.]tar$"))' "backup acme_ltd"
dump=$(jq -r .backup.path <<<"$OUT"); key=$(jq -r .backup.offsite.key <<<"$OUT")
tar=$(jq -r .backup.filestore.path <<<"$OUT")
[ "$(stat -c %s "$tar")" -gt $((5 * 1024 * 1024)) ] || fail "the filestore tar is not larger than a part: no multipart upload tested"
[ "$(reg "SELECT count(*) FROM offsite_objects o JOIN backups b ON b.id = o.backup_id WHERE b.path = '$dump'")" = 2 ] ||
        fail "the registry does not record both objects"
run offsite list
expect 0 ".count == 2 and ([.objects[].key] | index(\"$key\") != null)" "list"
size=$(jq -r ".objects[] | select(.key == \"$key\") | .size_bytes" <<<"$OUT")
[ "$size" = "$(stat -c %s "$dump")" ] || fail "the listed size of $key is $size"
run offsite push
expect 0 '.uploaded == [] and .deleted == []' "push with nothing to do"
run offsite push --if-configured
expect 0 '.uploaded == [] and .deleted == [] and .note == null' "push --if-configured with an offsite: section pushes"

echo "# a backup run by vumaerp-api (a request id in its environment) leaves the upload to the next push"
VUMAERP_REQUEST_ID=req-offsite-1 run backup acme_ltd
expect 0 '.success == true and .backup.offsite.pending == true and .backup.offsite.deferred == true
          and .backup.offsite.error == null' "a backup during an API request"
api_dump=$(jq -r .backup.path <<<"$OUT")
[ "$(reg "SELECT count(*) FROM offsite_objects o JOIN backups b ON b.id = o.backup_id WHERE b.path = '$api_dump'")" = 0 ] ||
        fail "a backup during an API request was uploaded"
run offsite push
expect 0 "(.uploaded | length) == 1 and .uploaded[0].path == \"$api_dump\"" "the next push uploads it"
[ "$(reg "SELECT count(*) FROM offsite_objects o JOIN backups b ON b.id = o.backup_id WHERE b.path = '$api_dump'")" = 2 ] ||
        fail "the push did not record both objects of the deferred backup"

echo "# a wrong secret: refused by the server's signature check; the local backup is kept"
RUN_CONF=$tmp/conf/wrong.yaml run offsite list
expect 78 '.code == "offsite_refused" and (.error | test("SignatureDoesNotMatch"))' "list with a wrong secret"
RUN_CONF=$tmp/conf/wrong.yaml run backup acme_ltd
expect 0 '.success == true and .backup.offsite.pending == true and (.backup.offsite.error | test("SignatureDoesNotMatch"))' \
        "a backup with a wrong secret"
wrong=$(jq -r .backup.path <<<"$OUT")
[ -f "$wrong" ] && [ -f "$wrong.sha256" ] || fail "the local backup was not kept"
RUN_CONF=$tmp/conf/wrong.yaml run offsite push
expect 78 '.code == "offsite_refused"' "push with a wrong secret"
[ -f "$wrong" ] || fail "a refused push removed the local backup"
run offsite push
expect 0 "(.uploaded | length) == 1 and .uploaded[0].path == \"$wrong\"" "push with the right secret uploads it"

echo "# a server killed mid-upload: the local backup is kept, a later push uploads it"
s3_stop
s3_start $((2 * 1024 * 1024))
run backup acme_ltd
expect 0 '.success == true and .backup.offsite.pending == true' "a backup while the server dies"
cut=$(jq -r .backup.path <<<"$OUT")
kill -0 "$S3_PID" 2>/dev/null && fail "the server did not die mid-upload"
[ -f "$cut" ] && [ -f "$(jq -r .backup.filestore.path <<<"$OUT")" ] || fail "the local backup was not kept"
run offsite push
expect 69 ".code == \"offsite_incomplete\" and .failed[0].path == \"$cut\"" "push while the server is down"
s3_stop
s3_start
run offsite push
expect 0 "(.uploaded | length) == 1 and .uploaded[0].path == \"$cut\"" "push once the server is back"
run offsite list --db-name acme_ltd
expect 0 '.count == 8' "four backups, eight objects"

echo "# retention on both sides (400 days old: out of every window of the 7/4/3 retention)"
pg_psql vumaerp "UPDATE backups SET created_at = now() - interval '400 days' WHERE path <> '$cut'"
run_json backup '{"prune": true}'
expect 0 '.count == 3 and (.offsite.deleted | length) == 6 and .offsite.not_deleted == []' "prune"
[ ! -e "$dump" ] && [ ! -e "$wrong" ] && [ ! -e "$api_dump" ] && [ -f "$cut" ] || fail "the local retention"
run offsite list
expect 0 ".count == 2 and all(.objects[]; .key | startswith(\"host-a/acme_ltd/$(basename "${cut%.dump}")\"))" \
        "only the kept backup's objects are left"
[ "$(reg "SELECT count(*) FROM offsite_objects")" = 2 ] || fail "the deleted objects are still recorded"
key=$(jq -r '.objects[] | select(.key | endswith(".dump")) | .key' <<<"$OUT")

echo "# restore from the offsite copy onto another host (its own registry, backups and files)"
mkdir -p "$tmp/b"
write_test_config "$tmp/b"
sed -i 's/control_db: vumaerp/control_db: vumaerp_b/' "$tmp/b/vumaerp.yaml"
add_offsite "$tmp/b/vumaerp.yaml" "$tmp/conf/s3-good" host-b/
RUN_CONF=$tmp/b/vumaerp.yaml run restore --remote-key "$key" --as acme_moved
expect 0 '.success == true and .db_name == "acme_moved" and .status == "active" and .backup.filestore != null' "restore from offsite"
[ "$(pg_psql acme_moved "SELECT name FROM res_company ORDER BY id LIMIT 1")" = "$(pg_psql acme_ltd "SELECT name FROM res_company ORDER BY id LIMIT 1")" ] ||
        fail "the restored company"
[ "$(pg_psql acme_moved "SELECT count(*) FROM res_users")" = "$(pg_psql acme_ltd "SELECT count(*) FROM res_users")" ] ||
        fail "the restored users"
src_files=$(cd "$tmp/conf/filestore/filestore/acme_ltd" && find . -type f | sort | md5sum)
dst_files=$(cd "$tmp/b/filestore/filestore/acme_moved" && find . -type f | sort | md5sum)
[ "$src_files" = "$dst_files" ] || fail "the restored filestore"
[ -z "$(ls -A "$tmp/b/backups")" ] || fail "the download was left in $tmp/b/backups: $(ls -A "$tmp/b/backups")"

echo "# a tampered object, or one that is not a backup's, is refused"
obj=$(find "$S3_DATA" -type f -name '*object' | grep "${key##*/}" | grep -v filestore | head -1)
[ -n "$obj" ] || fail "cannot find the object of $key in $S3_DATA"
printf 'x' | dd of="$obj" bs=1 seek=100 conv=notrunc status=none
RUN_CONF=$tmp/b/vumaerp.yaml run restore --remote-key "$key" --as acme_tampered
expect 65 '.code == "checksum_mismatch"' "a tampered dump"
[ -z "$(pg_psql postgres "SELECT 1 FROM pg_database WHERE datname = 'acme_tampered'")" ] || fail "a tampered dump was restored"
[ -z "$(ls -A "$tmp/b/backups")" ] || fail "a refused download was left behind"
RUN_CONF=$tmp/b/vumaerp.yaml run restore --remote-key "host-a/none/none-1.dump"
expect 66 '.code == "no_such_backup"' "no such object"
RUN_CONF=$tmp/b/vumaerp.yaml run restore --remote-key "../etc/passwd.dump"
expect 65 '.code == "invalid_backup"' "a key that is not one"
run restore "$cut" --remote-key "$key"
expect 64 '.code == "bad_request"' "both a file and a key"

echo "# prune sweeps the download directories cut-off restores left, and nothing else"
mkdir "$BACKUPS/.offsite-cutoff" "$BACKUPS/.offsite-inuse" "$BACKUPS/.offsite-young" "$tmp/elsewhere"
echo dump >"$BACKUPS/.offsite-cutoff/acme_ltd-1.dump"
echo dump >"$BACKUPS/.offsite-inuse/acme_ltd-2.dump"
echo kept >"$tmp/elsewhere/file"
ln -s "$tmp/elsewhere" "$BACKUPS/.offsite-link"
touch -d '-2 hours' "$BACKUPS/.offsite-cutoff" "$BACKUPS/.offsite-inuse"
# Held as a restore holds its download: flock() on the directory, here by this shell.
exec {held}<"$BACKUPS/.offsite-inuse"
flock -x "$held"
run backup --prune
expect 0 '.success == true' "prune with leftover downloads"
exec {held}<&-
[ ! -e "$BACKUPS/.offsite-cutoff" ] || fail "prune left the cut-off download directory"
grep -q "removed $BACKUPS/.offsite-cutoff, the download directory of a restore from offsite that was cut off" "$tmp/stderr" ||
        fail "the sweep was not logged: $(cat "$tmp/stderr")"
[ -f "$BACKUPS/.offsite-inuse/acme_ltd-2.dump" ] || fail "prune removed a download directory a restore holds"
[ -d "$BACKUPS/.offsite-young" ] || fail "prune removed a download directory made less than a minute ago"
[ -L "$BACKUPS/.offsite-link" ] && [ -f "$tmp/elsewhere/file" ] || fail "prune followed or removed a link named like a download directory"
run backup --prune
expect 0 '.success == true' "prune once the restore let go"
[ ! -e "$BACKUPS/.offsite-inuse" ] || fail "prune left a download directory nobody holds any more"

echo "integration-offsite: all checks passed"
