#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e-sso: single sign-on (vumaerp-sso(8)) end to end: the real vumaerp-api under
# systemd-socket-activate, real PostgreSQL, tenants provisioned from the real Kenya ERP fixture
# (auth_oauth installed, Odoo.com's provider enabled), and the Odoo stand-in doing what Odoo 17's
# auth_oauth does (it calls vumaerp's validation endpoint over HTTP, signs the user in by
# oauth_uid and provider, stores the token in res_users.oauth_access_token, accepts it as the
# password, and keeps it among the session token's fields). Checked:
#   - POST /api/v1/sso answers a link on the tenant's host; only the token's SHA-256 is stored;
#     inside the tenant: vumaerp's provider row (disabled), Odoo.com's disabled, the user linked;
#   - following the link (as nginx hands it to /api/v1/sso/enter) answers 303 /web with Odoo's
#     session cookie, and that session works; Odoo called the validation endpoint once;
#   - the link again: refused; the link's token as a password: refused, then and later; what Odoo
#     stored is a token nobody was given, already spent at the validation endpoint;
#   - clearing what Odoo stored would log the session out (why vumaerp keeps it: sso.c);
#   - auth_oauth.authorization_header set: Odoo sends the token as a Bearer header, accepted;
#   - an expired link, a link on another tenant's host, a suspended tenant, another WHMCS
#     service's tenant, an unknown login: refused; the validation endpoint without a good token
#     refuses;
#   - no token and no session cookie in the API's and the actions' log lines;
#   - vumaerp-reconcile deletes the spent tokens.
source "$(dirname "$0")/lib/check.sh"
source "$(dirname "$0")/lib/pg.sh"
source "$(dirname "$0")/lib/api.sh"
source "$(dirname "$0")/lib/odoo.sh"

need_command curl
need_command jq
need_command systemd-socket-activate systemd
need_fixture "$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
odoo_need
B="$BUILD_DIR/bin"
need_built "$B/vumaerp-api" "$B/vumaerp-sso" "$B/vumaerp-sso-enter" "$B/vumaerp-sso-validate"

pg_start_with_config sso
ODOO_DBFILTER='^%d$' ODOO_PROXY_MODE=1 ODOO_NO_LIST_DB=1 odoo_start
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL|" "$CONF"
TOKEN=$(cat "$tmp/conf/api-token")
auth=(-H "X-API-Token: $TOKEN")

restore_fixture erp_ke ke "$tmp/conf/filestore"
"$B/vumaerp-template" --config "$CONF" seal ke >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; fail "sealing erp_ke"; }
for db in acme_ltd beta_co; do
        run_json provision "$(jq -cn --arg db "$db" '{db_name: $db, country: "ke", admin_email: "admin@example.com",
                company_name: "Co", admin_password: "Adm1n-pass-word", whmcs_service_id: (if $db == "acme_ltd" then 101 else 202 end)}')"
        expect 0 '.success == true' "provision $db"
done

api_start "$CONF" inetd
# What each tenant's Odoo calls: this test's vumaerp-api (every connection reads the file anew).
cat >>"$CONF" <<YAML
sso:
  validation_url: $API_URL/api/v1/sso/validate
  token_lifetime: 60
YAML

keep_going
check_eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }

