#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-template-plans.sh: a template per country x app set (issue 14) against a private
# PostgreSQL and the Odoo stand-in. The app set of a plan is its apps beyond the country's modules:
# empty (starter, business) the country's template, as before; crm, project and stock (growth, and
# team with the same set) a template of their own, named after the country's and the set's hash,
# built through Odoo's database manager with `vumaerp-template build ke --plan growth`, sealed and
# recorded with its apps, listed with them, and shared by the two plans. Provision on such a plan
# is refused, naming that command and changing nothing, until it is built (and a database that
# merely has its name is not taken for it); then the tenant is a clone of it, the apps installed,
# never a module installed at provision. starter and business still clone the country's template.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/odoo.sh"

B="$BUILD_DIR/bin"
TEMPLATE="$B/vumaerp-template"
need_built "$TEMPLATE" "$B/vumaerp-provision" "$B/vumaerp-list"
need_command jq sha256sum
need_fixture "$FIXTURES_DIR"/odoo17/erp/erp_ke.pgdump
odoo_need

pg_start_with_config template_plans
ODOO_DATA_DIR="$tmp/conf/filestore" ODOO_CRON_INTERVAL=0.2 odoo_start "master-$RANDOM-$RANDOM"
mkdir -p "$tmp/creds"
cp "$ODOO_MASTER_FILE" "$tmp/creds/odoo-master"
sed -i "s|^odoo:\$|odoo:\n  url: $ODOO_URL\n  master_password_file: odoo-master|" "$CONF"
export CREDENTIALS_DIRECTORY="$tmp/creds"
cat >"$tmp/conf/plans.yaml" <<'YAML'
starter:
  name: Starter
  max_users: 3
  apps: [account, contacts]
  storage_mb: 2048
  default: true
business:
  name: Business
  max_users: 10
  apps: [account, contacts, sale_management, purchase, hr]
  storage_mb: 10240
growth:
  name: Growth
  max_users: 25
  apps: [account, contacts, sale_management, purchase, hr, stock, crm, project]
  storage_mb: 51200
team:
  name: Team
  max_users: 5
  apps: [project, crm, stock]
  storage_mb: 4096
YAML
printf 'plans: plans.yaml\n' >>"$CONF"

tpl() { run_tool "$TEMPLATE" --config "$CONF" "$@"; }
provision() { # provision DB PLAN
        run_json provision "$(jq -cn --arg db "$1" --arg plan "$2" \
                '{db_name: $db, country: "ke", admin_email: "admin@acme.co.ke", company_name: "Acme Ltd", plan: $plan}')"
}
catalog() { pg_psql postgres "SELECT datistemplate || ':' || datallowconn FROM pg_database WHERE datname = '$1'"; }
databases() { pg_psql postgres "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"; }
tenants() { pg_psql vumaerp "SELECT count(*) FROM tenants"; }
installed() { # installed DB: the apps of the set that are installed in DB, "crm,project,stock" at most
        pg_psql "$1" "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM ir_module_module
                      WHERE state = 'installed' AND name IN ('crm', 'project', 'stock')"
}

# The name: the country's template, then the first 8 hex digits of the set's SHA-256.
GROWTH="erp_ke_$(printf 'crm,project,stock' | sha256sum | cut -c1-8)"
echo "# the growth and team plans' template is $GROWTH"

echo "# list: the country's template (starter, business), then the one of growth and team"
tpl list
expect 0 '[.templates[] | select(.country == "ke")] | length == 2
          and .[0].template_db == "erp_ke" and .[0].apps == [] and .[0].plans == ["starter", "business"]
          and .[0].state == "missing"' "list: Kenya's own template"
