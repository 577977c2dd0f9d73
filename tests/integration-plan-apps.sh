#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-plan-apps.sh: a plan's apps (issue 14) against a private PostgreSQL, the real Odoo 17
# Kenya database and the Odoo stand-in (tests/odoo-standin.py, which checks API keys and keeps the
# visible menus in a registry cache as Odoo 17 does): an upgrade installs the app the new plan adds
# through Odoo's button_immediate_install, called by vumaerp's service user with a one-shot API key
# that is gone afterwards; the service user is counted nowhere (the cap, status's users and
# over_cap unchanged) until it is given a password or an API key of the customer's; a downgrade
# hides the dropped apps' root menus through Odoo's ORM, so that a running Odoo stops showing
# them at once (an SQL change alone does not: the menu cache), while the modules and their data stay; an upgrade back shows them again;
# every change is journaled; a service user the tenant's administrator tampered with (its group
# removed, its login changed) and a user of its login that vumaerp did not make are refused with
# a clear error and nothing else changed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{provision,plan,status}
need_command jq
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"
odoo_need

pg_start_with_config plan-apps
cat >"$tmp/conf/plans.yaml" <<'YAML'
solo:
  name: Solo
  max_users: 2
  apps: [account]
  storage_mb: 1024
  default: true
team:
  name: Team
  max_users: 4
  apps: [account, contacts, sale_management, crm]
  storage_mb: 4096
YAML
printf 'plans: plans.yaml\n' >>"$CONF"
odoo_start
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL|" "$CONF"

echo "# the Kenya template (account, contacts, sale_management installed; crm not), restored and sealed"
pg_psql postgres "CREATE DATABASE erp_ke OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -d erp_ke "$fixture"
pg_psql postgres "ALTER DATABASE erp_ke IS_TEMPLATE true"
pg_psql postgres "ALTER DATABASE erp_ke ALLOW_CONNECTIONS false"

as_odoo() {
        RC=0
        ERR=$(psql -X -q -v ON_ERROR_STOP=1 -At -U odoo -d "$1" -c "$2" 2>&1 >/dev/null) || RC=$?
        [ "$RC" = 0 ] || fail "as Odoo's role in $1: $ERR"
}
svc() { pg_psql vumaerp "SELECT coalesce(service_uid::text, '-') FROM tenants WHERE db_name = '$1'"; }
module() { pg_psql "$1" "SELECT state FROM ir_module_module WHERE name = '$2'"; }
keys() { pg_psql "$1" "SELECT count(*) FROM res_users_apikeys"; }
calls() { grep -c "^CALL $1 .*$2" "$ODOO_LOG" || true; }
# The home screen the tenant's administrator sees (ir.ui.menu.load_menus through a running Odoo).
menus() { # menus DB: the xml ids of the root menus shown, sorted, comma-separated
        odoo_rpc object execute_kw "[\"$1\", 2, \"adminpw\", \"ir.ui.menu\", \"load_menus\", [false]]" |
                jq -r '.result | [to_entries[] | select(.key != "root") | .value.xmlid] | sort | join(",")'
}

echo "# provision on solo"
run_json provision '{"db_name": "acme_ltd", "country": "ke", "admin_email": "a@acme.co.ke", "company_name": "Acme", "whmcs_service_id": 101}'
expect 0 '.success == true and .plan == "solo"' "provision"
# The administrator's password, as Odoo takes a plain one (and hashes it at the first login).
as_odoo acme_ltd "UPDATE res_users SET password = 'adminpw' WHERE id = 2"
[ "$(svc acme_ltd)" = - ] || fail "a service user before any app changed: $(svc acme_ltd)"
run status acme_ltd
expect 0 '.users == 1 and .over_cap == false and .cap_guard == true and .apps == {"account": "installed"}' "status after provision"
before_menus=$(menus acme_ltd)
grep -q "contacts.menu_contacts" <<<"$before_menus" && grep -q "sale.sale_menu_root" <<<"$before_menus" \
        || fail "the home screen lacks Contacts or Sales before any change: $before_menus"

