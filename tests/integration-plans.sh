#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-plans.sh: plans (issue 14) against a private PostgreSQL and the real Odoo 17 Kenya
# database: a tenant provisioned on a plan gets its cap recorded, journaled and guarded inside its
# Odoo by a trigger made as Odoo's role; playing Odoo's own writes as that role (psql -U odoo),
# the cap is reached by creating a user (as Odoo's ORM does: INSERT, then share written by an
# UPDATE), by un-archiving one and by turning a portal user into an internal one, each refused
# with SQLSTATE 23514 and the customer's sentence, while portal users and archiving still go on;
# an upgrade applies at once and is journaled; a downgrade below the users is refused (409) with
# nothing changed; extra users add to the cap; another service's call is refused; a suspended
# tenant is refused; and tampering from inside the tenant (the trigger dropped as Odoo's role, a
# user's share cleared, a row-level security policy) never lowers vumaerp's count: status
# reports over_cap and the guard gone, and the next plan change puts the guard back. The route
# POST /api/v1/plan through the real vumaerp-api. Both plans name only apps the Kenya database has
# (account): a plan's apps, installed and hidden through Odoo, are integration-plan-apps.sh's.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{provision,plan,status,suspend,unsuspend}
need_command jq
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"

pg_start_with_config plans
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
  apps: [account]
  storage_mb: 4096
YAML
printf 'plans: plans.yaml\n' >>"$CONF"

row() { pg_psql vumaerp "SELECT coalesce(plan, '-') || ':' || extra_users || ':' || coalesce(max_users::text, '-') FROM tenants WHERE db_name = '$1'"; }
# as_odoo DB SQL: one statement as Odoo's role, as Odoo's ORM would run it; RC, and ERR its
# error line with the SQLSTATE (VERBOSITY verbose: "ERROR:  23514: ...").
as_odoo() {
        RC=0
        ERR=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -At -U odoo -d "$1" -c "$2" 2>&1 >/dev/null) || RC=$?
}
refused() { # refused WHAT N: the last as_odoo was refused by the guard for a cap of N
        [ "$RC" != 0 ] || fail "$1 was let through past the cap"
        grep -q "^ERROR:  23514: Your plan allows $2 users; ask your provider for more\.$" <<<"$ERR" \
                || fail "$1: not the guard's refusal: $ERR"
}
allowed() { [ "$RC" = 0 ] || fail "$1 was refused: $ERR"; }
users() { pg_psql "$1" "SELECT count(*) FROM res_users WHERE active AND share IS NOT TRUE AND id <> 1"; }
# A new internal user the way Odoo 17's ORM writes one, in one transaction: the row, then the
# computed share (psql -c runs its statements as one transaction).
new_user() { # new_user DB LOGIN
        as_odoo "$1" "INSERT INTO res_users (company_id, partner_id, login, notification_type)
                      VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), '$2', 'email');
                      UPDATE res_users SET share = false WHERE login = '$2'"
}
new_portal() {
        as_odoo "$1" "INSERT INTO res_users (company_id, partner_id, login, notification_type, share)
                      VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), '$2', 'email', true)"
}

echo "# the Kenya template, restored and sealed by SQL"
pg_psql postgres "CREATE DATABASE erp_ke OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -d erp_ke "$fixture"
pg_psql postgres "ALTER DATABASE erp_ke IS_TEMPLATE true"
pg_psql postgres "ALTER DATABASE erp_ke ALLOW_CONNECTIONS false"

echo "# provision on the default plan"
run_json provision '{"db_name": "acme_ltd", "country": "ke", "admin_email": "a@acme.co.ke", "company_name": "Acme", "whmcs_service_id": 101}'
expect 0 '.success == true and .plan == "solo" and .max_users == 2' "provision on the default plan"
[ "$(row acme_ltd)" = solo:0:2 ] || fail "registry row: $(row acme_ltd)"
[ "$(pg_psql vumaerp "SELECT detail->'plan' FROM operations WHERE db_name = 'acme_ltd' AND action = 'provision' AND outcome = 'ok'")" = \
  '{"to": "solo", "from": null, "users": 1, "extra_users": 0, "max_users_to": 2, "max_users_from": 0}' ] \
        || fail "provision's journal: $(pg_psql vumaerp "SELECT detail FROM operations WHERE db_name = 'acme_ltd' AND action = 'provision'")"
[ "$(pg_psql acme_ltd "SELECT pg_get_userbyid(p.proowner) FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgname = 'vumaerp_user_cap'")" = odoo ] \
        || fail "the guard is not Odoo's role's"
run status acme_ltd
expect 0 '.plan == "solo" and .max_users == 2 and .extra_users == 0 and .users == 1 and .over_cap == false and .cap_guard == true' "status"

run_json provision '{"db_name": "beta_co", "country": "ke", "admin_email": "b@beta.co.ke", "company_name": "Beta", "plan": "nosuch"}'
expect 65 '.code == "unknown_plan" and (.error | test("plans.yaml"))' "an unknown plan"
pg_psql postgres "SELECT 1 FROM pg_database WHERE datname = 'beta_co'" | grep -q 1 && fail "an unknown plan made a database"

