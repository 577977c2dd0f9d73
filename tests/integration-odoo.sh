#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-odoo.sh: vumaerp's JSON-RPC client (tests/test-odoo with ODOO_TEST_URL) against the
# Odoo 17 stand-in serving a real Odoo database restored from the fixtures: version, logging in
# with the right and a wrong password, db.list, execute_kw, and the error Odoo gives for a
# suspended database; plus the stand-in's raw answers checked with curl, so that the stand-in
# itself is held to Odoo's shapes. Then vumaerp-status on that database: what its Odoo says
# (users, last login, installed modules) and the registry's last backup.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"

TEST_ODOO="$BUILD_DIR/tests/test-odoo"
STATUS="$BUILD_DIR/bin/vumaerp-status"
need_built "$TEST_ODOO" "$STATUS"
need_command jq
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"
odoo_need

pg_start_with_config odoo
pg_psql postgres "CREATE DATABASE kenya_co OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -U odoo -d kenya_co "$fixture"
pg_psql postgres "CREATE DATABASE gone_co OWNER odoo"
pg_psql postgres "ALTER DATABASE gone_co ALLOW_CONNECTIONS false"
pg_psql postgres "CREATE DATABASE someone_elses"
odoo_start

echo "# the stand-in's answers, raw"
out=$(odoo_rpc common version '[]')
jq -e '.jsonrpc == "2.0" and .id == 7 and .result.server_version == "17.0"
       and .result.server_version_info == [17, 0, 0, "final", 0, ""] and .result.protocol_version == 1' <<<"$out" >/dev/null ||
        fail "common.version: $out"
out=$(odoo_rpc db list '[]')
jq -e '.result == ["kenya_co"]' <<<"$out" >/dev/null || fail "db.list (only odoo's databases that accept connections): $out"
logins=$(pg_psql kenya_co "SELECT count(*) FROM res_users_log")
out=$(odoo_rpc common authenticate '["kenya_co", "admin", "adminpw", {}]')
jq -e '.result == 2' <<<"$out" >/dev/null || fail "authenticate: $out"
[ "$(pg_psql kenya_co "SELECT count(*) FROM res_users_log")" = $((logins + 1)) ] || fail "a login is not in res_users_log"
out=$(odoo_rpc common authenticate '["kenya_co", "admin", "adminPW", {}]')
jq -e '.result == false' <<<"$out" >/dev/null || fail "authenticate with a wrong password: $out"
# A hash the stand-in has never seen: the one in the database is what decides.
pg_psql kenya_co "UPDATE res_users SET password = (SELECT password FROM res_users WHERE id = 1) WHERE id = 2"
out=$(odoo_rpc common authenticate '["kenya_co", "admin", "adminpw", {}]')
jq -e '.result == false' <<<"$out" >/dev/null || fail "authenticate against another hash: $out"
"$(odoo_python)" -c 'import sys; from passlib.hash import pbkdf2_sha512; print(pbkdf2_sha512.using(rounds=600000).hash(sys.argv[1]))' adminpw >"$tmp/hash"
pg_psql kenya_co "UPDATE res_users SET password = '$(cat "$tmp/hash")' WHERE id = 2"
out=$(odoo_rpc common authenticate '["kenya_co", "admin", "adminpw", {}]')
jq -e '.result == 2' <<<"$out" >/dev/null || fail "authenticate against a fresh hash: $out"
out=$(odoo_rpc common authenticate '["gone_co", "admin", "adminpw", {}]')
jq -e '.result == null and .error.code == 200 and .error.message == "Odoo Server Error"
       and .error.data.name == "psycopg2.OperationalError"
       and (.error.data.message | contains("database \"gone_co\" is not currently accepting connections"))
       and (.error.data.debug | startswith("Traceback"))' <<<"$out" >/dev/null || fail "a suspended database: $out"
out=$(odoo_rpc object execute_kw '["kenya_co", 2, "wrong", "ir.module.module", "search", [[]]]')
jq -e '.error.data.name == "odoo.exceptions.AccessDenied" and .error.data.message == "Access Denied"' <<<"$out" >/dev/null ||
        fail "execute_kw with a wrong password: $out"

echo "# the client"
ODOO_TEST_URL="$ODOO_URL" ODOO_TEST_DB=kenya_co ODOO_TEST_SUSPENDED=gone_co "$TEST_ODOO"

echo "# status: what the tenant's Odoo says"
status() { OUT=$("$STATUS" --config "$CONF" "$1"); }
want_users=$(pg_psql kenya_co "SELECT count(*) FROM res_users WHERE active AND NOT share")
want_login=$(pg_psql kenya_co "SELECT to_char(max(create_date), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM res_users_log")
status kenya_co
jq -e ".success == true and .users == $want_users and .users >= 1 and .installed_modules == 62
       and .last_login == \"$want_login\" and .last_backup == null" <<<"$OUT" >/dev/null ||
        fail "status of kenya_co (users $want_users, last login $want_login): $OUT"
# The numbers are read, not assumed: another internal user, a portal user, a login, a module.
pg_psql kenya_co "INSERT INTO res_partner (name, active, create_date, write_date) VALUES ('Clerk', true, now(), now()), ('Portal', true, now(), now())"
pg_psql kenya_co "INSERT INTO res_users (login, partner_id, company_id, active, share, notification_type, create_date, write_date)
                  SELECT 'clerk', id, 1, true, false, 'email', now(), now() FROM res_partner WHERE name = 'Clerk'"
pg_psql kenya_co "INSERT INTO res_users (login, partner_id, company_id, active, share, notification_type, create_date, write_date)
                  SELECT 'portal', id, 1, true, true, 'email', now(), now() FROM res_partner WHERE name = 'Portal'"
pg_psql kenya_co "UPDATE ir_module_module SET state = 'installed' WHERE name = (SELECT min(name) FROM ir_module_module WHERE state = 'uninstalled')"
pg_psql kenya_co "INSERT INTO res_users_log (create_uid, create_date, write_uid, write_date) VALUES (2, '2031-02-03 04:05:06', 2, '2031-02-03 04:05:06')"
pg_psql vumaerp "INSERT INTO backups (db_name, path, size_bytes, created_at) VALUES
                 ('kenya_co', '/b/kenya_co-1.dump', 100, '2030-01-01 00:00:00+00'),
                 ('kenya_co', '/b/kenya_co-2.dump', 200, '2030-06-01 12:00:00+00'),
                 ('other_co', '/b/other_co-9.dump', 900, '2031-01-01 00:00:00+00')"
status kenya_co
jq -e ".users == $((want_users + 1)) and .installed_modules == 63 and .last_login == \"2031-02-03T04:05:06Z\"
       and .last_backup == {path: \"/b/kenya_co-2.dump\", created_at: \"2030-06-01T12:00:00Z\", size_bytes: 200}" <<<"$OUT" >/dev/null ||
        fail "status of kenya_co after the changes: $OUT"

echo "# status: a database without Odoo, a suspended one"
pg_psql postgres "CREATE DATABASE plain_co OWNER odoo"
status plain_co
jq -e '.success == true and .users == null and .last_login == null and .installed_modules == null' <<<"$OUT" >/dev/null ||
        fail "status of a database without Odoo: $OUT"
pg_psql postgres "ALTER DATABASE kenya_co ALLOW_CONNECTIONS false"
status kenya_co
jq -e '.success == true and .state == "suspended" and .users == null and .installed_modules == null
       and .last_backup.path == "/b/kenya_co-2.dump"' <<<"$OUT" >/dev/null || fail "status of a suspended tenant: $OUT"
echo "PASS"
