#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-template.sh: vumaerp-template against a private PostgreSQL and the Odoo stand-in —
# sealing the real Kenya database as erp_ke (a template without connections, open sessions ended,
# renamed with its filestore, recorded with its Odoo version and modules), the refusals (bad
# input, not Odoo's, not Odoo at all, a tenant, Ghana's USD company), the list, and builds through
# Odoo's JSON-RPC database manager: Nigeria as it comes, Ghana with its currency set to GHS.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"

TEMPLATE="$BUILD_DIR/bin/vumaerp-template"
need_built "$TEMPLATE"
need_command jq
need_fixture "$FIXTURES_DIR"/odoo17/erp/erp_{ke,gh,ng}.pgdump
odoo_need

pg_start_with_config template
# The stand-in shares vumaerp's idea of Odoo's data_dir, and polls its registries as Odoo's cron
# threads do, often.
ODOO_DATA_DIR="$tmp/conf/filestore" ODOO_CRON_INTERVAL=0.2 odoo_start "master-$RANDOM-$RANDOM"
# The Odoo section: the stand-in's URL and its master password, as a credential file name.
mkdir -p "$tmp/creds"
cp "$ODOO_MASTER_FILE" "$tmp/creds/odoo-master"
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL\n  master_password_file: odoo-master|" "$CONF"
export CREDENTIALS_DIRECTORY="$tmp/creds"

tpl() { run_tool "$TEMPLATE" --config "$CONF" "$@"; }
restore() { # restore FIXTURE-COUNTRY DB: as Odoo's role, like Odoo's own restore
        pg_psql postgres "CREATE DATABASE $2 OWNER odoo"
        pg_restore --no-owner --no-acl --role=odoo -U odoo -d "$2" "$FIXTURES_DIR/odoo17/erp/erp_$1.pgdump"
}
catalog() { pg_psql postgres "SELECT datistemplate || ':' || datallowconn FROM pg_database WHERE datname = '$1'"; }
databases() { pg_psql postgres "SELECT string_agg(datname || ':' || datistemplate || ':' || datallowconn, ',' ORDER BY datname) FROM pg_database"; }

echo "# the Kenya database, restored"
restore ke kenya_src
ke_modules=$(pg_psql kenya_src "SELECT count(*) FROM ir_module_module WHERE state = 'installed'")
ke_version=$(pg_psql kenya_src "SELECT latest_version FROM ir_module_module WHERE name = 'base'")
[ "$ke_modules" = 62 ] || fail "the Kenya fixture has $ke_modules modules installed, its README says 62"
FS="$tmp/conf/filestore/filestore"
mkdir -p "$FS/kenya_src/3f"
tar -C "$FS/kenya_src" -xf "$FIXTURES_DIR/odoo17/erp/erp_ke.filestore.tar"
echo attachment >"$FS/kenya_src/3f/3f00"
ke_files=$(pg_psql kenya_src "SELECT count(DISTINCT store_fname) FROM ir_attachment WHERE store_fname <> ''")
[ "$ke_files" -gt 300 ] || fail "the Kenya fixture names only $ke_files attachment files"

echo "# refusals change nothing"
pg_psql postgres "CREATE DATABASE not_odoo OWNER odoo"
pg_psql postgres "CREATE DATABASE postgres_owned"
pg_psql postgres "CREATE DATABASE a_tenant OWNER odoo"
pg_psql vumaerp "INSERT INTO tenants (db_name, country) VALUES ('a_tenant', 'ke')" 2>/dev/null ||
        { tpl list; pg_psql vumaerp "INSERT INTO tenants (db_name, country) VALUES ('a_tenant', 'ke')"; }
before=$(databases)
tpl seal
expect 64 '.success == false and .code == "missing_country"' "seal without a country"
tpl seal zz kenya_src
expect 65 '.code == "unknown_country"' "an unknown country"
tpl seal kenya
expect 65 '.code == "unknown_country"' "a country name instead of its code"
for name in 'Kenya_src' 'x' "kenya'; DROP DATABASE kenya_src; --" 'postgres' 'template1' 'vumaerp' 'erp_ng'; do
        tpl seal ke "$name"
        expect 65 '.code == "invalid_db_name"' "seal ke '$name'"