# call METHOD URL [curl args...]: $STATUS, $BODY, $HEADERS.
call() {
        local method=$1 url=$2; shift 2
        STATUS=$(curl -s -X "$method" -D "$tmp/headers" -o "$tmp/body" -w '%{http_code}' --max-time 60 "$@" "$url") || true
        BODY=$(cat "$tmp/body" 2>/dev/null || true)
        HEADERS=$(tr -d '\r' <"$tmp/headers" 2>/dev/null || true)
}
issue() { # issue DB [extra JSON fields]: POST /api/v1/sso; LINK, LINK_TOKEN
        call POST "$API_URL/api/v1/sso" "${auth[@]}" -H 'Content-Type: application/json' \
                -d "$(jq -cn --arg db "$1" --argjson x "${2:-{\}}" '{db_name: $db} + $x')"
        LINK=$(jq -r '.url // empty' <<<"$BODY")
        LINK_TOKEN=${LINK##*token=}
}
enter() { # enter HOST TOKEN: the browser's GET of the link, as nginx hands it to vumaerp-api
        call GET "$API_URL/api/v1/sso/enter?token=$2" -H "X-Forwarded-Host: $1"
        COOKIE=$(sed -n 's/^set-cookie: \(session_id=[^;]*\).*/\1/Ip' <<<"$HEADERS")
}
session_uid() { # session_uid DB COOKIE: the uid Odoo's session has, or "expired"
        curl -s --max-time 30 -H "Host: $1.vumacloud.test" -H "X-Forwarded-Host: $1.vumacloud.test" \
                -H "Cookie: $2" -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"params":{}}' \
                "$ODOO_URL/web/session/get_session_info" | jq -r '.result.uid // "expired"'
}
password_login() { # password_login DB LOGIN PASSWORD: the uid /web/session/authenticate gives, or "refused"
        jq -cn --arg db "$1" --arg l "$2" --arg p "$3" '{jsonrpc: "2.0", id: 1, params: {db: $db, login: $l, password: $p}}' |
                curl -s --max-time 30 -H "Host: $1.vumacloud.test" -H 'Content-Type: application/json' --data-binary @- \
                        "$ODOO_URL/web/session/authenticate" | jq -r '.result.uid // "refused"'
}
sha256_hex() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

