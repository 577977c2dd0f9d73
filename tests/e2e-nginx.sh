#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# e2e-nginx.sh: the tenant URL through a real nginx (Debian's) running the shipped
# packaging/nginx/vumaerp-tenants.conf on loopback, in front of the Odoo stand-in running as Odoo
# is told to (dbfilter ^%d$, proxy_mode, list_db = False), with the real vumaerp-provision,
# -suspend, -unsuspend and -terminate on the real Kenya ERP template:
#   - nginx -t accepts the shipped files as they are, and as adapted here (ports, paths);
#   - the API answers behind vumaerp-api.conf's /provision/;
#   - the url provision answers reaches that tenant's login page and names no other tenant
#     (and the same host sent to Odoo as it is reaches none: what the routing fixes);
#   - a suspended tenant answers 503 with its page: the reason HTML-escaped, the pay link, three
#     languages, nothing of any tenant; the websocket route too; unsuspend gives Odoo back;
#   - an unknown host and the database manager answer 404 naming no tenant;
#   - terminate takes the host away; nothing of the tenant is left in web.state_dir;
#   - suspend and unsuspend put back a missing route; a restored tenant is routed;
#   - run as root, what vumaerp writes belongs to the state directory's owner.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/nginx.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/api.sh"

B="$BUILD_DIR/bin"
need_command jq
nginx_bin >/dev/null
need_fixture "$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
odoo_need

pg_start_with_config nginx
# nginx's workers (not root) read the state directory and the pages.
chmod 0755 "$tmp"
WEB="$tmp/web"
mkdir -m 0755 "$WEB"
PAY='https://billing.example.test/clientarea.php?action=invoices&ref=web'
sed -i "s|^backups:\$|web:\n  state_dir: $WEB\n  pay_url: \"${PAY//&/\\&}\"\n  brand: Vuma <ERP>\nbackups:|" "$CONF"
ODOO_DATA_DIR="$tmp/conf/filestore" ODOO_DBFILTER='^%d$' ODOO_PROXY_MODE=1 ODOO_NO_LIST_DB=1 odoo_start
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL|" "$CONF"

echo "# nginx -t on the shipped files as they are"
nginx_check_shipped "$tmp/nginx-shipped" || fail "nginx -t"
# The same files with only this test's ports, directories and domain: every change must apply,
# so that what runs below is the shipped configuration and not one written for the test.
api_start "$CONF" inetd
nginx_start "$tmp/nginx" "$WEB" "$ODOO_PORT" vumacloud.test "$API_PORT" || fail "nginx"

echo "# the API behind vumaerp-api.conf's /provision/"
out=$(curl -sS --max-time 30 "http://127.0.0.1:$NGINX_API_PORT/provision/health")
[ "$(jq -r .status <<<"$out")" = ok ] || fail "/provision/health through nginx: $out"
out=$(curl -sS --max-time 30 -H "X-API-Token: $(cat "$tmp/conf/api-token")" "http://127.0.0.1:$NGINX_API_PORT/provision/api/v1/list")
jq -e '.success == true' >/dev/null <<<"$out" || fail "/provision/api/v1/list through nginx: $out"

# get HOST PATH: through nginx with that Host; $STATUS, $BODY (file $tmp/body), headers in $tmp/headers.
get() {
        STATUS=$(curl -sS --max-time 30 -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' \
                -H "Host: $1" "http://127.0.0.1:$NGINX_PORT$2")
        BODY=$(cat "$tmp/body")
}
names_none() { # names_none WHAT: the body names no tenant
        local n
        for n in acme_ltd acme-ltd beta_co beta-co; do
                grep -qF "$n" "$tmp/body" && fail "$1 names the tenant $n: $BODY"
        done
        return 0
}

restore_fixture erp_ke ke "$tmp/conf/filestore"
"$B/vumaerp-template" --config "$CONF" seal ke >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; fail "sealing erp_ke"; }

if [ "$(id -u)" = 0 ]; then
        # As the package has it: the state directory belongs to vumaerp's user, root runs a command.
        chown nobody "$WEB"
fi

echo "# the url provision answers reaches that tenant, and no other"
for db in acme_ltd beta_co; do
        run_json provision "$(jq -cn --arg db "$db" '{db_name: $db, country: "ke", admin_email: "admin@example.com", company_name: "Co"}')"
        expect 0 '.success == true' "provision $db"
