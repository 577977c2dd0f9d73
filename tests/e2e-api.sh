#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e-api: the real vumaerp-api, served by systemd-socket-activate in both of systemd's ways
# (LISTEN_FDS and the socket on stdin/stdout), over a real PostgreSQL, driven with curl: every
# endpoint so far, and every error case — each checked to change nothing.
source "$(dirname "$0")/lib/check.sh"
source "$(dirname "$0")/lib/pg.sh"
source "$(dirname "$0")/lib/api.sh"

need_command curl
need_command jq

pg_start
T=$PG_TMP/e2e
CONF=$T/conf/vumaerp.yaml

keep_going
check_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }

# call METHOD PATH [curl args...]: sets STATUS and BODY (and HEADERS).
call() {
        local method=$1 path=$2; shift 2
        local out
        out=$(curl -s -X "$method" -D "$T/headers" -o "$T/body" -w '%{http_code}' --max-time 30 "$@" "$API_URL$path") || true
        STATUS=$out
        BODY=$(cat "$T/body" 2>/dev/null || true)
        HEADERS=$(tr -d '\r' <"$T/headers" 2>/dev/null || true)
}
code() { jq -r '.code // empty' <<<"$BODY"; }
databases() { pg_psql postgres "SELECT datname, datallowconn, datdba::regrole FROM pg_database ORDER BY 1"; }