echo "# POST /api/v1/sso: a link on the tenant's host"
issue acme_ltd '{"whmcs_service_id": 101}'
check_eq "$STATUS" 200 "sso acme_ltd: $BODY"
[[ "$LINK" =~ ^https://acme-ltd\.vumacloud\.test/vumaerp/sso\?token=[A-Za-z0-9_-]{43}$ ]] || fail "the link: $LINK"
jq -e '.login == "admin@example.com" and (.expires_at | test("^[0-9-]{10}T[0-9:]{8}Z$"))' >/dev/null <<<"$BODY" || fail "sso answer: $BODY"
check_eq "$(pg_psql vumaerp "SELECT kind, db_name, encode(token_hash, 'hex'), expires_at <= now() + interval '60 s'
        FROM sso_tokens WHERE used_at IS NULL")" "link|acme_ltd|$(sha256_hex "$LINK_TOKEN")|t" "the registry's row"
[ "$(pg_psql vumaerp "SELECT count(*) FROM sso_tokens WHERE position('$LINK_TOKEN' IN encode(token_hash, 'escape')) > 0")" = 0 ] \
        || fail "the token itself is in the registry"
PROVIDER=$(odoo_psql acme_ltd "SELECT id FROM auth_oauth_provider WHERE name = 'VumaERP'")
check_eq "$(odoo_psql acme_ltd "SELECT enabled, validation_endpoint FROM auth_oauth_provider WHERE id = $PROVIDER")" \
        "f|$API_URL/api/v1/sso/validate?db_name=acme_ltd" "vumaerp's provider row"
check_eq "$(odoo_psql acme_ltd "SELECT coalesce(p.enabled, false) FROM auth_oauth_provider p JOIN ir_model_data m
        ON m.res_id = p.id AND m.model = 'auth.oauth.provider' AND m.module = 'auth_oauth' AND m.name = 'provider_openerp'")" \
        f "Odoo.com's provider"
check_eq "$(odoo_psql acme_ltd "SELECT oauth_uid, oauth_provider_id FROM res_users WHERE login = 'admin@example.com'")" \
        "vumaerp:2|$PROVIDER" "the admin's identity at the provider"

echo "# the link, followed: Odoo's session for the browser"
enter acme-ltd.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 303 "entering by the link: $BODY"
grep -qx 'location: /web' <<<"${HEADERS,,}" || fail "not sent to /web: $HEADERS"
[ -n "$COOKIE" ] || fail "no session cookie: $HEADERS"
grep -qi '^cache-control: no-store' <<<"$HEADERS" || fail "the cookie's answer may be cached: $HEADERS"
grep -qF "${COOKIE#session_id=}" "$tmp/body" && fail "the session cookie is in the body"
check_eq "$(session_uid acme_ltd "$COOKIE")" 2 "the session the link made"
FIRST=$COOKIE
check_eq "$(pg_psql vumaerp "SELECT kind || ':' || (used_at IS NOT NULL) FROM sso_tokens ORDER BY kind")" \
        "$(printf 'link:true\nodoo:true')" "both tokens spent"
STORED=$(odoo_psql acme_ltd "SELECT oauth_access_token FROM res_users WHERE id = 2")
[ -n "$STORED" ] && [ "$STORED" != "$LINK_TOKEN" ] || fail "what Odoo stored: '$STORED'"
check_eq "$(pg_psql vumaerp "SELECT count(*) FROM sso_tokens WHERE kind = 'odoo' AND token_hash = '\\x$(sha256_hex "$STORED")'")" 1 \
        "what Odoo stored is vumaerp's second token"

echo "# never again: the link, its token, what Odoo stored"
enter acme-ltd.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 403 "the link a second time"
check_eq "$(jq -r .code <<<"$BODY")" invalid_token "the link a second time: code"
[ -z "$COOKIE" ] || fail "a cookie for a used link"
check_eq "$(password_login acme_ltd admin@example.com "$LINK_TOKEN")" refused "the link's token as the admin's password"
check_eq "$(password_login acme_ltd admin@example.com Adm1n-pass-word)" 2 "the admin's own password"
call GET "$API_URL/api/v1/sso/validate?db_name=acme_ltd&access_token=$STORED"
check_eq "$STATUS" 403 "validating Odoo's token again"
call GET "$API_URL/api/v1/sso/validate?db_name=acme_ltd&access_token=$LINK_TOKEN"
check_eq "$STATUS" 403 "a link's token at the validation endpoint"
call GET "$API_URL/api/v1/sso/validate?db_name=acme_ltd" -H "Authorization: Bearer not-a-token"
check_eq "$STATUS" 403 "a bad Bearer token at the validation endpoint"
check_eq "$(session_uid acme_ltd "$FIRST")" 2 "the first session, after all that"

echo "# a second sign-in, Odoo sending the token as a Bearer header (auth_oauth.authorization_header)"
odoo_psql acme_ltd "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
        VALUES ('auth_oauth.authorization_header', '1', 1, 1, now(), now())"
issue acme_ltd
check_eq "$STATUS" 200 "sso acme_ltd again"
enter acme-ltd.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 303 "entering with the Bearer header: $BODY"
SECOND=$COOKIE
check_eq "$(session_uid acme_ltd "$SECOND")" 2 "the second session"
# auth_oauth's own rule: a new token for the user ends the user's other sessions.
check_eq "$(session_uid acme_ltd "$FIRST")" expired "the first session after the second sign-in"

echo "# why vumaerp keeps what Odoo stored: clearing it logs the session out"
# (Odoo notices at the next cache invalidation, or in any other worker at once.)
odoo_psql acme_ltd "UPDATE res_users SET oauth_access_token = NULL WHERE id = 2; SELECT nextval('base_cache_signaling_default')" >/dev/null
check_eq "$(session_uid acme_ltd "$SECOND")" expired "the session after oauth_access_token was cleared"

echo "# refused: expired, another tenant's host, suspended, another service's, unknown login"
issue acme_ltd
pg_psql vumaerp "UPDATE sso_tokens SET expires_at = now() - interval '1 s' WHERE kind = 'link' AND used_at IS NULL"
enter acme-ltd.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 403 "an expired link"
issue acme_ltd
enter beta-co.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 403 "acme_ltd's link on beta_co's host"
enter acme-ltd.vumacloud.test "$LINK_TOKEN"
check_eq "$STATUS" 403 "the link after it was tried on another host"
issue beta_co '{"whmcs_service_id": 101}'
check_eq "$STATUS" 409 "beta_co for another service"
check_eq "$(jq -r .code <<<"$BODY")" owned_by_another_service "beta_co for another service: code"
issue acme_ltd '{"login": "nobody@example.com"}'
check_eq "$STATUS" 404 "an unknown login"
check_eq "$(jq -r .code <<<"$BODY")" no_such_login "an unknown login: code"
issue beta_co '{"whmcs_service_id": 202}'
check_eq "$STATUS" 200 "sso beta_co"
BETA_LINK=$LINK_TOKEN
run_json suspend '{"db_name": "beta_co", "reason": "unpaid"}'
expect 0 '.success == true' "suspend beta_co"
issue beta_co
check_eq "$STATUS" 409 "sso for a suspended tenant"
check_eq "$(jq -r .code <<<"$BODY")" tenant_suspended "sso for a suspended tenant: code"
enter beta-co.vumacloud.test "$BETA_LINK"
check_eq "$STATUS" 409 "a link made before the suspension"
issue unknown_co
check_eq "$STATUS" 404 "sso for no tenant"
call POST "$API_URL/api/v1/sso" -d db_name=acme_ltd
check_eq "$STATUS" 401 "sso without the API token"
call GET "$API_URL/api/v1/sso/enter?token=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')" \
        -H "X-Forwarded-Host: acme-ltd.vumacloud.test"
check_eq "$STATUS" 403 "an unknown token"

echo "# the validation endpoint: once per token, and for its tenant only"
t=$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
pg_psql vumaerp "INSERT INTO sso_tokens (token_hash, kind, db_name, provider_id, login, oauth_uid, expires_at)
        VALUES ('\\x$(sha256_hex "$t")', 'odoo', 'acme_ltd', $PROVIDER, 'admin@example.com', 'vumaerp:2', now() + interval '30 s')"
call GET "$API_URL/api/v1/sso/validate?db_name=beta_co&access_token=$t"
check_eq "$STATUS" 403 "acme_ltd's token validated for beta_co"
call GET "$API_URL/api/v1/sso/validate?db_name=acme_ltd" -H "Authorization: Bearer $t"
check_eq "$STATUS" 200 "acme_ltd's token validated for acme_ltd"
jq -e '.user_id == "vumaerp:2" and .sub == "vumaerp:2"' >/dev/null <<<"$BODY" || fail "the validation's answer: $BODY"
call GET "$API_URL/api/v1/sso/validate?db_name=acme_ltd&access_token=$t"
check_eq "$STATUS" 403 "the same token validated twice"
call GET "$API_URL/api/v1/sso/validate?db_name=no_such&access_token=$t"
check_eq "$STATUS" 403 "another name"
call GET "$API_URL/api/v1/sso/validate?db_name=Bad%0Aname&access_token=$t"
check_eq "$STATUS" 400 "a db_name that is no name"
# Odoo called the endpoint once per sign-in: two sign-ins, two accepted validations before these.
check_eq "$(grep -c 'sso-validate 200' "$API_LOG")" 3 "validations accepted"

echo "# no token or cookie in the log lines"
for secret in "$LINK_TOKEN" "$STORED" "${SECOND#session_id=}" "$BETA_LINK"; do
        [ -n "$secret" ] || continue
        grep -qF -- "$secret" "$API_LOG" && fail "a secret in the API's log: $(grep -F -- "$secret" "$API_LOG" | head -1)"
done
grep -q 'sso-enter' "$API_LOG" || fail "the log has no sso-enter entries at all: $(tail -3 "$API_LOG")"

echo "# vumaerp-reconcile deletes spent tokens"
pg_psql vumaerp "UPDATE sso_tokens SET expires_at = now() - interval '1 s'"
n=$(pg_psql vumaerp "SELECT count(*) FROM sso_tokens")
run reconcile
expect 0 ".sso_tokens_deleted == $n" "reconcile's sweep"
check_eq "$(pg_psql vumaerp "SELECT count(*) FROM sso_tokens")" 0 "tokens left after the sweep"

if [ "$failures" -gt 0 ]; then
        echo "$failures failure(s); the API log is $API_LOG, Odoo's $ODOO_LOG:" >&2
        tail -40 "$API_LOG" >&2
        tail -20 "$ODOO_LOG" >&2
        exit 1
fi
echo "all single sign-on checks passed"
