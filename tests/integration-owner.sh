#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-owner.sh: a request that names its WHMCS service acts only on that service's tenant
# (issue 13, bug 1), against a private PostgreSQL with the real Odoo 17 Kenya template: another
# service's suspend, unsuspend, terminate, status, password and backup refused with 409
# owned_by_another_service and nothing changed (still active, its database, password and registry
# row as they were, no backup made); the owner's own calls go on; a tenant found by its service
# without db_name; a tenant made at the shell refused (409 unclaimed) until claimed once with
# "claim": true, then refused to any other service; a provision for a service that already has
# another live tenant refused (409 service_has_tenant) while its own retry stays idempotent; a
# terminated tenant restored after its service got another one comes back unowned; and
# the registry's migration to schema version 3 from version 2, with and without a service owning
# two live tenants.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{provision,suspend,unsuspend,terminate,status,password,backup,list,restore}
need_command jq
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"

pg_start_with_config owner
BACKUPS="$tmp/conf/backups"

access() { pg_psql postgres "SELECT CASE WHEN datallowconn THEN 't' ELSE 'f' END || ':' || datconnlimit || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'"; }
row() { pg_psql vumaerp "SELECT coalesce(whmcs_service_id::text, '-') || ':' || state || ':' || updated_at FROM tenants WHERE db_name = '$1'"; }
owner_of() { pg_psql vumaerp "SELECT coalesce(whmcs_service_id::text, '-') FROM tenants WHERE db_name = '$1'"; }
admin_hash() { pg_psql "$1" "SELECT password FROM res_users WHERE id = 2"; }
backups() { find "$BACKUPS" -type f | wc -l; }
req() { # req db_name service [jq args...]: a provision request
        local db=$1 service=$2; shift 2
        jq -cn --arg db "$db" --argjson s "$service" "$@" \
                '{db_name: $db, country: "ke", admin_email: "admin@acme.co.ke", company_name: "Acme Ltd", whmcs_service_id: $s}'
}

echo "# the Kenya template, restored and sealed by SQL"
pg_psql postgres "CREATE DATABASE erp_ke OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -d erp_ke "$fixture"
pg_psql postgres "ALTER DATABASE erp_ke IS_TEMPLATE true"
pg_psql postgres "ALTER DATABASE erp_ke ALLOW_CONNECTIONS false"

echo "# service 101's tenant"
run_json provision "$(req acme_ltd 101)"
expect 0 '.success == true and .db_name == "acme_ltd"' "provision for service 101"
[ "$(owner_of acme_ltd)" = 101 ] || fail "acme_ltd's owner: $(owner_of acme_ltd)"
before_access=$(access acme_ltd) before_row=$(row acme_ltd) before_hash=$(admin_hash acme_ltd)
unchanged() { # unchanged WHAT: acme_ltd as it was before WHAT
        [ "$(access acme_ltd)" = "$before_access" ] || fail "$1 changed acme_ltd's access: $(access acme_ltd), was $before_access"
        [ "$(row acme_ltd)" = "$before_row" ] || fail "$1 changed acme_ltd's registry row: $(row acme_ltd), was $before_row"
        [ "$(admin_hash acme_ltd)" = "$before_hash" ] || fail "$1 changed acme_ltd's admin password"
        [ "$(backups)" = 0 ] || fail "$1 made a backup: $(find "$BACKUPS" -type f)"
}

echo "# service 202 reaches none of it"
for tool in suspend unsuspend status password backup; do
        run_json "$tool" '{"db_name": "acme_ltd", "whmcs_service_id": 202}'
        expect 73 '.success == false and .code == "owned_by_another_service" and (.error | test("service 101, not to service 202"))' "$tool by service 202"
        unchanged "$tool by service 202"
