#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-odoo-caches.sh: what a running Odoo keeps in memory per database name, against the
# Odoo stand-in, which keeps it as Odoo 17 does (a registry per name, reloaded only when
# base_registry_signaling moves; session tokens cached until base_cache_signaling_default moves):
#   - a name terminated and provisioned again for another country is read with the new
#     database's registry, not the old one's (Odoo failed with the old chart's columns);
#   - a password change ends the sessions opened with the old password;
#   - an attachment whose file is missing answers 500 (what seal's filestore check prevents);
# both through the real vumaerp-provision, -terminate and -password on the real Kenya and Nigeria
# templates.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"

B="$BUILD_DIR/bin"
need_command jq
need_fixture "$FIXTURES_DIR"/odoo17/erp/erp_{ke,ng}.{pgdump,filestore.tar}
odoo_need

pg_start_with_config caches
ODOO_DATA_DIR="$tmp/conf/filestore" odoo_start
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL|" "$CONF"

provision() { # provision DB CC PASSWORD
        run_json provision "$(jq -cn --arg db "$1" --arg cc "$2" --arg pw "$3" \
                '{db_name: $db, country: $cc, admin_email: "admin@example.com", company_name: "Upper", admin_password: $pw}')"
        expect 0 '.success == true' "provision $1 ($2)"
}
# rpc_read DB PASSWORD MODEL: search_read through Odoo's JSON-RPC as the admin (uid from authenticate).
rpc_read() {
        local uid
        uid=$(odoo_rpc common authenticate "$(jq -cn --arg db "$1" --arg pw "$2" '[$db, "admin@example.com", $pw, {}]')" | jq -r .result)
        [ "$uid" != false ] && [ "$uid" != null ] || fail "Odoo did not let the admin of $1 in"
        odoo_rpc object execute_kw "$(jq -cn --arg db "$1" --argjson uid "$uid" --arg pw "$2" --arg m "$3" \
                '[$db, $uid, $pw, $m, "search_read", [[]]]')"
}
# web_session PATH DB JSON-PARAMS JAR: one of Odoo's type='json' web routes, with a cookie jar.
web_session() {
        jq -cn --argjson p "$3" '{jsonrpc: "2.0", method: "call", params: $p, id: 1}' |
                curl -sS --max-time 30 -b "$4" -c "$4" -H 'Content-Type: application/json' --data-binary @- "$ODOO_URL$1"
}

for cc in ke ng; do
        restore_fixture erp_$cc $cc "$tmp/conf/filestore"
        "$B/vumaerp-template" --config "$CONF" seal $cc >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; fail "sealing erp_$cc"; }
done

echo "# a name used again for another country is served with its own registry"
provision upper_co ke 'first pw 1'
out=$(rpc_read upper_co 'first pw 1' account.tax)
jq -e '.result | length > 0' >/dev/null <<<"$out" || fail "reading Kenya's taxes: $out"
[ "$(pg_psql upper_co "SELECT count(*) FROM pg_attribute WHERE attrelid = 'account_tax'::regclass AND attname = 'l10n_ke_item_code_id'")" = 1 ] ||
        fail "Kenya's chart has no l10n_ke_item_code_id: this check would prove nothing"
run_json terminate '{"db_name": "upper_co", "skip_backup": true}'
expect 0 '.success == true' "terminate upper_co"
provision upper_co ng 'second pw 2'
out=$(rpc_read upper_co 'second pw 2' account.tax)
jq -e '.result | length > 0' >/dev/null <<<"$out" ||
        fail "Odoo read Nigeria's upper_co with Kenya's registry: $(jq -c '.error.data.message // .' <<<"$out")"
grep -q 'upper_co odoo.modules.registry: Reloading the model registry' "$ODOO_LOG" ||
        fail "Odoo was not told to reload upper_co's registry"
out=$(rpc_read upper_co 'second pw 2' res.company)
jq -e '.result[0].name == "Upper"' >/dev/null <<<"$out" || fail "reading the company: $out"

echo "# a password change ends the sessions of the old password"
jar="$tmp/jar"
out=$(web_session /web/session/authenticate upper_co '{"db": "upper_co", "login": "admin@example.com", "password": "second pw 2"}' "$jar")
jq -e '.result.uid > 0' >/dev/null <<<"$out" || fail "logging in: $out"
out=$(web_session /web/session/get_session_info upper_co '{}' "$jar")
jq -e '.result.db == "upper_co"' >/dev/null <<<"$out" || fail "the new session does not work: $out"
run_json password '{"db_name": "upper_co", "admin_password": "third pw 3"}'
expect 0 '.success == true' "change the password"
out=$(web_session /web/session/get_session_info upper_co '{}' "$jar")
jq -e '.error.data.name == "odoo.http.SessionExpiredException"' >/dev/null <<<"$out" ||
        fail "the session of the old password lives on: $out"
out=$(web_session /web/session/authenticate upper_co '{"db": "upper_co", "login": "admin@example.com", "password": "second pw 2"}' "$tmp/jar2")
jq -e '.error.data.name == "odoo.exceptions.AccessDenied"' >/dev/null <<<"$out" || fail "the old password still logs in: $out"
out=$(web_session /web/session/authenticate upper_co '{"db": "upper_co", "login": "admin@example.com", "password": "third pw 3"}' "$tmp/jar3")
jq -e '.result.uid > 0' >/dev/null <<<"$out" || fail "the new password does not log in: $out"
out=$(web_session /web/session/get_session_info upper_co '{}' "$tmp/jar3")
jq -e '.result.db == "upper_co"' >/dev/null <<<"$out" || fail "the new session does not work: $out"

echo "# a tenant whose filestore lacks an attachment's file answers 500 on it, as Odoo does"
read -r att fname < <(pg_psql upper_co "SELECT id || ' ' || store_fname FROM ir_attachment WHERE store_fname <> '' ORDER BY id LIMIT 1" | tr '|' ' ')
content() { curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$ODOO_URL/web/content/$att?db=upper_co"; }
[ "$(content)" = 200 ] || fail "attachment $att of upper_co answers $(content) with its file in place"
mv "$tmp/conf/filestore/filestore/upper_co/$fname" "$tmp/held-back"
[ "$(content)" = 500 ] || fail "attachment $att of upper_co answers $(content) without its file"
mv "$tmp/held-back" "$tmp/conf/filestore/filestore/upper_co/$fname"
[ "$(content)" = 200 ] || fail "attachment $att of upper_co answers $(content) with its file back"

echo "PASS"