run_suite() {
        local mode=$1
        echo "== vumaerp-api, connection passed as: $mode"

        call GET /health
        check_eq "$STATUS" 200 "$mode /health status"
        check_eq "$BODY" '{"status":"ok","service":"vumaerp-provision"}' "$mode /health body"
        grep -qi '^connection: close$' <<<"$HEADERS" || fail "$mode /health: no Connection: close"
        grep -qi '^content-type: application/json' <<<"$HEADERS" || fail "$mode /health: not JSON"

        # Authentication: missing and wrong tokens get the same answer.
        call GET /api/v1/list
        check_eq "$STATUS" 401 "$mode list without token"
        local missing=$BODY
        call GET /api/v1/list -H "X-API-Token: wrong-token-of-decent-length"
        check_eq "$STATUS" 401 "$mode list with wrong token"
        check_eq "$BODY" "$missing" "$mode 401 bodies differ between missing and wrong token"
        call GET /api/v1/list -H "X-API-Token: ${TOKEN:0:20}"
        check_eq "$STATUS" 401 "$mode token prefix"
        call GET /api/v1/list -H "X-API-Token: ${TOKEN}x"
        check_eq "$STATUS" 401 "$mode token with a suffix"

        call GET /api/v1/list "${auth[@]}"
        check_eq "$STATUS" 200 "$mode list"
        check_eq "$(jq -r .success <<<"$BODY")" true "$mode list success"

        # The original's api_token form field, and the same in a JSON body.
        call POST /api/v1/list --data-urlencode "api_token=$TOKEN"
        check_eq "$STATUS" 200 "$mode list with api_token form field"
        call POST /api/v1/list -H 'Content-Type: application/json' -d "{\"api_token\":\"$TOKEN\"}"
        check_eq "$STATUS" 200 "$mode list with api_token JSON field"
        call GET "/api/v1/list?api_token=$TOKEN"
        check_eq "$STATUS" 401 "$mode token in the query string is not accepted (it would land in proxy logs)"

        # Status: GET with a query string (decoded), POST with JSON and with a form.
        call GET "/api/v1/status?db_name=acme_ltd" "${auth[@]}"
        check_eq "$STATUS" 200 "$mode status acme_ltd"
        check_eq "$(jq -r .db_name <<<"$BODY")" acme_ltd "$mode status db_name"
        check_eq "$(jq -r .state <<<"$BODY")" active "$mode status state"
        call GET "/api/v1/status?db_name=acme%5Fltd" "${auth[@]}"
        check_eq "$(jq -r .db_name <<<"$BODY")" acme_ltd "$mode status with a percent-encoded name"
        call POST /api/v1/status "${auth[@]}" -H 'Content-Type: application/json' -d '{"db_name":"acme_ltd"}'
        check_eq "$STATUS" 200 "$mode status by JSON POST"
        call POST /api/v1/status "${auth[@]}" -d 'db_name=acme_ltd'
        check_eq "$STATUS" 200 "$mode status by form POST"
        call GET "/api/v1/status?db_name=sleepy_co" "${auth[@]}"
        check_eq "$(jq -r .state <<<"$BODY")" suspended "$mode status of a suspended tenant"
        # A WHMCS service's call on a tenant made at the shell (no owner recorded): 409 until
        # claimed, with nothing changed; the service id from a query string and a form.
        call GET "/api/v1/status?db_name=acme_ltd&whmcs_service_id=7" "${auth[@]}"
        check_eq "$STATUS" 409 "$mode status of an unclaimed tenant by a service"
        check_eq "$(code)" unclaimed "$mode unclaimed code"
        call POST /api/v1/suspend "${auth[@]}" -d 'db_name=acme_ltd' -d 'whmcs_service_id=7'
        check_eq "$STATUS" 409 "$mode suspend of an unclaimed tenant by a service"
        call GET "/api/v1/status?db_name=acme_ltd" "${auth[@]}"
        check_eq "$(jq -r .state <<<"$BODY"):$(jq -r .whmcs_service_id <<<"$BODY")" active:null "$mode the refused calls changed nothing"
        call GET /api/v1/list "${auth[@]}"
        check_eq "$(jq -r '[.tenants[].db_name] | join(",")' <<<"$BODY")" acme_ltd,sleepy_co "$mode list names"

        call GET "/api/v1/status?db_name=nobody_here" "${auth[@]}"
        check_eq "$STATUS" 404 "$mode status of a missing tenant"
        check_eq "$(code)" no_such_tenant "$mode missing tenant code"
        call GET "/api/v1/status?db_name=not_odoos" "${auth[@]}"
        check_eq "$STATUS" 404 "$mode a database Odoo does not own is not a tenant"
        call GET "/api/v1/status?db_name=postgres" "${auth[@]}"
        check_eq "$STATUS" 400 "$mode reserved name"
        call GET /api/v1/status "${auth[@]}"
        check_eq "$STATUS" 400 "$mode status without db_name"

        local before after
        before=$(databases)
        for name in "Robert%22%3B%20DROP%20DATABASE%20acme_ltd%3B--" "acme_ltd%27" "..%2Facme" "a" \
                "%C3%A9cole" "$(printf 'a%.0s' $(seq 64))" "ACME"; do
                call GET "/api/v1/status?db_name=$name" "${auth[@]}"
                check_eq "$STATUS" 400 "$mode invalid name $name"
                check_eq "$(code)" invalid_db_name "$mode invalid name code for $name"
        done
        call POST /api/v1/status "${auth[@]}" -H 'Content-Type: application/json' -d '{"db_name":["acme_ltd"]}'
        check_eq "$STATUS" 400 "$mode nested JSON value"
        call POST /api/v1/status "${auth[@]}" -H 'Content-Type: application/json' -d '{"db_name":"acme_ltd","db_name":"x"}'
        check_eq "$STATUS" 400 "$mode duplicate JSON key"
        call POST /api/v1/status "${auth[@]}" -H 'Content-Type: application/json' -d '{"db_name":'
        check_eq "$STATUS" 400 "$mode truncated JSON"
        call POST /api/v1/status "${auth[@]}" -H 'Content-Type: text/plain' -d 'db_name=acme_ltd'
        check_eq "$STATUS" 415 "$mode unsupported media type"
        call GET "/api/v1/status?db_name=acme%00ltd" "${auth[@]}"
        check_eq "$STATUS" 400 "$mode NUL in the query"
        call GET "/api/v1/status?db_name=%ZZ" "${auth[@]}"
        check_eq "$STATUS" 400 "$mode bad percent escape"

        # Routing.
        call GET /api/v1/nothing "${auth[@]}"
        check_eq "$STATUS" 404 "$mode unknown path"
        call GET / 
        check_eq "$STATUS" 404 "$mode root path"
        call DELETE /api/v1/list "${auth[@]}"
        check_eq "$STATUS" 405 "$mode DELETE list"
        grep -qi '^allow: GET, POST$' <<<"$HEADERS" || fail "$mode 405 without Allow"
        call POST /health
        check_eq "$STATUS" 405 "$mode POST /health"

        # Sizes: a 1 MiB + 1 body, a head over 16 KiB.
        head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$T/big"
        call POST /api/v1/status "${auth[@]}" --data-binary @"$T/big"
        check_eq "$STATUS" 413 "$mode body over 1 MiB"
        call GET /api/v1/status "${auth[@]}" -H "X-Filler: $(head -c 17000 /dev/zero | tr '\0' 'b')"
        check_eq "$STATUS" 413 "$mode head over 16 KiB"

        # Chunked bodies are refused (WHMCS and curl send Content-Length).
        call POST /api/v1/status "${auth[@]}" -H 'Transfer-Encoding: chunked' -d 'db_name=acme_ltd'
        check_eq "$STATUS" 501 "$mode chunked body"

        # What curl will not send.
        local raw
        raw=$(printf 'GARBAGE\r\n\r\n' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT")
        check_eq "$(head -1 <<<"$raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request" "$mode malformed request line"
        raw=$(printf 'POST /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT")
        check_eq "$(head -1 <<<"$raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request" "$mode duplicate Content-Length"
        raw=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: 1\0\r\n\r\n' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT")
        check_eq "$(head -1 <<<"$raw" | tr -d '\r')" "HTTP/1.1 400 Bad Request" "$mode NUL in a header"
        raw=$(printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT")
        check_eq "$(grep -c '^HTTP/1.1' <<<"$raw")" 1 "$mode pipelined requests get exactly one answer"
        raw=$(printf 'GET /health HTTP/2.0\r\nHost: x\r\n\r\n' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT")
        check_eq "$(head -1 <<<"$raw" | tr -d '\r')" "HTTP/1.1 505 HTTP Version Not Supported" "$mode HTTP/2.0 request line"
        # Too slow: half a request, then silence past the receive timeout (2 s here).
        local t0 t1
        t0=$(date +%s)
        raw=$(printf 'GET /api/v1/list HTTP/1.1\r\nHost: x\r\n' | python3 "$SOURCE_DIR/tests/lib/rawhttp.py" "$API_PORT" --pause-after 10 6)
        t1=$(date +%s)
        check_eq "$(head -1 <<<"$raw" | tr -d '\r')" "HTTP/1.1 408 Request Timeout" "$mode slow request"
        [ $((t1 - t0)) -lt 10 ] || fail "$mode slow request took $((t1 - t0)) s to be refused"

        after=$(databases)
        check_eq "$after" "$before" "$mode bad requests changed the databases"
}

API_RECEIVE_TIMEOUT=2 write_test_config "$T/conf"
TOKEN=$(cat "$T/conf/api-token")
auth=(-H "X-API-Token: $TOKEN")

# Two tenants (owned by odoo, one suspended) and a database that is not a tenant.
pg_psql postgres "CREATE DATABASE acme_ltd OWNER odoo"
pg_psql postgres "CREATE DATABASE sleepy_co OWNER odoo"
pg_psql postgres "ALTER DATABASE sleepy_co ALLOW_CONNECTIONS false"
pg_psql postgres "CREATE DATABASE not_odoos"

for mode in accept inetd; do
        api_start "$CONF" "$mode"
        run_suite "$mode"
        api_stop
done

echo "== plans: what WHMCS's Plan dropdown is filled from (GET /api/v1/plans)"
# Without plans: a success with nothing in it (a 404 would read as an older vumaerp-api).
api_start "$CONF" inetd
call GET /api/v1/plans
check_eq "$STATUS" 401 "plans without a token"
call GET /api/v1/plans "${auth[@]}"
check_eq "$STATUS" 200 "plans when none are configured"
check_eq "$(jq -c '[.success, .configured, .count, .default, .plans]' <<<"$BODY")" '[true,false,0,null,[]]' "no plans configured"
api_stop
cp "$CONF" "$T/conf/plans-vumaerp.yaml"
cat >"$T/conf/plans.yaml" <<'YAML'
solo:
  name: Solo
  max_users: 1
  apps: []
  storage_mb: 512
team:
  name: "Team & Co"
  max_users: 12
  apps: [sale_management, crm]
  storage_mb: 4096
  default: true
YAML
printf 'plans: plans.yaml\n' >>"$T/conf/plans-vumaerp.yaml"
api_start "$T/conf/plans-vumaerp.yaml" accept
call GET /api/v1/plans "${auth[@]}"
check_eq "$STATUS" 200 "plans"
check_eq "$(jq -c '[.configured, .count, .default]' <<<"$BODY")" '[true,2,"team"]' "plans: configured, count, default"
# In plans.yaml's order, every field as written.
check_eq "$(jq -c '.plans' <<<"$BODY")" \
        '[{"code":"solo","name":"Solo","max_users":1,"apps":[],"storage_mb":512,"default":false},{"code":"team","name":"Team & Co","max_users":12,"apps":["sale_management","crm"],"storage_mb":4096,"default":true}]' \
        "plans as plans.yaml says them"
call POST /api/v1/plans --data-urlencode "api_token=$TOKEN"
check_eq "$STATUS:$(jq -r .count <<<"$BODY")" 200:2 "plans by POST with the api_token form field"
api_stop
# The command line answers the same.
check_eq "$("$BUILD_DIR/bin/vumaerp-plans" --config "$T/conf/plans-vumaerp.yaml" | jq -c '[.count, [.plans[].code]]')" \
        '[2,["solo","team"]]' "vumaerp-plans"

echo "== token rotation and the systemd credentials directory"
mkdir -p "$T/creds"
OLD=old-token-0123456789abcdef NEW=new-token-fedcba9876543210
printf '# rotation: both valid until WHMCS uses the new one\n%s\n\n%s\n' "$OLD" "$NEW" >"$T/creds/api-token"
chmod 0600 "$T/creds/api-token"
grep -v '^  token_file:' "$CONF" >"$T/conf/creds.yaml"
api_start "$T/conf/creds.yaml" inetd -E "CREDENTIALS_DIRECTORY=$T/creds"
call GET /api/v1/list -H "X-API-Token: $OLD"
check_eq "$STATUS" 200 "old token during rotation"
call GET /api/v1/list -H "X-API-Token: $NEW"
check_eq "$STATUS" 200 "new token during rotation"
call GET /api/v1/list -H "X-API-Token: $TOKEN"
check_eq "$STATUS" 401 "a token from another file"
api_stop
api_start "$T/conf/creds.yaml" inetd
call GET /api/v1/list -H "X-API-Token: $OLD"
check_eq "$STATUS" 500 "no credentials directory and no token file"
check_eq "$(code)" no_api_token "no token configured: code"
call GET /health
check_eq "$STATUS" 200 "/health needs no token"
api_stop

echo "== allow-list of client networks"
API_RECEIVE_TIMEOUT=2 write_test_config "$T/deny" "allowed_clients: [10.0.0.0/8, '2001:db8::/32']"
api_start "$T/deny/vumaerp.yaml" accept
call GET /api/v1/list -H "X-API-Token: $(cat "$T/deny/api-token")"
check_eq "$STATUS" 403 "client outside the allow-list"
check_eq "$(code)" forbidden "403 code"
api_stop
API_RECEIVE_TIMEOUT=2 write_test_config "$T/allow" "allowed_clients: [10.0.0.0/8, 127.0.0.0/8]"
api_start "$T/allow/vumaerp.yaml" accept
call GET /api/v1/list -H "X-API-Token: $(cat "$T/allow/api-token")"
check_eq "$STATUS" 200 "client inside the allow-list"
api_stop

echo "== actions that crash, hang, or print garbage; what a child sees"
mkdir -p "$T/actions"
cat >"$T/actions/vumaerp-list" <<'SH'
#!/bin/sh
# stands in for an action that hangs: records its pid and sleeps
echo $$ >"$(dirname "$0")/list.pid"
exec sleep 60
SH
cat >"$T/actions/vumaerp-status" <<'SH'
#!/bin/sh
# records what an action is given, then crashes
{ echo "ARGV: $*"; echo "ENV:"; env; echo "STDIN:"; cat; } >"$(dirname "$0")/status.seen"
kill -SEGV $$
SH
chmod +x "$T/actions/"*
API_DEADLINE=1 write_test_config "$T/fake" "action_dir: $T/actions"
FAKE_TOKEN=$(cat "$T/fake/api-token")
api_start "$T/fake/vumaerp.yaml" inetd
call POST /api/v1/status -H "X-API-Token: $FAKE_TOKEN" -H 'Content-Type: application/json' -d '{"db_name":"acme_ltd","reason":"x"}'
check_eq "$STATUS" 500 "crashed action"
check_eq "$(code)" action_crashed "crashed action code"
grep -q '"db_name":"acme_ltd"' "$T/actions/status.seen" || fail "the action did not get the request on stdin"
grep -q -- '--json' "$T/actions/status.seen" || fail "the action was not run with --json"
if grep -qF "$FAKE_TOKEN" "$T/actions/status.seen"; then fail "the token reached the action's argv, environment or stdin"; fi
call POST /api/v1/status -d "api_token=$FAKE_TOKEN&db_name=acme_ltd"
check_eq "$STATUS" 500 "crashed action (token as a form field)"
if grep -qF "$FAKE_TOKEN" "$T/actions/status.seen"; then fail "the api_token form field reached the action"; fi
t0=$(date +%s)
call GET /api/v1/list -H "X-API-Token: $FAKE_TOKEN"
t1=$(date +%s)
check_eq "$STATUS" 504 "action past its deadline"
check_eq "$(code)" deadline_exceeded "deadline code"
[ $((t1 - t0)) -lt 20 ] || fail "the deadline answer took $((t1 - t0)) s"
sleep 0.2
if kill -0 "$(cat "$T/actions/list.pid")" 2>/dev/null; then fail "the action outlived its deadline"; fi
printf '#!/bin/sh\necho "not json"\n' >"$T/actions/vumaerp-status"
call GET "/api/v1/status?db_name=acme_ltd" -H "X-API-Token: $FAKE_TOKEN"
check_eq "$STATUS" 500 "an action that prints garbage"
check_eq "$(code)" action_failed "garbage code"
printf '#!/bin/sh\necho "{\\"success\\":false,\\"code\\":\\"db_exists\\",\\"error\\":\\"x\\"}"\nexit 73\n' >"$T/actions/vumaerp-status"
call GET "/api/v1/status?db_name=acme_ltd" -H "X-API-Token: $FAKE_TOKEN"
check_eq "$STATUS" 409 "exit status 73 maps to 409"
# Whoever is not authenticated writes nothing of their own into the journal: no db field at all.
call POST /api/v1/status -H "X-API-Token: wrong" -H 'Content-Type: application/json' -d '{"db_name":"unauth_marker_db"}'
check_eq "$STATUS" 401 "a wrong token"
api_stop
grep -q 'unauth_marker_db' "$API_LOG" && fail "an unauthenticated request's db_name reached the log"

echo "== the log"
[ -s "$API_LOG" ] || fail "vumaerp-api wrote no log"
grep -q 'request=' "$API_LOG" || fail "log lines carry no request id"
for t in "$TOKEN" "$OLD" "$NEW" "$FAKE_TOKEN"; do
        if grep -qF "$t" "$API_LOG"; then fail "a token appears in the log"; fi
done

if [ "$failures" -gt 0 ]; then
        echo "$failures failure(s); the API log is $API_LOG:" >&2
        tail -50 "$API_LOG" >&2
        exit 1
fi
echo "all end-to-end checks passed"