done
run_json terminate '{"db_name": "acme_ltd", "whmcs_service_id": "202"}'
expect 73 '.code == "owned_by_another_service"' "terminate by service 202"
unchanged "terminate by service 202"
run_json terminate '{"db_name": "acme_ltd", "whmcs_service_id": 202, "skip_backup": true}'
expect 73 '.code == "owned_by_another_service"' "terminate by service 202 without a backup"
unchanged "terminate without a backup by service 202"
run_json suspend '{"db_name": "acme_ltd", "whmcs_service_id": 202, "claim": true}'
expect 73 '.code == "owned_by_another_service"' "a claim of an owned tenant"
unchanged "a claim of an owned tenant"
[ "$(owner_of acme_ltd)" = 101 ] || fail "a claim replaced the owner: $(owner_of acme_ltd)"
# The command line: the same options.
run suspend --whmcs-service-id 202 acme_ltd
expect 73 '.code == "owned_by_another_service"' "vumaerp-suspend --whmcs-service-id 202"
run terminate --whmcs-service-id 202 --claim acme_ltd
expect 73 '.code == "owned_by_another_service"' "vumaerp-terminate --whmcs-service-id 202 --claim"
unchanged "the command line by service 202"
# A refusal is an answer, not a failure of the action: the operation records it.
[ "$(pg_psql vumaerp "SELECT count(*) FROM operations WHERE db_name = 'acme_ltd' AND outcome = 'owned_by_another_service'")" -ge 8 ] \
        || fail "the refusals are not in the operations journal"

echo "# input"
run_json suspend '{"db_name": "acme_ltd", "whmcs_service_id": "10x"}'
expect 65 '.code == "invalid_whmcs_service_id"' "a service id that is not a number"
run_json suspend '{"db_name": "acme_ltd", "claim": true}'
expect 64 '.code == "bad_request"' "a claim without a service"
run_json status '{}'
expect 64 '.code == "missing_db_name"' "neither a name nor a service"
unchanged "refused input"

echo "# service 101 acts on its own"
run_json status '{"db_name": "acme_ltd", "whmcs_service_id": 101}'
expect 0 '.success == true and .db_name == "acme_ltd" and .whmcs_service_id == 101' "status by its owner"
run_json password '{"db_name": "acme_ltd", "whmcs_service_id": 101, "admin_password": "n3w-Passw0rd!"}'
expect 0 '.success == true' "password by its owner"
[ "$(admin_hash acme_ltd)" != "$before_hash" ] || fail "the owner's password change did not happen"
run_json suspend '{"db_name": "acme_ltd", "whmcs_service_id": 101}'
expect 0 '.status == "suspended" and .changed == true' "suspend by its owner"
run_json unsuspend '{"db_name": "acme_ltd", "whmcs_service_id": 101}'
expect 0 '.status == "active" and .changed == true' "unsuspend by its owner"

echo "# found by its service, without db_name"
run_json suspend '{"whmcs_service_id": 101}'
expect 0 '.db_name == "acme_ltd" and .status == "suspended"' "suspend by service id alone"
run status --whmcs-service-id 101
expect 0 '.db_name == "acme_ltd" and .state == "suspended"' "vumaerp-status --whmcs-service-id 101"
run_json unsuspend '{"whmcs_service_id": "101"}'
expect 0 '.db_name == "acme_ltd" and .status == "active"' "unsuspend by service id alone"
run_json suspend '{"whmcs_service_id": 202}'
expect 66 '.code == "no_such_tenant" and (.error | test("service 202 has no tenant"))' "a service without a tenant"
[ "$(access acme_ltd | cut -d: -f1)" = t ] || fail "the look-up of service 202 touched acme_ltd"

echo "# a provision for a service that has a tenant"
dbs_before=$(pg_psql postgres "SELECT count(*) FROM pg_database")
run_json provision "$(req beta_co 101)"
expect 73 '.code == "service_has_tenant" and (.error | test("service 101 already has the tenant \"acme_ltd\""))' "a second tenant for service 101"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database")" = "$dbs_before" ] || fail "a refused provision made a database"
[ -z "$(pg_psql vumaerp "SELECT 1 FROM tenants WHERE db_name = 'beta_co'")" ] || fail "a refused provision left a registry row"
run_json provision "$(req acme_ltd 101)"
expect 0 '.success == true and .db_name == "acme_ltd"' "service 101's retry of its own provision"
run_json provision "$(req gamma_co 202)"
expect 0 '.success == true and .db_name == "gamma_co"' "service 202's own tenant"