echo "# upgrade: crm installed through Odoo by the service user's one-shot key"
[ "$(module acme_ltd crm)" = uninstalled ] || fail "crm: $(module acme_ltd crm)"
run plan --plan team acme_ltd
expect 0 '.success == true and .plan == "team" and .apps.installed == ["crm"] and .apps.hidden == [] and .apps.shown == []' "upgrade"
uid=$(svc acme_ltd)
[ "$uid" != - ] || fail "the service user is not recorded"
[ "$(pg_psql acme_ltd "SELECT login || ':' || active || ':' || coalesce(password, '') || ':' || share FROM res_users WHERE id = $uid")" = "__vumaerp__:false::false" ] \
        || fail "the service user: $(pg_psql acme_ltd "SELECT login, active, password, share FROM res_users WHERE id = $uid")"
[ "$(pg_psql acme_ltd "SELECT string_agg(d.name, ',' ORDER BY d.name) FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid AND d.model = 'res.groups' WHERE r.uid = $uid AND d.module = 'base' AND d.name IN ('group_user', 'group_system', 'group_erp_manager')")" = group_erp_manager,group_system,group_user ] \
        || fail "the service user's groups"
[ "$(module acme_ltd crm)" = installed ] || fail "crm not installed: $(module acme_ltd crm)"
[ "$(calls acme_ltd "uid=$uid by=apikey button_immediate_install crm$")" = 1 ] \
        || fail "no button_immediate_install of crm by the service user's API key: $(grep '^CALL' "$ODOO_LOG")"
[ "$(keys acme_ltd)" = 0 ] || fail "the one-shot key is still there"
[ "$(pg_psql vumaerp "SELECT detail->'apps' FROM operations WHERE db_name = 'acme_ltd' AND action = 'plan' AND outcome = 'ok' ORDER BY id DESC LIMIT 1")" = \
  '{"shown": [], "hidden": [], "installed": ["crm"]}' ] || fail "the upgrade's apps are not journaled"
run status acme_ltd
expect 0 '.users == 1 and .over_cap == false and .cap_guard == true and .max_users == 4 and .apps == {"account": "installed", "contacts": "installed", "sale_management": "installed", "crm": "installed"}' "status after the upgrade"

echo "# the service user is counted nowhere while nobody can sign in as it (no password, no API key)"
as_odoo acme_ltd "UPDATE res_users SET active = true WHERE id = $uid"
run status acme_ltd
expect 0 '.users == 1' "an active service user without a password or a key"
as_odoo acme_ltd "UPDATE res_users SET password = 'x' WHERE id = $uid"
run status acme_ltd
expect 0 '.users == 2' "a service user given a password is a user"
as_odoo acme_ltd "UPDATE res_users SET password = NULL WHERE id = $uid;
                  INSERT INTO res_users_apikeys (name, user_id, scope, index, key, create_date)
                  VALUES ('the customer''s', $uid, 'rpc', 'abcdefgh', 'x', now())"
run status acme_ltd
expect 0 '.users == 2' "a service user given an API key of the customer's is a user"
as_odoo acme_ltd "DELETE FROM res_users_apikeys WHERE user_id = $uid; UPDATE res_users SET active = false WHERE id = $uid"

echo "# Odoo's menu cache: an SQL change alone is not seen by a running Odoo"
as_odoo acme_ltd "UPDATE ir_ui_menu SET active = false WHERE id = (SELECT res_id FROM ir_model_data WHERE module = 'contacts' AND name = 'menu_contacts')"
[ "$(menus acme_ltd)" = "$before_menus" ] || fail "the stand-in keeps no menu cache: $(menus acme_ltd)"
run status acme_ltd
expect 0 '.apps.contacts == "hidden" and .apps.crm == "installed"' "status shows a plan's app whose menu is archived"
as_odoo acme_ltd "UPDATE ir_ui_menu SET active = true WHERE id = (SELECT res_id FROM ir_model_data WHERE module = 'contacts' AND name = 'menu_contacts')"

echo "# downgrade to a cap the tenant's users fill: the guard lets the service user in, counts it nowhere"
# A second internal user, as Odoo's ORM writes one (the row, then share computed).
as_odoo acme_ltd "INSERT INTO res_users (company_id, partner_id, login, notification_type)
                  VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), 'u1', 'email');
                  UPDATE res_users SET share = false WHERE login = 'u1'"
