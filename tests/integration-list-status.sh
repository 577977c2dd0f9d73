#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-list-status.sh: vumaerp-list and vumaerp-status against a private PostgreSQL —
# which databases are tenants, their state and size, the registry's fields, the answers for
# missing, reserved and malformed names (with nothing created or dropped), and a real Odoo 17
# database restored from the fixtures when they are there.
#   VUMAERP_LIST_BENCH=N also creates N more tenant databases and times the list (slow: ~7 MB each).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
LIST="$B/vumaerp-list"
STATUS="$B/vumaerp-status"
need_built "$LIST" "$STATUS"
need_command jq

pg_start_with_config list-status

# status_json JSON: the request on stdin, as vumaerp-api sends it.
status_json() { run_json status "$1"; }
databases() { pg_psql postgres "SELECT string_agg(datname || ':' || datdba::regrole || ':' || datallowconn, ',' ORDER BY datname) FROM pg_database"; }

echo "# no tenants yet"
run_tool "$LIST" --config "$CONF"
expect 0 '.success == true and .count == 0 and .tenants == []' "empty list"

echo "# which databases are tenants"
for sql in \
        "CREATE DATABASE acme_ltd OWNER odoo" \
        "CREATE DATABASE beta_co OWNER odoo" \
        "CREATE DATABASE susp_co OWNER odoo" \
        "ALTER DATABASE susp_co ALLOW_CONNECTIONS false" \
        "CREATE DATABASE not_odoos" \
        "CREATE DATABASE erp_ke OWNER odoo" \
        "CREATE DATABASE sealed_tpl OWNER odoo IS_TEMPLATE true"; do
        pg_psql postgres "$sql"
done
pg_psql vumaerp "INSERT INTO tenants (db_name, country, company_name, admin_email, whmcs_service_id, created_at)
                 VALUES ('acme_ltd', 'ke', 'Acme Ltd', 'admin@acme.co.ke', 4242, '2024-05-06 07:08:09+00')"

run_tool "$LIST" --config "$CONF"
expect 0 '.success == true and .count == 3' "list"
expect 0 '[.tenants[].db_name] == ["acme_ltd", "beta_co", "susp_co"]' "only odoo's non-template, non-reserved databases, sorted"
expect 0 'all(.tenants[]; .size_bytes > 0 and (.size | length) > 0)' "sizes"
expect 0 '.tenants[0] | .state == "active" and .accepting_connections == true
          and .url == "https://acme-ltd.vumacloud.test" and .country == "ke" and .company_name == "Acme Ltd"
          and .admin_email == "admin@acme.co.ke" and .whmcs_service_id == 4242
          and .created_at == "2024-05-06T07:08:09Z" and .suspended_at == null' "acme_ltd with its registry record"
expect 0 '.tenants[1] | .state == "active" and .country == null and .company_name == null' "beta_co without a registry record"
expect 0 '.tenants[2] | .state == "suspended" and .accepting_connections == false' "susp_co suspended"
# The sizes are PostgreSQL's.
want=$(pg_psql postgres "SELECT pg_database_size('beta_co')")
expect 0 ".tenants[1].size_bytes == $want" "beta_co's size is pg_database_size"
expect 0 'all(.tenants[]; .size_measured_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"))' "size_measured_at"

echo "# sizes: list reports a size measured within the hour; status and --fresh-sizes measure now"
odoo_psql beta_co "CREATE TABLE filler AS SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 20000) g"
grown=$(pg_psql postgres "SELECT pg_database_size('beta_co')")
[ "$grown" -gt "$want" ] || fail "the filler table did not grow beta_co ($want -> $grown)"
run_tool "$LIST" --config "$CONF"
expect 0 ".tenants[1].size_bytes == $want" "list keeps the size measured a moment ago"
run_tool "$STATUS" --config "$CONF" beta_co
expect 0 ".size_bytes == $grown" "status measures now"
pg_psql vumaerp "UPDATE tenant_sizes SET size_bytes = 1, measured_at = now() - interval '2 hours' WHERE db_name = 'acme_ltd'"
run_tool "$LIST" --config "$CONF"
expect 0 ".tenants[1].size_bytes == $grown" "list picks up the size status measured"
expect 0 '.tenants[0].size_bytes > 1' "a size older than an hour is measured again"
pg_psql vumaerp "UPDATE tenant_sizes SET size_bytes = 1 WHERE db_name = 'beta_co'"
run_tool "$LIST" --config "$CONF" --fresh-sizes
expect 0 ".tenants[1].size_bytes == $grown" "--fresh-sizes measures every size"
# A database dropped and made again under the same name never inherits the old size.
pg_psql vumaerp "UPDATE tenant_sizes SET size_bytes = 1 WHERE db_name = 'beta_co'"
pg_psql postgres "DROP DATABASE beta_co"
pg_psql postgres "CREATE DATABASE beta_co OWNER odoo"
recreated=$(pg_psql postgres "SELECT pg_database_size('beta_co')")
run_tool "$LIST" --config "$CONF"
expect 0 ".tenants[1].size_bytes == $recreated" "a re-created database is measured, not given the old size"