echo "# a tenant made at the shell: unclaimed until claimed once"
run_json provision '{"db_name": "shell_co", "country": "ke", "admin_email": "ops@shell.co.ke", "company_name": "Shell Co"}'
expect 0 '.success == true' "provision at the shell, no service"
pg_psql postgres "CREATE DATABASE bare_co OWNER odoo"   # made before vumaerp: no registry row at all
for db in shell_co bare_co; do
        before=$(access $db)
        for tool in suspend status terminate; do
                run_json "$tool" "{\"db_name\": \"$db\", \"whmcs_service_id\": 303}"
                expect 73 '.code == "unclaimed" and (.error | test("claim"))' "$tool of $db by service 303 without a claim"
        done
        [ "$(access $db)" = "$before" ] || fail "an unclaimed refusal changed $db"
        [ "$(owner_of $db)" = - ] || [ -z "$(owner_of $db)" ] || fail "an unclaimed refusal recorded an owner on $db: $(owner_of $db)"
done
# A service that has a tenant cannot claim another.
run_json suspend '{"db_name": "shell_co", "whmcs_service_id": 101, "claim": true}'
expect 73 '.code == "service_has_tenant"' "service 101 claiming a second tenant"
[ "$(owner_of shell_co)" = - ] || fail "a refused claim recorded an owner: $(owner_of shell_co)"
[ "$(access shell_co | cut -d: -f1)" = t ] || fail "a refused claim suspended shell_co"
run_json suspend '{"db_name": "shell_co", "whmcs_service_id": 303, "claim": true}'
expect 0 '.status == "suspended"' "service 303 claims shell_co and suspends it"
[ "$(owner_of shell_co)" = 303 ] || fail "the claim was not recorded: $(owner_of shell_co)"
run_json unsuspend '{"db_name": "shell_co", "whmcs_service_id": 404, "claim": true}'
expect 73 '.code == "owned_by_another_service" and (.error | test("service 303, not to service 404"))' "a second claim"
[ "$(access shell_co | cut -d: -f1)" = f ] || fail "a second claim unsuspended shell_co"
run_json unsuspend '{"db_name": "shell_co", "whmcs_service_id": 303}'
expect 0 '.status == "active"' "the claimant acts without claiming again"
# status claims too (it takes the lock for it), and a tenant without a row gets one.
run status --whmcs-service-id 505 --claim bare_co
expect 0 '.db_name == "bare_co" and .whmcs_service_id == 505 and .state == "active"' "vumaerp-status --claim of a tenant without a row"
[ "$(pg_psql vumaerp "SELECT whmcs_service_id || ':' || state FROM tenants WHERE db_name = 'bare_co'")" = 505:active ] \
        || fail "bare_co's row: $(pg_psql vumaerp "SELECT * FROM tenants WHERE db_name = 'bare_co'")"
run status --whmcs-service-id 606 bare_co
expect 73 '.code == "owned_by_another_service"' "status of a claimed tenant by another service"
# Without a service: as before, an admin at the shell reaches every tenant.
run status shell_co
expect 0 '.whmcs_service_id == 303' "status at the shell"

echo "# the owner terminates; its service may then have a new tenant"
run_json terminate '{"whmcs_service_id": 101}'
expect 0 '.db_name == "acme_ltd" and .status == "terminated" and (.backup.path | type) == "string"' "terminate found by service"
acme_backup=$(jq -r .backup.path <<<"$OUT")
run_json terminate '{"db_name": "acme_ltd", "whmcs_service_id": 101}'
expect 0 '.status == "terminated" and .changed == false' "its retry"
run_json terminate '{"db_name": "acme_ltd", "whmcs_service_id": 202}'
expect 73 '.code == "owned_by_another_service"' "another service's terminate of a terminated tenant"
run_json provision "$(req delta_co 101)"
expect 0 '.success == true and .db_name == "delta_co"' "a new tenant for service 101 after its termination"
# Restored now, acme_ltd cannot have service 101 back (it has delta_co): it comes back unowned.
run restore "$acme_backup"
expect 0 '.success == true and .db_name == "acme_ltd" and .status == "active"' "restore of a tenant whose service has another"
[ "$(owner_of acme_ltd):$(owner_of delta_co)" = -:101 ] || fail "owners after the restore: acme_ltd $(owner_of acme_ltd), delta_co $(owner_of delta_co)"
run_json suspend '{"db_name": "acme_ltd", "whmcs_service_id": 101}'
expect 73 '.code == "unclaimed"' "the restored tenant is unclaimed"
run_json terminate '{"db_name": "acme_ltd", "skip_backup": true}'
expect 0 '.status == "terminated"' "the admin terminates the restored copy"

