#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e-lifecycle: a tenant's whole life through the real API, as WHMCS drives it — provision from
# the real Kenya template (sealed by vumaerp-template, as an admin would), status, a retried
# provision, suspend, unsuspend, password, backup, terminate — with curl against vumaerp-api under
# systemd-socket-activate; and a client that hangs up mid-request.
source "$(dirname "$0")/lib/check.sh"
source "$(dirname "$0")/lib/pg.sh"
source "$(dirname "$0")/lib/api.sh"
need_command jq

pg_start
T=$PG_TMP/e2e
write_test_config "$T"
CONF=$T/vumaerp.yaml
TOKEN=$(cat "$T/api-token")
restore_fixture erp_ke ke "$T/filestore"
"$BUILD_DIR/bin/vumaerp-template" --config "$CONF" seal ke >/dev/null
api_start "$CONF" inetd

keep_going
check() { jq -e "$1" >/dev/null <<<"$BODY" || fail "$2: $1 does not hold (HTTP $STATUS): $BODY"; }
post() { # post PATH JSON
        BODY=$(curl -s -o - -w '\n%{http_code}' --max-time 120 -X POST "$API_URL$1" \
                -H "X-API-Token: $TOKEN" -H 'Content-Type: application/json' -d "$2")
        STATUS=${BODY##*$'\n'}
        BODY=${BODY%$'\n'*}
}
get() {
        BODY=$(curl -s -o - -w '\n%{http_code}' --max-time 60 "$API_URL$1" -H "X-API-Token: $TOKEN")
        STATUS=${BODY##*$'\n'}
        BODY=${BODY%$'\n'*}
}
verify_password() { # verify_password DB PASSWORD: passlib (Debian's python3-passlib) checks Odoo's hash
        local hash
        hash=$(pg_psql "$1" "SELECT password FROM res_users WHERE id = 2")
        /usr/bin/python3 -c 'import sys; from passlib.hash import pbkdf2_sha512 as h; sys.exit(0 if h.verify(sys.argv[1], sys.argv[2]) else 1)' "$2" "$hash"
}

echo "== provision (the seed's example, with a WHMCS service id)"
post /api/v1/provision '{"db_name":"test_company","country":"ke","admin_email":"test@example.com","company_name":"Test Company","whmcs_service_id":101}'
[ "$STATUS" = 200 ] || fail "provision: HTTP $STATUS $BODY"
check '.success and .db_name == "test_company" and .url == "https://test-company.vumacloud.test"
       and .admin_email == "test@example.com" and .country == "Kenya" and (.admin_password | length) >= 16
       and .existed == false' "provision answer"
PW=$(jq -r .admin_password <<<"$BODY")
verify_password test_company "$PW" || fail "the generated password does not open Odoo's admin"
[ "$(pg_psql test_company "SELECT name FROM res_company WHERE id = 1")" = "Test Company" ] || fail "company name"

post /api/v1/provision '{"db_name":"test_company","country":"ke","admin_email":"test@example.com","company_name":"Test Company","whmcs_service_id":101}'
[ "$STATUS" = 200 ] || fail "retried provision: HTTP $STATUS"
check '.existed == true and (has("admin_password") | not)' "a WHMCS retry is a success that does not invent a password"
post /api/v1/provision '{"db_name":"test_company","country":"ke","admin_email":"x@example.com","company_name":"Other","whmcs_service_id":102}'
[ "$STATUS" = 409 ] || fail "another service taking the name: HTTP $STATUS"
check '.code == "db_exists"' "409 code"
post /api/v1/provision '{"db_name":"other_co","country":"zz","admin_email":"x@example.com","company_name":"Other"}'
[ "$STATUS" = 400 ] || fail "unknown country: HTTP $STATUS"

get "/api/v1/status?db_name=test_company"
[ "$STATUS" = 200 ] || fail "status: HTTP $STATUS"
check '.state == "active" and .country == "ke" and .company_name == "Test Company" and .whmcs_service_id == 101
       and .users >= 1 and .installed_modules == 62' "status of the new tenant"

echo "== suspend, unsuspend"
post /api/v1/suspend '{"db_name":"test_company","reason":"invoice #42 overdue"}'
[ "$STATUS" = 200 ] || fail "suspend: HTTP $STATUS $BODY"
check '.status == "suspended"' "suspend answer"
err=$(psql -X -U odoo -d test_company -c 'SELECT 1' 2>&1 || true)
grep -q 'database "test_company" is not currently accepting connections' <<<"$err" || fail "Odoo's role still connects: $err"
get "/api/v1/status?db_name=test_company"
check '.state == "suspended"' "status while suspended"
post /api/v1/password '{"db_name":"test_company","admin_password":"n3w-Passw0rd!"}'
[ "$STATUS" = 409 ] || fail "password on a suspended tenant: HTTP $STATUS"
post /api/v1/unsuspend '{"db_name":"test_company"}'
[ "$STATUS" = 200 ] || fail "unsuspend: HTTP $STATUS"
check '.status == "active"' "unsuspend answer"
# The seed README's examples send their JSON bodies without a Content-Type, which curl labels a
# form: taken as JSON, as the original API took them.
for action in suspend unsuspend; do
        BODY=$(curl -s -w '\n%{http_code}' -X POST "$API_URL/api/v1/$action" -H "X-API-Token: $TOKEN" -d '{
    "db_name": "test_company"
}')
        STATUS=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
        [ "$STATUS" = 200 ] || fail "the seed README's $action example: HTTP $STATUS $BODY"
done
check '.status == "active"' "the seed's unsuspend answer"

echo "== password (as WHMCS's ChangePassword sends it: a form)"
BODY=$(curl -s -w '\n%{http_code}' -X POST "$API_URL/api/v1/password" -H "X-API-Token: $TOKEN" \
        --data-urlencode db_name=test_company --data-urlencode 'admin_password=n3w-Passw0rd!&=+')
STATUS=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
[ "$STATUS" = 200 ] || fail "password: HTTP $STATUS $BODY"
verify_password test_company 'n3w-Passw0rd!&=+' || fail "the new password does not verify"
if verify_password test_company "$PW"; then fail "the old password still verifies"; fi

echo "== backup, terminate"
# Pruning is an admin's command: the API refuses it, and nothing is pruned.
post /api/v1/backup '{"prune":true}'
[ "$STATUS" = 400 ] && check '.code == "bad_request" and (.error | test("prune"))' "prune through the API" ||
        fail "prune through the API: HTTP $STATUS $BODY"
# So is backing up every tenant (hours of work, the nightly timer's): refused, nothing backed up.
n_backups=$(pg_psql vumaerp "SELECT count(*) FROM backups")
post /api/v1/backup '{"all":true}'
[ "$STATUS" = 400 ] && check '.code == "bad_request" and (.error | test("\"all\""))' "--all through the API" ||
        fail "--all through the API: HTTP $STATUS $BODY"
[ "$(pg_psql vumaerp "SELECT count(*) FROM backups")" = "$n_backups" ] || fail "a refused --all made backups"
post /api/v1/backup '{"db_name":"test_company"}'
[ "$STATUS" = 200 ] || fail "backup: HTTP $STATUS $BODY"
file=$(jq -r .backup.path <<<"$BODY")
[ -s "$file" ] && pg_restore --list "$file" >/dev/null || fail "the backup $file is not a valid dump"
post /api/v1/terminate '{"db_name":"test_company","skip_backup":false}'
[ "$STATUS" = 200 ] || fail "terminate: HTTP $STATUS $BODY"
check '.status == "terminated" and (.backup.sha256 | length) == 64' "terminate answer"
tfile=$(jq -r .backup.path <<<"$BODY")
[ "$(sha256sum "$tfile" | cut -d' ' -f1)" = "$(jq -r .backup.sha256 <<<"$BODY")" ] || fail "terminate's backup checksum"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'test_company'")" = 0 ] || fail "the database survived terminate"
get "/api/v1/status?db_name=test_company"
[ "$STATUS" = 404 ] || fail "status after terminate: HTTP $STATUS"

echo "== a client that hangs up mid-request: the action still finishes, and the journal says so"
req='{"db_name":"hangup_co","country":"ke","admin_email":"h@example.com","company_name":"Hang Up","whmcs_service_id":7}'
# bash's /dev/tcp: send the whole request, then close at once, long before the answer.
exec 9<>"/dev/tcp/127.0.0.1/$API_PORT"
printf 'POST /api/v1/provision HTTP/1.1\r\nHost: x\r\nX-API-Token: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
        "$TOKEN" "${#req}" "$req" >&9
exec 9>&-
for _ in $(seq 1 120); do
        grep -q 'provision 200.*client was gone before the answer was delivered' "$API_LOG" && break
        sleep 0.25
done
grep -q 'provision 200.*client was gone before the answer was delivered' "$API_LOG" || fail "the journal does not say the client was gone"
get "/api/v1/status?db_name=hangup_co"
check '.state == "active" and .company_name == "Hang Up"' "the provision a client abandoned finished"

if grep -qF "$TOKEN" "$API_LOG" || grep -qF "$PW" "$API_LOG" || grep -qF 'n3w-Passw0rd' "$API_LOG"; then
        fail "a token or password reached the log"
fi
[ "$failures" -eq 0 ] || { tail -30 "$API_LOG" >&2; exit 1; }
echo "the whole lifecycle works through the API"