done
run_json status '{"db_name": "acme_ltd"}'
url=$(jq -r .url <<<"$OUT")
[ "$url" = "https://acme-ltd.vumacloud.test" ] || fail "acme_ltd's url is $url"
host=${url#https://}
get "$host" /web/login
[ "$STATUS" = 200 ] || fail "$url/web/login through nginx: HTTP $STATUS: $BODY"
grep -qF 'company_logo?dbname=acme_ltd' "$tmp/body" || fail "$url/web/login is not acme_ltd's login page: $BODY"
grep -qF beta_co "$tmp/body" && fail "acme_ltd's login page names beta_co"
get "$host" /
[ "$STATUS" = 303 ] && grep -qi '^Location: /web' "$tmp/headers" || fail "$url/: HTTP $STATUS, $(grep -i '^Location' "$tmp/headers" || true)"
get beta-co.vumacloud.test /web/login
grep -qF 'company_logo?dbname=beta_co' "$tmp/body" || fail "beta-co's host does not reach beta_co: HTTP $STATUS $BODY"
# What the routing fixes: the host as the customer types it, handed to Odoo unchanged.
out=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' -H "X-Forwarded-Host: $host" "$ODOO_URL/web/login")
[ "$out" = "303 $ODOO_URL/web/database/selector" ] ||
        fail "Odoo (the stand-in) reached a tenant through the hyphenated host itself ($out): this test proves nothing"

echo "# single sign-on: the link on the tenant's host, through nginx; the validation endpoint hidden"
printf 'sso:\n  validation_url: %s\n' "http://127.0.0.1:$API_PORT/api/v1/sso/validate" >>"$CONF"
token_header="X-API-Token: $(cat "$tmp/conf/api-token")"
out=$(curl -sS --max-time 60 -H "$token_header" -d db_name=acme_ltd "http://127.0.0.1:$NGINX_API_PORT/provision/api/v1/sso")
link=$(jq -r '.url // empty' <<<"$out")
[[ "$link" == "$url/vumaerp/sso?token="* ]] || fail "the sso link through /provision/: $out"
get "$host" "/vumaerp/sso?token=${link##*token=}"
[ "$STATUS" = 303 ] && grep -qix 'location: /web' <(tr -d '\r' <"$tmp/headers") || fail "the link through nginx: HTTP $STATUS: $BODY"
cookie=$(tr -d '\r' <"$tmp/headers" | sed -n 's/^set-cookie: \(session_id=[^;]*\).*/\1/Ip')
[ -n "$cookie" ] || fail "no session cookie through nginx: $(cat "$tmp/headers")"
out=$(curl -sS --max-time 30 -H "Host: $host" -H "Cookie: $cookie" -H 'Content-Type: application/json' \
        -d '{"jsonrpc":"2.0","id":1,"params":{}}' "http://127.0.0.1:$NGINX_PORT/web/session/get_session_info")
[ "$(jq -r '.result.uid // empty' <<<"$out")" = 2 ] || fail "the session made through nginx: $out"
get "$host" "/vumaerp/sso?token=${link##*token=}"
[ "$STATUS" = 403 ] || fail "the link through nginx a second time: HTTP $STATUS"
grep -qF "${link##*token=}" "$tmp/nginx/access.log" 2>/dev/null && fail "the link's token is in nginx's access log"
for p in /provision/api/v1/sso/validate /provision/api/v1/sso/enter; do
        s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "http://127.0.0.1:$NGINX_API_PORT$p?db_name=acme_ltd&access_token=x")
        [ "$s" = 404 ] || fail "$p is reachable through the API's nginx: HTTP $s"
done
s=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H "Host: $host" "http://127.0.0.1:$NGINX_PORT/api/v1/sso/validate?db_name=acme_ltd")
[ "$s" != 403 ] || fail "the validation endpoint is reachable on a tenant's host"

echo "# an unknown host, a route out of the tenants, and the database manager name no tenant"
get nosuch.vumacloud.test /web/login
[ "$STATUS" = 404 ] || fail "an unknown host: HTTP $STATUS"
grep -qF 'no service at this address' "$tmp/body" || fail "an unknown host's page: $BODY"
names_none "the unknown host's page"
get "$host" /web/database/selector
[ "$STATUS" = 404 ] || fail "the database manager through nginx: HTTP $STATUS"
names_none "the database manager"
ln -s .. "$WEB/hosts/stray.vumacloud.test"
get stray.vumacloud.test /web/login
[ "$STATUS" = 404 ] || fail "a route that is not a tenant's reached Odoo: HTTP $STATUS $BODY"
rm "$WEB/hosts/stray.vumacloud.test"

echo "# suspended: 503 with the reason, escaped, and the pay link; the websocket too"
reason='Invoice #42 <b>overdue</b> & "unpaid"'
run_json suspend "$(jq -cn --arg r "$reason" '{db_name: "acme_ltd", reason: $r}')"
expect 0 '.status == "suspended"' "suspend acme_ltd"
for path in /web/login / /websocket /web/static/src/x.js; do
        get "$host" "$path"
        [ "$STATUS" = 503 ] || fail "suspended acme_ltd, $path: HTTP $STATUS: $BODY"