echo "# the migration to schema version 3"
# The registry as schema version 2 left it: version 3's index undone, and what every later
# migration made dropped (a migration that adds something must add its undoing here).
downgrade() {
        pg_psql vumaerp "DROP INDEX tenants_whmcs_service_id_live_idx;
                         CREATE INDEX tenants_whmcs_service_id_idx ON tenants (whmcs_service_id) WHERE whmcs_service_id IS NOT NULL;
                         DROP TABLE IF EXISTS sso_tokens, offsite_objects, drills;
                         ALTER TABLE tenants DROP COLUMN IF EXISTS plan, DROP COLUMN IF EXISTS extra_users,
                                             DROP COLUMN IF EXISTS max_users, DROP COLUMN IF EXISTS plan_changed_at,
                                             DROP COLUMN IF EXISTS service_uid;
                         ALTER TABLE templates DROP COLUMN IF EXISTS apps;
                         ALTER TABLE templates DROP CONSTRAINT IF EXISTS templates_pkey;
                         ALTER TABLE templates ADD PRIMARY KEY (country);
                         DELETE FROM schema_version WHERE version >= 3"
}
indexes() { pg_psql vumaerp "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'tenants' AND indexname LIKE '%whmcs%'"; }
version() { pg_psql vumaerp "SELECT max(version) FROM schema_version"; }
latest=$(version)
[ "$latest" -ge 3 ] || fail "schema version $latest, expected 3 or later"
downgrade
[ "$(version)" = 2 ] || fail "the downgrade did not work"
run list
expect 0 '.success == true' "list migrates a version 2 registry"
[ "$(version)" = "$latest" ] || fail "not migrated: version $(version), expected $latest"
[ "$(indexes)" = tenants_whmcs_service_id_live_idx ] || fail "indexes after the migration: $(indexes)"
[ "$(pg_psql vumaerp "SELECT indexdef FROM pg_indexes WHERE indexname = 'tenants_whmcs_service_id_live_idx'")" = \
  "CREATE UNIQUE INDEX tenants_whmcs_service_id_live_idx ON public.tenants USING btree (whmcs_service_id) WHERE ((whmcs_service_id IS NOT NULL) AND (state <> 'terminated'::text))" ] \
        || fail "the index: $(pg_psql vumaerp "SELECT indexdef FROM pg_indexes WHERE indexname = 'tenants_whmcs_service_id_live_idx'")"
# The index holds even against SQL written by hand.
pg_psql vumaerp "UPDATE tenants SET whmcs_service_id = 202 WHERE db_name = 'shell_co'" 2>/dev/null \
        && fail "the registry let service 202 own two live tenants"

downgrade
# A version 2 registry where service 202 owns two live tenants (and a terminated one, which is allowed).
pg_psql vumaerp "UPDATE tenants SET whmcs_service_id = 202 WHERE db_name IN ('shell_co', 'acme_ltd')"
run list
expect 70 '.success == false and .code == "registry_error" and (.error | test("service 202 owns gamma_co, shell_co")) and (.error | test("acme_ltd") | not)' \
        "a version 2 registry with a service owning two live tenants"
[ "$(version)" = 2 ] || fail "a refused migration moved the version to $(version)"
[ "$(indexes)" = tenants_whmcs_service_id_idx ] || fail "a refused migration changed the indexes: $(indexes)"
[ "$(owner_of shell_co):$(owner_of gamma_co)" = 202:202 ] || fail "a refused migration dropped an owner"
run suspend gamma_co
expect 70 '.code == "registry_error"' "every action refuses until the registry is put right"
[ "$(access gamma_co | cut -d: -f1)" = t ] || fail "gamma_co suspended by a refused migration's action"
pg_psql vumaerp "UPDATE tenants SET whmcs_service_id = NULL WHERE db_name = 'shell_co'"
run list
expect 0 '.success == true' "the migration once the admin has put it right"
[ "$(version)" = "$latest" ] || fail "not migrated after the fix: version $(version)"

echo "PASS"