echo "# a tenant an action is still making (or left half-made) says so"
pg_psql vumaerp "INSERT INTO tenants (db_name, state) VALUES ('beta_co', 'provisioning')"
run_tool "$LIST" --config "$CONF"
expect 0 '.tenants[1].db_name == "beta_co" and .tenants[1].state == "provisioning"' "provisioning shown in list"
pg_psql vumaerp "DELETE FROM tenants WHERE db_name = 'beta_co'"

echo "# status"
run_tool "$STATUS" --config "$CONF" acme_ltd
expect 0 '.success == true and .db_name == "acme_ltd" and .state == "active" and .size_bytes > 0
          and .url == "https://acme-ltd.vumacloud.test" and .company_name == "Acme Ltd" and .whmcs_service_id == 4242' "status acme_ltd"
echo "# disk: the database and its filestore's files (never through a symlink)"
fs="$tmp/conf/filestore/filestore"
mkdir -p "$fs/acme_ltd/ab" "$fs/acme_ltd/cd" "$tmp/outside"
head -c 3000 /dev/zero >"$fs/acme_ltd/ab/one"
head -c 500 /dev/zero >"$fs/acme_ltd/cd/two"
head -c 100000 /dev/zero >"$tmp/outside/big"
ln -s "$tmp/outside" "$fs/acme_ltd/ln"
ln -s "$tmp/outside/big" "$fs/acme_ltd/cd/big"
run_tool "$STATUS" --config "$CONF" acme_ltd
expect 0 '.filestore_bytes == 3500 and .disk_bytes == .size_bytes + 3500' "status counts the filestore's files"
run_tool "$LIST" --config "$CONF"
expect 0 '(.tenants[] | select(.db_name == "acme_ltd") | .disk_bytes == .size_bytes + 3500)
          and (.tenants[] | select(.db_name == "beta_co") | .filestore_bytes == 0 and .disk_bytes == .size_bytes)' "list too; no filestore is 0"

echo "# storage quota: the plan's storage_mb against disk_bytes (database and filestore), reported"
run_tool "$STATUS" --config "$CONF" acme_ltd
expect 0 '.storage_mb == null and .over_quota == null' "no plans: no quota"
cp "$CONF" "$tmp/conf/quota.yaml"
printf 'plans: plans.yaml\n' >>"$tmp/conf/quota.yaml"
# plans_yaml MB: a plan "roomy" whose quota is MB MiB, and "tiny" (1 MiB, less than any database).
plans_yaml() {
        printf 'tiny:\n  name: Tiny\n  max_users: 1\n  apps: []\n  storage_mb: 1\n  default: true\n' >"$tmp/conf/plans.yaml"
        printf 'roomy:\n  name: Roomy\n  max_users: 5\n  apps: []\n  storage_mb: %s\n' "$1" >>"$tmp/conf/plans.yaml"
}
plans_yaml 16777216
pg_psql vumaerp "UPDATE tenants SET plan = 'tiny', max_users = 1 WHERE db_name = 'acme_ltd'"
run_tool "$STATUS" --config "$tmp/conf/quota.yaml" acme_ltd
expect 0 '.plan == "tiny" and .storage_mb == 1 and .over_quota == true and .disk_bytes > 1048576' "over a 1 MiB quota"
run_tool "$LIST" --config "$tmp/conf/quota.yaml"
expect 0 '(.tenants[] | select(.db_name == "acme_ltd") | .storage_mb == 1 and .over_quota == true)
          and (.tenants[] | select(.db_name == "beta_co") | .storage_mb == null and .over_quota == null)' "list: over quota; no plan, no quota"