done
grep -qF 'Invoice #42 &lt;b&gt;overdue&lt;/b&gt; &amp; &quot;unpaid&quot;' "$tmp/body" || fail "the page does not show the escaped reason: $BODY"
grep -qF '<b>' "$tmp/body" && fail "the reason reached the page as HTML"
grep -qF 'href="https://billing.example.test/clientarea.php?action=invoices&amp;ref=web"' "$tmp/body" || fail "no pay link: $BODY"
grep -qF 'Vuma &lt;ERP&gt;' "$tmp/body" || fail "the brand is not on the page, escaped"
for lang in en sw fr; do
        grep -qF "<section lang=\"$lang\">" "$tmp/body" || fail "the page has no $lang part"
done
grep -qiF 'Huduma imesitishwa' "$tmp/body" && grep -qF 'Service suspendu' "$tmp/body" || fail "the Swahili or French text is missing"
grep -qi '^Retry-After: ' "$tmp/headers" && grep -qi '^Cache-Control: no-store' "$tmp/headers" || fail "the 503 lacks Retry-After or Cache-Control: $(cat "$tmp/headers")"
names_none "the suspension page"
get beta-co.vumacloud.test /web/login
grep -qF 'company_logo?dbname=beta_co' "$tmp/body" || fail "suspending acme_ltd took beta_co's host: HTTP $STATUS"
# A retry without a reason keeps the reason on the page.
run_json suspend '{"db_name": "acme_ltd"}'
expect 0 '.changed == false' "suspend acme_ltd again"
get "$host" /web/login
grep -qF 'overdue' "$tmp/body" || fail "a repeated suspend lost the reason: $BODY"
if [ "$(id -u)" = 0 ]; then
        for f in "$WEB/tenants/acme_ltd" "$WEB/tenants/acme_ltd/suspended.html" "$WEB/hosts"; do
                [ "$(stat -c %U "$f")" = nobody ] || fail "$f belongs to $(stat -c %U "$f"), not the state directory's owner"
        done
fi
[ "$(stat -c %a "$WEB/tenants/acme_ltd/suspended.html")" = 644 ] || fail "the page is not 0644"

echo "# unsuspended: Odoo again"
run_json unsuspend '{"db_name": "acme_ltd"}'
expect 0 '.status == "active"' "unsuspend acme_ltd"
get "$host" /web/login
[ "$STATUS" = 200 ] && grep -qF 'company_logo?dbname=acme_ltd' "$tmp/body" || fail "unsuspended acme_ltd: HTTP $STATUS $BODY"

echo "# terminated: the host leads nowhere, and nothing of the tenant is left"
run_json terminate '{"db_name": "acme_ltd", "skip_backup": true}'
expect 0 '.status == "terminated"' "terminate acme_ltd"
get "$host" /web/login
[ "$STATUS" = 404 ] || fail "terminated acme_ltd: HTTP $STATUS"
names_none "the terminated tenant's host"
[ ! -e "$WEB/tenants/acme_ltd" ] && [ ! -L "$WEB/hosts/$host" ] || fail "acme_ltd's web state is left: $(ls -laR "$WEB")"
[ -L "$WEB/hosts/beta-co.vumacloud.test" ] || fail "terminating acme_ltd took beta_co's route"

echo "# a tenant without a route (made before web.state_dir was set) gets it back"
rm "$WEB/hosts/beta-co.vumacloud.test"
get beta-co.vumacloud.test /web/login
[ "$STATUS" = 404 ] || fail "beta_co without a route: HTTP $STATUS"
run_json suspend '{"db_name": "beta_co", "reason": "overdue"}'
expect 0 '.success == true' "suspend beta_co"
get beta-co.vumacloud.test /web/login
[ "$STATUS" = 503 ] || fail "suspending beta_co did not route its host to its page: HTTP $STATUS"
run_json unsuspend '{"db_name": "beta_co"}'
expect 0 '.success == true' "unsuspend beta_co"
get beta-co.vumacloud.test /web/login
[ "$STATUS" = 200 ] || fail "unsuspended beta_co: HTTP $STATUS"

echo "# a restored tenant is routed before Odoo may serve it"
run_json backup '{"db_name": "beta_co"}'
expect 0 '.backup.path != null' "backup beta_co"
run_json restore "$(jq -cn --arg p "$(jq -r .backup.path <<<"$OUT")" '{backup: $p, as_db_name: "gamma_co"}')"
expect 0 '.db_name == "gamma_co"' "restore beta_co as gamma_co"
get gamma-co.vumacloud.test /web/login
[ "$STATUS" = 200 ] && grep -qF 'company_logo?dbname=gamma_co' "$tmp/body" || fail "the restored gamma_co is not reached: HTTP $STATUS $BODY"

echo "e2e-nginx: all passed"