done
run_tool "$TEMPLATE" --config "$CONF" --json <<<'{"subcommand":"seal","country":"ke","database":5}'
expect 65 '.code == "invalid_db_name"' "database given as a number"
tpl seal ke no_such_db
expect 66 '.code == "no_such_database"' "a database that does not exist"
tpl seal ke postgres_owned
expect 65 '.code == "not_owned_by_odoo"' "a database the Odoo role does not own"
tpl seal ke not_odoo
expect 65 '.code == "not_odoo"' "a database without Odoo's tables"
tpl seal ke a_tenant
expect 73 '.code == "is_tenant"' "a tenant"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE action = 'template_seal' AND db_name = 'erp_ke' ORDER BY id DESC LIMIT 1")" = is_tenant ] ||
        fail "the refused seal's code is not its outcome in the operations journal"
tpl frobnicate
expect 64 '.code == "unknown_subcommand" and (.error | contains("frobnicate"))' "an unknown subcommand, named"
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"

echo "# a template whose filestore lacks a file is not sealed (a tenant of it would answer 500 on it)"
gone=$(pg_psql kenya_src "SELECT store_fname FROM ir_attachment WHERE store_fname <> '' ORDER BY id LIMIT 1")
mv "$FS/kenya_src/$gone" "$tmp/held-back"
tpl seal ke kenya_src
expect 65 ".code == \"filestore_incomplete\" and (.error | contains(\"1 of the $ke_files files\")) and (.error | contains(\"$gone\"))" \
        "seal ke with a file missing"
[ "$(catalog kenya_src)" = "false:true" ] || fail "kenya_src was changed by a refused seal: $(catalog kenya_src)"
[ -z "$(catalog erp_ke)" ] || fail "erp_ke exists after a refused seal"
mv "$tmp/held-back" "$FS/kenya_src/$gone"

echo "# seal the Kenya database as erp_ke, with a session open on it"
psql -X -q -d kenya_src -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
sleeper=$!
for i in $(seq 1 100); do
        [ "$(pg_psql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = 'kenya_src'")" -ge 1 ] && break
        sleep 0.05