run_tool "$STATUS" --config "$tmp/conf/quota.yaml" acme_ltd
[ "$(pg_psql postgres "SELECT 1 FROM pg_database WHERE datname = 'acme_ltd'")" = 1 ] || fail "over quota, the tenant was removed"
expect 0 '.state == "active"' "over quota, the tenant stays active"
# A quota just above what it takes, then a filestore file that takes it past: the files count.
disk=$(jq -r .disk_bytes <<<"$OUT")
quota=$(( disk / 1048576 + 1 ))
plans_yaml "$quota"
pg_psql vumaerp "UPDATE tenants SET plan = 'roomy', max_users = 5 WHERE db_name = 'acme_ltd'"
run_tool "$STATUS" --config "$tmp/conf/quota.yaml" acme_ltd
expect 0 ".storage_mb == $quota and .over_quota == false" "under a quota of $quota MiB"
head -c $(( quota * 1048576 - $(jq -r .disk_bytes <<<"$OUT") + 4096 )) /dev/zero >"$fs/acme_ltd/ab/big"
run_tool "$STATUS" --config "$tmp/conf/quota.yaml" acme_ltd
expect 0 ".storage_mb == $quota and .over_quota == true and .disk_bytes > $quota * 1048576" "the filestore's files take it over the quota"
rm "$fs/acme_ltd/ab/big"
pg_psql vumaerp "UPDATE tenants SET plan = 'gone' WHERE db_name = 'acme_ltd'"
run_tool "$STATUS" --config "$tmp/conf/quota.yaml" acme_ltd
expect 0 '.plan == "gone" and .storage_mb == null and .over_quota == null' "a plan plans.yaml no longer has: no quota"
pg_psql vumaerp "UPDATE tenants SET plan = NULL, max_users = NULL WHERE db_name = 'acme_ltd'"

status_json '{"db_name":"susp_co"}'
expect 0 '.success == true and .db_name == "susp_co" and .state == "suspended" and .accepting_connections == false' "status --json susp_co"
run_tool "$STATUS" --config "$CONF" --db-name beta_co
expect 0 '.db_name == "beta_co" and .country == null' "status --db-name beta_co"

for name in nobody_here not_odoos sealed_tpl; do
        run_tool "$STATUS" --config "$CONF" "$name"
        expect 66 ".success == false and .code == \"no_such_tenant\"" "status of $name"
done

echo "# missing and invalid names touch nothing"
before=$(databases)
status_json '{}'
expect 64 '.success == false and .code == "missing_db_name"' "no db_name"
status_json '{"db_name":null}'
expect 64 '.code == "missing_db_name"' "db_name null"
status_json '{"db_name":5}'
expect 65 '.code == "invalid_db_name"' "db_name a number"
long=$(printf 'a%.0s' $(seq 64))
for name in 'Robert"; DROP DATABASE acme_ltd; --' '../x' 'a' "$long" 'café' 'Acme_ltd' '' '1abc' 'acme ltd' \
            'postgres' 'template0' 'template1' 'vumaerp' 'erp_ke'; do
        status_json "$(jq -cn --arg n "$name" '{db_name: $n}')"
        expect 65 '.success == false and .code == "invalid_db_name"' "status --json of '$name'"
        if [ -n "$name" ]; then
                run_tool "$STATUS" --config "$CONF" -- "$name"
                expect 65 '.code == "invalid_db_name"' "status '$name'"
        fi
done
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"

echo "# a real Odoo 17 database"
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
fixture_skipped=
if [ -f "$fixture" ]; then
        pg_psql postgres "CREATE DATABASE kenya_co"
        pg_restore --no-owner --no-acl -d kenya_co "$fixture"
        pg_psql postgres "ALTER DATABASE kenya_co OWNER TO odoo"
        run_tool "$STATUS" --config "$CONF" kenya_co
        # The restored template is about 39 MB: far above an empty database's 7 MB.
        expect 0 '.success == true and .state == "active" and .size_bytes > 20000000' "status of a restored Odoo database"
        run_tool "$LIST" --config "$CONF"
        expect 0 '.count == 4 and any(.tenants[]; .db_name == "kenya_co" and .size_bytes > 20000000)' "list with the Odoo database"
else
        fixture_skipped="no Odoo fixture at $fixture"
        echo "# skipped: $fixture_skipped"
fi

if [ -n "${VUMAERP_LIST_BENCH:-}" ]; then
        echo "# timing the list of $VUMAERP_LIST_BENCH more tenants"
        for i in $(seq -w 1 "$VUMAERP_LIST_BENCH"); do
                echo "CREATE DATABASE bench_$i OWNER odoo TEMPLATE template0;"
        done | psql -X -q -v ON_ERROR_STOP=1 -d postgres
        for i in 1 2 3; do
                start=$(date +%s%N)
                run_tool "$LIST" --config "$CONF"
                end=$(date +%s%N)
                expect 0 ".count >= $VUMAERP_LIST_BENCH" "bench list"
                echo "# list of $(jq .count <<<"$OUT") tenants: $(( (end - start) / 1000000 )) ms"
        done
fi

[ -z "$fixture_skipped" ] || skip "everything else passed; $fixture_skipped"
echo "PASS"