echo "# the cap reached: create, un-archive, portal -> internal"
new_user acme_ltd u1; allowed "the second user"
[ "$(users acme_ltd)" = 2 ] || fail "users: $(users acme_ltd)"
new_user acme_ltd u2; refused "a third user, created" 2
as_odoo acme_ltd "INSERT INTO res_users (company_id, partner_id, login, notification_type, share)
                  VALUES (1, (SELECT partner_id FROM res_users WHERE id = 2), 'u3', 'email', false)"
refused "a third user, inserted with share" 2
new_portal acme_ltd p1; allowed "a portal user at the cap"
as_odoo acme_ltd "UPDATE res_users SET share = false WHERE login = 'p1'"; refused "a portal user made internal" 2
as_odoo acme_ltd "UPDATE res_users SET active = true WHERE id = 3"; refused "an archived user restored" 2
as_odoo acme_ltd "UPDATE res_users SET login = 'u1b', write_date = now() WHERE login = 'u1'"; allowed "an internal user edited at the cap"
as_odoo acme_ltd "UPDATE res_users SET active = false WHERE login = 'u1b'"; allowed "archiving"
as_odoo acme_ltd "UPDATE res_users SET active = true WHERE id = 3"; allowed "restoring one below the cap"
[ "$(users acme_ltd)" = 2 ] || fail "users: $(users acme_ltd)"
run status acme_ltd
expect 0 '.users == 2 and .over_cap == false and .cap_guard == true' "status at the cap"

echo "# upgrade: at once"
run plan --plan team acme_ltd
expect 0 '.success == true and .plan == "team" and .plan_name == "Team" and .max_users == 4 and .users == 2 and .previous_plan == "solo" and .previous_max_users == 2 and .changed == true' "upgrade"
[ "$(row acme_ltd)" = team:0:4 ] || fail "registry row after the upgrade: $(row acme_ltd)"
new_user acme_ltd u4; allowed "a third user after the upgrade"
as_odoo acme_ltd "UPDATE res_users SET active = true WHERE login = 'u1b'"; allowed "a fourth, restored"
new_user acme_ltd u5; refused "a fifth" 4
[ "$(pg_psql vumaerp "SELECT detail->'plan'->>'from' || '>' || (detail->'plan'->>'to') || ':' || (detail->'plan'->>'max_users_to') FROM operations WHERE db_name = 'acme_ltd' AND action = 'plan' AND outcome = 'ok' ORDER BY id DESC LIMIT 1")" = 'solo>team:4' ] \
        || fail "the upgrade is not journaled"

echo "# downgrade below the users: refused, nothing changed"
guard_src() { pg_psql acme_ltd "SELECT md5(prosrc) FROM pg_proc WHERE proname = 'vumaerp_user_cap'"; }
before_src=$(guard_src)
run plan --plan solo acme_ltd
expect 73 '.success == false and .code == "users_over_cap" and (.error | test("has 4 internal users, more than plan solo allows \\(2, with 0 extra\\): nothing was changed"))' "downgrade"
[ "$(row acme_ltd)" = team:0:4 ] || fail "a refused downgrade changed the registry: $(row acme_ltd)"
[ "$(guard_src)" = "$before_src" ] || fail "a refused downgrade changed the guard"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE db_name = 'acme_ltd' AND action = 'plan' ORDER BY id DESC LIMIT 1")" = users_over_cap ] \
        || fail "the refusal is not journaled"
new_user acme_ltd u6; refused "a fifth after the refused downgrade" 4

echo "# extra users add to the cap; absent, they are kept"
run plan --plan solo --extra-users 2 acme_ltd
expect 0 '.plan == "solo" and .max_users == 4 and .extra_users == 2 and .users == 4' "solo with 2 extra users"
run plan --plan team acme_ltd
expect 0 '.max_users == 6 and .extra_users == 2' "team keeps the extra users"
run_json plan '{"db_name": "acme_ltd", "plan": "team", "extra_users": "0"}'
expect 0 '.max_users == 4 and .extra_users == 0 and .changed == true' "extra users back to 0 (a string, as WHMCS's forms send)"
run_json plan '{"db_name": "acme_ltd", "plan": "team", "extra_users": -1}'
expect 65 '.code == "invalid_extra_users"' "negative extra users"
run_json plan '{"db_name": "acme_ltd"}'
expect 64 '.code == "missing_plan"' "no plan"

echo "# owners"
before_row=$(row acme_ltd)
run_json plan '{"db_name": "acme_ltd", "whmcs_service_id": 202, "plan": "solo", "extra_users": 9}'
expect 73 '.code == "owned_by_another_service"' "another service's plan change"
[ "$(row acme_ltd)" = "$before_row" ] || fail "another service changed the plan"
run_json plan '{"whmcs_service_id": 101, "plan": "team", "extra_users": 1}'
expect 0 '.db_name == "acme_ltd" and .max_users == 5' "the service's own tenant found by its id"