done
tpl seal ke kenya_src
expect 0 ".success == true and .country == \"ke\" and .template_db == \"erp_ke\" and .source_db == \"kenya_src\"
          and .odoo_version == \"$ke_version\" and (.odoo_version | startswith(\"17.0\"))
          and .module_count == 62 and (.modules | length) == 62 and (.modules | index(\"l10n_ke\")) != null
          and .currency == \"KES\" and .changed == true and .attachment_files == $ke_files and .missing_files == 0
          and (.sealed_at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\"))" "seal ke kenya_src"
rc=0; wait "$sleeper" || rc=$?
[ "$rc" != 0 ] || fail "the open session on kenya_src was not ended"
[ "$(catalog erp_ke)" = "true:false" ] || fail "erp_ke is not a template without connections: $(catalog erp_ke)"
[ -z "$(catalog kenya_src)" ] || fail "kenya_src still exists"
# Held (access.h): Odoo's role, which owned it, can no longer re-open it.
[ "$(pg_psql postgres "SELECT pg_catalog.pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'erp_ke'")" = vumaerp_holder ] ||
        fail "the sealed erp_ke is not owned by vumaerp_holder"
for stmt in "ALTER DATABASE erp_ke ALLOW_CONNECTIONS true" "ALTER DATABASE erp_ke IS_TEMPLATE false" "GRANT CONNECT ON DATABASE erp_ke TO odoo"; do
        psql -X -q -At -U odoo -d postgres -c "$stmt" 2>/dev/null && fail "Odoo's role could: $stmt"
done
[ -f "$tmp/conf/filestore/filestore/erp_ke/3f/3f00" ] && [ ! -e "$tmp/conf/filestore/filestore/kenya_src" ] ||
        fail "the filestore did not move with the database"
row=$(pg_psql vumaerp "SELECT db_name, source_db, odoo_version, module_count, jsonb_array_length(modules), currency FROM templates WHERE country = 'ke'")
[ "$row" = "erp_ke|kenya_src|$ke_version|62|62|KES" ] || fail "the registry's row: $row"
psql -X -q -d erp_ke -c "SELECT 1" >/dev/null 2>&1 && fail "erp_ke accepts connections"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE action = 'template_seal' AND db_name = 'erp_ke' AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1")" = ok ] ||
        fail "the seal is not in the operations journal"

tpl seal ke
expect 0 '.success == true and .changed == false and .template_db == "erp_ke" and .module_count == 62' "sealing the sealed template again"
[ "$(catalog erp_ke)" = "true:false" ] || fail "erp_ke changed on a repeated seal"

echo "# Ghana: Odoo 17 gave the company USD; seal refuses it"
restore gh ghana_src
# As Odoo 17 made it (the fixture was fixed afterwards, its README says how): USD, and the generic
# chart's United States as the fiscal country of the company, its taxes and its tax group.
odoo_psql ghana_src "UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'USD'),
                            account_fiscal_country_id = (SELECT id FROM res_country WHERE code = 'US') WHERE id = 1;
                     UPDATE account_tax SET country_id = (SELECT id FROM res_country WHERE code = 'US') WHERE company_id = 1;
                     UPDATE account_tax_group SET country_id = (SELECT id FROM res_country WHERE code = 'US')
                      WHERE company_id = 1 AND country_id IS NOT NULL"
tpl seal gh ghana_src
expect 65 '.code == "currency_mismatch" and (.error | contains("USD")) and (.error | contains("GHS"))' "seal gh with USD"
[ "$(catalog ghana_src)" = "false:true" ] || fail "ghana_src was changed by a refused seal: $(catalog ghana_src)"
[ -z "$(catalog erp_gh)" ] || fail "erp_gh exists after a refused seal"
# Kenya's database is not Nigeria's template either (its modules and currency are Kenya's).
restore ke kenya_two
tpl seal ng kenya_two
expect 65 '.code == "modules_missing" and (.error | contains("l10n_ng"))' "Kenya's database as Nigeria's template"
tpl seal ke kenya_two
expect 73 '.code == "template_exists"' "a second Kenya template while erp_ke exists"
[ "$(catalog kenya_two)" = "false:true" ] || fail "kenya_two was changed by a refused seal"

echo "# Ghana with GHS set by hand but Odoo's generic chart's fiscal country: refused"
gh_fiscal=$(pg_psql ghana_src "SELECT k.code FROM res_company c JOIN res_country k ON k.id = c.account_fiscal_country_id WHERE c.id = 1")
[ "$gh_fiscal" = US ] || fail "the Ghana fixture's fiscal country is $gh_fiscal, not the generic chart's US: this check would prove nothing"
odoo_psql ghana_src "UPDATE res_currency SET active = true WHERE name = 'GHS'; UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'GHS') WHERE id = 1"
tpl seal gh ghana_src --allow-missing-files
expect 65 '.code == "fiscal_country_mismatch" and (.error | contains("US")) and (.error | contains("GH"))' "seal gh with a US fiscal country"
[ "$(catalog ghana_src)" = "false:true" ] || fail "ghana_src was changed by a refused seal: $(catalog ghana_src)"

echo "# list"
tpl list
expect 0 '.success == true and .count == 6 and ([.templates[].country] == ["ke","ng","gh","ug","tz","rw"])' "list: every country, in config order"
expect 0 ".templates[0] | .state == \"sealed\" and .template_db == \"erp_ke\" and .odoo_version == \"$ke_version\"
          and .module_count == 62 and .size_bytes > 20000000 and (.size | length) > 0 and .sealed_at != null" "list: Kenya"
expect 0 '.templates[1] | .state == "missing" and .size_bytes == null and .odoo_version == null' "list: Nigeria before its build"
pg_psql postgres "CREATE DATABASE erp_ug OWNER odoo"
tpl list
expect 0 '.templates[3] | .state == "unsealed" and .module_count == null' "list: an unsealed Uganda template"
pg_psql postgres "DROP DATABASE erp_ug"

# Odoo's cron threads poll every database Odoo holds a registry of: one renamed or dropped behind
# its back fails there every minute.
cron_errors() { grep -c 'does not exist' "$ODOO_LOG" || true; }
quiet_cron() { # quiet_cron WHAT: a few polls later, Odoo's cron has nothing to fail on
        local before; before=$(cron_errors); sleep 1
        [ "$(cron_errors)" = "$before" ] || { tail -5 "$ODOO_LOG" >&2; fail "$1: Odoo's cron fails on a database it was not told about"; }
}
echo "# build Nigeria through Odoo's database manager"
tpl build ng
expect 0 '.success == true and .template_db == "erp_ng" and .source_db == "erp_ng_build" and .module_count == 63
          and .currency == "NGN" and .currency_fixed_from == null and .fiscal_country_fixed_from == null
          and (.modules | index("l10n_ng")) != null and .missing_files == 0 and .attachment_files > 300' "build ng"
[ "$(catalog erp_ng)" = "true:false" ] || fail "erp_ng is not sealed"
[ -z "$(catalog erp_ng_build)" ] || fail "erp_ng_build is left"
[ -d "$FS/erp_ng" ] && [ ! -e "$FS/erp_ng_build" ] || fail "the filestore did not move to erp_ng"
quiet_cron "build ng"
# The hosting policy went into the template: no update notification to odoo.com.
pg_psql postgres "CREATE DATABASE ng_peek TEMPLATE erp_ng"
[ "$(pg_psql ng_peek "SELECT c.active FROM ir_cron c JOIN ir_model_data m ON m.res_id = c.id AND m.model = 'ir.cron'
                      WHERE m.module = 'mail' AND m.name = 'ir_cron_module_update_notification'")" = f ] ||
        fail "the built template still sends Odoo's update notification"
pg_psql postgres "DROP DATABASE ng_peek"
tpl build ng
expect 73 '.code == "template_exists"' "building a template that exists"

echo "# build Ghana: the currency is set to GHS, the fiscal country and its taxes to Ghana"
tpl build gh
expect 0 '.success == true and .template_db == "erp_gh" and .currency == "GHS" and .currency_fixed_from == "USD"
          and .fiscal_country_fixed_from == "US" and .missing_files == 0' "build gh"
[ "$(catalog erp_gh)" = "true:false" ] || fail "erp_gh is not sealed"
pg_psql postgres "CREATE DATABASE gh_peek TEMPLATE erp_gh"
[ "$(pg_psql gh_peek "SELECT k.code FROM res_company c JOIN res_country k ON k.id = c.account_fiscal_country_id WHERE c.id = 1")" = GH ] ||
        fail "erp_gh's fiscal country is not Ghana"
[ "$(pg_psql gh_peek "SELECT count(*) FROM account_tax t JOIN res_country k ON k.id = t.country_id WHERE t.company_id = 1 AND k.code = 'US'")" = 0 ] ||
        fail "erp_gh still has United States taxes"
[ "$(pg_psql gh_peek "SELECT count(*) FROM account_tax_group g JOIN res_country k ON k.id = g.country_id WHERE g.company_id = 1 AND k.code = 'US'")" = 0 ] ||
        fail "erp_gh still has a United States tax group"
pg_psql postgres "DROP DATABASE gh_peek"
quiet_cron "build gh"

echo "# failed builds leave nothing behind"
before=$(databases)
echo "not-the-master" >"$tmp/creds/odoo-master"
tpl build ug
expect 78 '.code == "odoo_master_password_refused"' "a wrong master password"
rm "$tmp/creds/odoo-master"
tpl build ug
expect 78 '.code == "odoo_not_configured"' "a missing master password file"
cp "$ODOO_MASTER_FILE" "$tmp/creds/odoo-master"
# A module Odoo does not have: the build fails after Odoo made the database, and removes it.
sed -i 's/^  modules: \[account, l10n_tz_account, /  modules: [account, l10n_tz_account, no_such_module, /; s/^  modules: \[account, l10n_rw, /  modules: [account, l10n_rw, no_such_module, /' "$tmp/conf/countries.yaml"
tpl build tz
expect 70 '.code == "modules_missing"' "a module Odoo does not offer"
[ ! -e "$FS/erp_tz_build" ] && [ ! -e "$FS/erp_tz" ] || fail "the failed build left its filestore"
# An interrupted build's leftovers (a database and a filestore) go with the next build.
pg_psql postgres "CREATE DATABASE erp_rw_build OWNER odoo"
mkdir -p "$FS/erp_rw_build/ab"; echo x >"$FS/erp_rw_build/ab/abcd"
tpl build rw
expect 70 '.code == "modules_missing"' "a build after an interrupted one"
[ -z "$(catalog erp_rw_build)" ] && [ ! -e "$FS/erp_rw_build" ] || fail "the interrupted build's leftovers are still there"
quiet_cron "failed builds"
odoo_stop
tpl build ug
expect 69 '.code == "odoo_unavailable"' "Odoo down"
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"
[ ! -e "$FS/erp_rw_build" ] && [ ! -e "$FS/erp_rw" ] || fail "the failed build left its filestore"

echo "# Uganda without its filestore: refused, then sealed when told to"
restore ug uganda_src
ug_files=$(pg_psql uganda_src "SELECT count(DISTINCT store_fname) FROM ir_attachment WHERE store_fname <> ''")
tpl seal ug uganda_src
expect 65 ".code == \"filestore_incomplete\" and (.error | contains(\"$ug_files of the $ug_files files\"))" "seal ug without a filestore"
[ "$(catalog uganda_src)" = "false:true" ] || fail "uganda_src was changed by a refused seal"
tpl seal ug uganda_src --allow-missing-files
expect 0 ".success == true and .template_db == \"erp_ug\" and .attachment_files == $ug_files and .missing_files == $ug_files" \
        "seal ug --allow-missing-files"
run_tool "$TEMPLATE" --config "$CONF" --json <<<'{"subcommand":"seal","country":"ug","allow_missing_files":"perhaps"}'
expect 65 '.code == "invalid_allow_missing_files"' "allow_missing_files neither true nor false"

echo "PASS"