expect 0 "[.templates[] | select(.country == \"ke\")][1] | .template_db == \"$GROWTH\"
          and .apps == [\"crm\", \"project\", \"stock\"] and .plans == [\"growth\", \"team\"] and .state == \"missing\"" \
        "list: the growth and team template"
expect 0 "[.templates[] | select(.country == \"ng\")][1] | .template_db == (\"erp_ng_\" + \"${GROWTH#erp_ke_}\")" \
        "list: Nigeria's for the same set"

echo "# provision on growth before anything is built: refused, naming the command, nothing changed"
before=$(databases)
provision acme_growth growth
expect 69 ".code == \"template_missing\" and (.error | contains(\"vumaerp-template build ke --plan growth\"))
          and (.error | contains(\"$GROWTH\")) and (.error | contains(\"crm, project, stock\"))" "provision growth, no template"
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"
[ "$(tenants)" = 0 ] || fail "the refused provision left a tenants row"
provision acme_starter starter
expect 69 '.code == "template_missing" and (.error | contains("vumaerp-template build ke"))' "provision starter, no template"

echo "# refusals of build and seal"
tpl build ke --plan nope
expect 65 '.code == "unknown_plan"' "an unknown plan"
tpl build ke --plan starter
# starter adds nothing to Kenya's modules: its template is the country's (built below, or here).
expect 0 '.success == true and .template_db == "erp_ke" and .apps == [] and .plan == "starter"' "build ke --plan starter: the country's template"
tpl build ke
expect 73 '.code == "template_exists"' "the country's template exists already"

echo "# provision on growth with only the country's template: still refused"
before=$(databases)
provision acme_growth growth
expect 69 '.code == "template_missing" and (.error | contains("--plan growth"))' "provision growth, only erp_ke"
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"
[ "$(tenants)" = 0 ] || fail "the refused provision left a tenants row"

echo "# starter and business clone the country's template"
provision acme_starter starter
expect 0 '.success == true and .plan == "starter"' "provision starter"
provision acme_business business
expect 0 '.success == true and .plan == "business"' "provision business"
[ -z "$(installed acme_starter)" ] && [ -z "$(installed acme_business)" ] || fail "starter or business has growth's apps"

echo "# a database that only has the template's name is not taken for it"
pg_psql postgres "CREATE DATABASE $GROWTH OWNER odoo TEMPLATE erp_ke"
pg_psql postgres "ALTER DATABASE $GROWTH IS_TEMPLATE true"
provision acme_growth growth
expect 69 '.code == "template_missing"' "provision growth on an unrecorded database of that name"
tpl list
expect 0 "[.templates[] | select(.template_db == \"$GROWTH\")][0].state == \"unsealed\"" "list: not recorded is not sealed"
tpl build ke --plan growth
expect 73 '.code == "template_exists"' "build over a database of the template's name"
# Sealing it is refused: it lacks the apps.
pg_psql postgres "ALTER DATABASE $GROWTH IS_TEMPLATE false"
# Odoo's role owns it, as a build's template before it is sealed: still never a tenant.
run_tool "$B/vumaerp-list" --config "$CONF"
expect 0 '[.tenants[].db_name] == ["acme_business", "acme_starter"]' "list: a plan's template is not a tenant"
tpl seal ke --plan growth --allow-missing-files
expect 65 '.code == "modules_missing" and (.error | contains("crm, project, stock"))' "seal a database without the apps"
pg_psql postgres "DROP DATABASE $GROWTH"

echo "# a tenant is never named like a plan's template"
provision "$GROWTH" starter
expect 65 '.code == "invalid_db_name"' "a tenant named $GROWTH"

echo "# build growth's template through Odoo: the country's modules and the apps"
tpl build ke --plan growth
expect 0 ".success == true and .template_db == \"$GROWTH\" and .source_db == \"${GROWTH}_build\"
          and .apps == [\"crm\", \"project\", \"stock\"] and .plan == \"growth\" and .changed == true
          and (.modules | index(\"crm\")) != null and (.modules | index(\"stock\")) != null
          and (.modules | index(\"project\")) != null and (.modules | index(\"l10n_ke\")) != null" "build ke --plan growth"
[ "$(catalog "$GROWTH")" = "true:false" ] || fail "$GROWTH is not sealed: $(catalog "$GROWTH")"
[ -z "$(catalog "${GROWTH}_build")" ] || fail "${GROWTH}_build is left"
[ "$(pg_psql vumaerp "SELECT string_agg(db_name || '=' || apps::text, ' ' ORDER BY db_name) FROM templates")" \
  = "erp_ke=[] $GROWTH=[\"crm\", \"project\", \"stock\"]" ] || fail "the registry's templates: $(pg_psql vumaerp "SELECT * FROM templates")"
tpl build ke --plan team
expect 73 ".code == \"template_exists\" and (.error | contains(\"$GROWTH\"))" "team shares growth's template"
tpl seal ke --plan team
expect 0 ".success == true and .template_db == \"$GROWTH\" and .changed == false and .plan == \"team\"" "sealing it again changes nothing"
tpl list
expect 0 "[.templates[] | select(.template_db == \"$GROWTH\")][0] | .state == \"sealed\" and .module_count > 62
          and .plans == [\"growth\", \"team\"]" "list: growth's template sealed"

echo "# provision on growth and team: clones of it, the apps installed, the country's too"
provision acme_growth growth
expect 0 '.success == true and .plan == "growth"' "provision growth"
[ "$(installed acme_growth)" = crm,project,stock ] || fail "acme_growth's apps: $(installed acme_growth)"
[ "$(pg_psql acme_growth "SELECT state FROM ir_module_module WHERE name = 'l10n_ke'")" = installed ] || fail "acme_growth lacks l10n_ke"
provision acme_team team
expect 0 '.success == true and .plan == "team"' "provision team"
[ "$(installed acme_team)" = crm,project,stock ] || fail "acme_team's apps: $(installed acme_team)"
# Still nothing of growth's in the country's template's tenants.
provision acme_starter2 starter
expect 0 '.success == true' "provision starter after growth's template"
[ -z "$(installed acme_starter2)" ] || fail "a starter tenant has growth's apps"

echo "PASS"