echo "# downgrade: the dropped apps hidden through Odoo, still installed, their data kept"
partners=$(pg_psql acme_ltd "SELECT count(*) FROM res_partner")
run plan --plan solo acme_ltd
expect 0 '.success == true and .plan == "solo" and .apps.installed == [] and .apps.hidden == ["contacts", "sale_management"] and .apps.shown == []' "downgrade"
after=$(menus acme_ltd)
grep -q "contacts.menu_contacts\|sale.sale_menu_root" <<<"$after" && fail "a running Odoo still shows the dropped apps: $after"
grep -q "account.menu_finance" <<<"$after" || fail "the plan's own app is no longer shown: $after"
for m in contacts sale_management crm; do
        [ "$(module acme_ltd $m)" = installed ] || fail "$m was uninstalled by a downgrade"
done
[ "$(pg_psql acme_ltd "SELECT count(*) FROM res_partner")" = "$partners" ] || fail "a downgrade changed the partners"
[ "$(calls acme_ltd "uid=$uid by=apikey ir.ui.menu write .* {\"active\": false}$")" = 1 ] \
        || fail "the menus were not archived through Odoo by the service user: $(grep '^CALL' "$ODOO_LOG")"
[ "$(keys acme_ltd)" = 0 ] || fail "the one-shot key is still there after the downgrade"
[ "$(pg_psql acme_ltd "SELECT active FROM res_users WHERE id = $uid")" = f ] || fail "the service user was left active"
run status acme_ltd
expect 0 '.users == 2 and .over_cap == false and .cap_guard == true and .max_users == 2 and .apps == {"account": "installed"}' "status after the downgrade"

echo "# upgrade back: shown again, nothing installed"
run plan --plan team acme_ltd
expect 0 '.apps.installed == [] and .apps.shown == ["contacts", "sale_management"] and .apps.hidden == []' "upgrade back"
for x in contacts.menu_contacts sale.sale_menu_root; do
        grep -q "$x" <<<"$(menus acme_ltd)" || fail "$x not shown again: $(menus acme_ltd)"
done
run plan --plan team acme_ltd
expect 0 '.apps.installed == [] and .apps.shown == [] and .apps.hidden == []' "the same plan again: nothing to do"

echo "# a tampered service user: a clear error, nothing changed"
guard_src() { pg_psql acme_ltd "SELECT md5(prosrc) FROM pg_proc WHERE proname = 'vumaerp_user_cap'"; }
row() { pg_psql vumaerp "SELECT plan || ':' || max_users || ':' || coalesce(service_uid::text, '-') FROM tenants WHERE db_name = '$1'"; }
src=$(guard_src); before_row=$(row acme_ltd); n_calls=$(grep -c '^CALL' "$ODOO_LOG")
as_odoo acme_ltd "DELETE FROM res_groups_users_rel WHERE uid = $uid AND gid = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'group_system')"
run plan --plan solo acme_ltd
expect 73 '.code == "service_user_tampered" and (.error | test("taken out of base.group_user or base.group_system"))' "a service user out of group_system"
[ "$(row acme_ltd)" = "$before_row" ] && [ "$(guard_src)" = "$src" ] || fail "a refused change changed the plan or the guard"
[ "$(grep -c '^CALL' "$ODOO_LOG")" = "$n_calls" ] || fail "a refused change called Odoo"
grep -q "contacts.menu_contacts" <<<"$(menus acme_ltd)" || fail "a refused change hid a menu"
as_odoo acme_ltd "INSERT INTO res_groups_users_rel (gid, uid) SELECT res_id, $uid FROM ir_model_data WHERE module = 'base' AND name = 'group_system'"
as_odoo acme_ltd "UPDATE res_users SET login = 'me' WHERE id = $uid"
run plan --plan solo acme_ltd
expect 73 '.code == "service_user_tampered" and (.error | test("login was changed"))' "a renamed service user"
[ "$(row acme_ltd)" = "$before_row" ] || fail "a refused change changed the plan"
as_odoo acme_ltd "UPDATE res_users SET login = '__vumaerp__' WHERE id = $uid"
run plan --plan solo acme_ltd
expect 0 '.apps.hidden == ["contacts", "sale_management"]' "the service user put back"

echo "# an Odoo 17 API key (as vumaerp stores one) works for RPC, never for the web login"
key=$(python3 -c 'import secrets; print(secrets.token_hex(20))')
hash=$("$(odoo_python)" -c 'import sys; from passlib.context import CryptContext as C; print(C(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000).hash(sys.argv[1]))' "$key")
login=$(pg_psql acme_ltd "SELECT login FROM res_users WHERE id = 2")
as_odoo acme_ltd "INSERT INTO res_users_apikeys (name, user_id, scope, index, key) VALUES ('test', 2, 'rpc', '${key:0:8}', '$hash')"
[ "$(odoo_rpc common authenticate "[\"acme_ltd\", \"$login\", \"$key\", {}]" | jq -c .result)" = 2 ] || fail "an API key refused for RPC"
[ "$(odoo_rpc object execute_kw "[\"acme_ltd\", 2, \"$key\", \"ir.module.module\", \"search\", [[[\"name\", \"=\", \"crm\"]]]]" | jq -c '.result | length')" = 1 ] \
        || fail "an API key refused for execute_kw"
web=$(jq -cn --arg l "$login" --arg k "$key" '{jsonrpc: "2.0", method: "call", params: {db: "acme_ltd", login: $l, password: $k}, id: 1}' |
        curl -sS --max-time 60 -H 'Content-Type: application/json' --data-binary @- "$ODOO_URL/web/session/authenticate")
jq -e '.error.data.name == "odoo.exceptions.AccessDenied"' >/dev/null <<<"$web" || fail "an API key let into the web login: $web"
[ "$(odoo_rpc common authenticate "[\"acme_ltd\", \"$login\", \"${key:0:8}0000000000000000000000000000000\", {}]" | jq -c .result)" = false ] \
        || fail "a key of the same index accepted"
as_odoo acme_ltd "DELETE FROM res_users_apikeys WHERE name = 'test'"

echo "# a user of the service login that vumaerp did not make is never used"
run_json provision '{"db_name": "beta_co", "country": "ke", "admin_email": "b@beta.co.ke", "company_name": "Beta", "whmcs_service_id": 102}'
expect 0 '.success == true' "provision beta_co"
as_odoo beta_co "INSERT INTO res_users (company_id, partner_id, login, notification_type, active, share)
                 VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), '__vumaerp__', 'email', false, false)"
n_calls=$(grep -c '^CALL' "$ODOO_LOG")
run plan --plan team beta_co
expect 73 '.code == "service_user_taken" and (.error | test("did not record"))' "a planted service login"
[ "$(row beta_co)" = "solo:2:-" ] || fail "a refused change changed beta_co's plan: $(row beta_co)"
[ "$(module beta_co crm)" = uninstalled ] && [ "$(grep -c '^CALL' "$ODOO_LOG")" = "$n_calls" ] || fail "a refused change installed crm"

echo "# Odoo unreachable: the cap put back, the plan not recorded, no key left, the service user archived"
odoo_stop
src=$(guard_src); before_row=$(row acme_ltd)
run plan --plan team --extra-users 1 acme_ltd
expect 69 '.code == "odoo_unavailable"' "a plan change while Odoo is down"
[ "$(row acme_ltd)" = "$before_row" ] && [ "$(guard_src)" = "$src" ] || fail "a failed change left the plan or the cap changed"
[ "$(keys acme_ltd)" = 0 ] || fail "a failed change left a key"
[ "$(pg_psql acme_ltd "SELECT active FROM res_users WHERE id = $uid")" = f ] || fail "a failed change left the service user active"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE db_name = 'acme_ltd' AND action = 'plan' ORDER BY id DESC LIMIT 1")" = odoo_unavailable ] \
        || fail "the failure is not journaled"

echo "# a customer's trigger refusing the service user its key: the cap put back all the same"
as_odoo acme_ltd "CREATE FUNCTION public.no_keys() RETURNS trigger LANGUAGE plpgsql AS \$\$
                  BEGIN RAISE EXCEPTION 'no keys here'; END \$\$;
                  CREATE TRIGGER no_keys BEFORE INSERT ON res_users_apikeys FOR EACH ROW EXECUTE FUNCTION public.no_keys()"
run plan --plan team --extra-users 1 acme_ltd
expect 70 '.code == "database_error" and (.error | test("no keys here"))' "a plan change whose key the tenant refuses"
[ "$(row acme_ltd)" = "$before_row" ] && [ "$(guard_src)" = "$src" ] || fail "a refused key left the plan or the cap changed"
[ "$(keys acme_ltd)" = 0 ] || fail "a refused key left a key"
as_odoo acme_ltd "DROP TRIGGER no_keys ON res_users_apikeys; DROP FUNCTION public.no_keys()"

echo "PASS"
