#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-reconcile.sh: one customer, acting as Odoo's role (the owner of every active
# tenant), changes another tenant's database — CONNECTION LIMIT 0, per-database settings, a
# GRANT to PUBLIC, connections refused; status and list show each change in "drift";
# vumaerp-reconcile puts it back as the registry says, journals it, and a second run finds
# nothing. A tenant suspended the way earlier versions did (owned by Odoo's role) is moved to the
# holder, and a held tenant is out of the customers' reach to begin with.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
need_built "$B"/vumaerp-{reconcile,status,list,suspend,unsuspend}
need_command jq

pg_start_with_config reconcile

access() { pg_psql postgres "SELECT CASE WHEN datallowconn THEN 't' ELSE 'f' END || ':' || datconnlimit || ':' || pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'"; }
settings() { pg_psql postgres "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = '$1'"; }

for db in acme_ltd beta_co gamma_co legacy_co; do
        pg_psql postgres "CREATE DATABASE $db OWNER odoo"
done
run unsuspend acme_ltd && run unsuspend beta_co && run unsuspend legacy_co
run suspend gamma_co
expect 0 '.status == "suspended"' "suspend gamma_co"
run list
expect 0 '[.tenants[] | select(.drift != [])] == []' "nothing has drifted yet"

echo "# another customer, as Odoo's role, changes acme_ltd's database"
odoo_psql postgres "ALTER DATABASE acme_ltd CONNECTION LIMIT 0"
odoo_psql postgres "ALTER DATABASE acme_ltd SET default_transaction_read_only = on"
odoo_psql postgres "ALTER ROLE odoo IN DATABASE acme_ltd SET work_mem = '64kB'"
odoo_psql postgres "GRANT CONNECT ON DATABASE acme_ltd TO PUBLIC"
odoo_psql postgres "ALTER DATABASE beta_co ALLOW_CONNECTIONS false"
# and cannot touch the suspended one, which the holder owns
for stmt in "ALTER DATABASE gamma_co ALLOW_CONNECTIONS true" "ALTER DATABASE gamma_co SET work_mem = '64kB'"; do
        odoo_psql postgres "$stmt" 2>/dev/null && fail "Odoo's role could: $stmt"
done
# legacy_co: suspended as earlier versions did (owner still Odoo's role, connections off).
pg_psql postgres "ALTER DATABASE legacy_co ALLOW_CONNECTIONS false"
pg_psql vumaerp "UPDATE tenants SET state = 'suspended' WHERE db_name = 'legacy_co'"

run status acme_ltd
expect 0 '.accepting_connections == false' "status says Odoo cannot enter acme_ltd"
for want in "connection limit 0" "setting default_transaction_read_only=on" "setting work_mem=64kB for odoo" \
            "privilege CONNECT for PUBLIC"; do
        jq -e --arg w "$want" '.drift | index($w) != null' >/dev/null <<<"$OUT" || fail "status's drift lacks '$want': $OUT"
done
run list
expect 0 '[.tenants[] | select(.drift != []) | .db_name] == ["acme_ltd", "beta_co", "legacy_co"]' "list shows which drifted"
expect 0 '.tenants[] | select(.db_name == "beta_co") | .drift == ["connections refused to its owner"]' "beta_co's drift"

echo "# vumaerp-reconcile puts it back"
run reconcile
expect 0 '.success == true and .count == 3 and ([.repaired[].db_name] == ["acme_ltd", "beta_co", "legacy_co"])' "reconcile"
[ "$(access acme_ltd)" = "t:-1:odoo" ] || fail "acme_ltd after reconcile: $(access acme_ltd)"
[ "$(settings acme_ltd)" = 0 ] || fail "acme_ltd keeps per-database settings"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = 'acme_ltd' AND a.grantee = 0")" = 0 ] ||
        fail "PUBLIC keeps a privilege on acme_ltd"
[ "$(odoo_psql acme_ltd "SHOW default_transaction_read_only")" = off ] || fail "acme_ltd is still read-only for Odoo"
[ "$(access beta_co)" = "t:-1:odoo" ] || fail "beta_co after reconcile: $(access beta_co)"
[ "$(access legacy_co)" = "f:-1:vumaerp_holder" ] || fail "legacy_co after reconcile: $(access legacy_co)"
[ "$(access gamma_co)" = "f:-1:vumaerp_holder" ] || fail "gamma_co was touched: $(access gamma_co)"
grep -q "acme_ltd: its database had been changed behind vumaerp's back" "$tmp/stderr" || fail "the repair was not journalled: $(cat "$tmp/stderr")"
[ "$(pg_psql vumaerp "SELECT count(*) FROM operations WHERE action = 'reconcile' AND outcome = 'ok'")" = 3 ] ||
        fail "the repairs are not in the operations journal"

run reconcile
expect 0 '.count == 0 and .repaired == []' "a second run finds nothing"
run list
expect 0 '[.tenants[] | select(.drift != [])] == []' "nothing has drifted after reconcile"

echo "PASS"