echo "# suspended: refused"
run suspend acme_ltd
expect 0 '.success == true' "suspend"
run plan --plan team --extra-users 3 acme_ltd
expect 73 '.code == "tenant_suspended"' "plan of a suspended tenant"
run status acme_ltd
expect 0 '.plan == "team" and .max_users == 5 and .users == null and .over_cap == null' "status of a suspended tenant"
run unsuspend acme_ltd
expect 0 '.success == true' "unsuspend"

echo "# tampering from inside the tenant does not change vumaerp's count"
# The customer's administrator, as Odoo's role: drops the guard, adds users past the cap.
as_odoo acme_ltd "DROP TRIGGER vumaerp_user_cap ON res_users"; allowed "dropping the guard as Odoo's role"
new_user acme_ltd t1; allowed "a user without the guard"
new_user acme_ltd t2; allowed "another"
[ "$(users acme_ltd)" = 6 ] || fail "users: $(users acme_ltd)"
run status acme_ltd
expect 0 '.users == 6 and .max_users == 5 and .over_cap == true and .cap_guard == false' "status after the guard was dropped"
# A user hidden by clearing share is still counted.
as_odoo acme_ltd "UPDATE res_users SET share = NULL WHERE login = 't2'"; allowed "share cleared"
run status acme_ltd
expect 0 '.users == 6 and .over_cap == true' "a cleared share still counts"
# A row-level security policy that hides users from vumaerp's session (its search_path) fails
# the count rather than shortening it.
as_odoo acme_ltd "ALTER TABLE res_users ENABLE ROW LEVEL SECURITY; ALTER TABLE res_users FORCE ROW LEVEL SECURITY;
                  CREATE POLICY hide ON res_users USING (current_setting('search_path') <> 'pg_catalog' OR id <= 2)"
allowed "a policy planted"
run status acme_ltd
expect 0 '.users == null and .over_cap == null' "status under a hiding policy: no count rather than a short one"
run plan --plan team --extra-users 9 acme_ltd
expect 70 '.success == false and (.error | test("row-level security"))' "a plan change under a hiding policy"
as_odoo acme_ltd "DROP POLICY hide ON res_users; ALTER TABLE res_users NO FORCE ROW LEVEL SECURITY; ALTER TABLE res_users DISABLE ROW LEVEL SECURITY"
allowed "the policy removed"
# A function of the guard's name planted with another body: status says the guard is not ours.
as_odoo acme_ltd "CREATE OR REPLACE FUNCTION public.vumaerp_user_cap() RETURNS trigger LANGUAGE plpgsql AS \$\$BEGIN RETURN NEW; END\$\$;
                  CREATE TRIGGER vumaerp_user_cap BEFORE INSERT OR UPDATE OF active, share ON res_users FOR EACH ROW EXECUTE FUNCTION public.vumaerp_user_cap()"
allowed "a fake guard"
run status acme_ltd
expect 0 '.cap_guard == false and .over_cap == true' "status with a fake guard"
# A plan change below the users is still refused; one that fits puts the guard back.
run plan --plan team --extra-users 1 acme_ltd
expect 73 '.code == "users_over_cap"' "a cap below the users after tampering"
run plan --plan team --extra-users 2 acme_ltd
expect 0 '.max_users == 6 and .users == 6' "a cap that fits"
run status acme_ltd
expect 0 '.over_cap == false and .cap_guard == true' "the guard is back"
new_user acme_ltd t3; refused "a user past the restored guard" 6

echo "# POST /api/v1/plan"
. "$(dirname "${BASH_SOURCE[0]}")/lib/api.sh"
if command -v systemd-socket-activate >/dev/null; then
        api_start "$CONF"
        token=$(cat "$tmp/conf/api-token")
        out=$(curl -sS -H "X-API-Token: $token" -H 'Content-Type: application/json' \
                -d '{"db_name": "acme_ltd", "whmcs_service_id": 101, "plan": "team", "extra_users": 3}' -w '\n%{http_code}' "$API_URL/api/v1/plan")
        [ "$(tail -1 <<<"$out")" = 200 ] && jq -e '.success == true and .max_users == 7' >/dev/null <<<"$(head -1 <<<"$out")" \
                || fail "POST /api/v1/plan: $out"
        out=$(curl -sS -H "X-API-Token: $token" -d 'db_name=acme_ltd&whmcs_service_id=101&plan=solo&extra_users=0' \
                -w '\n%{http_code}' "$API_URL/api/v1/plan")
        [ "$(tail -1 <<<"$out")" = 409 ] && jq -e '.code == "users_over_cap"' >/dev/null <<<"$(head -1 <<<"$out")" \
                || fail "POST /api/v1/plan below the users: $out"
else
        echo "(systemd-socket-activate missing: the route is not tried)"
fi

echo "PASS"
