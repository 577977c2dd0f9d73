#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# whmcs-module.sh: the WHMCS module (whmcs_module/vumaerp) — php -l on every PHP file (with every
# PHP version installed), then PHPUnit: the contract tests, and the integration tests against the
# real vumaerp-api under systemd-socket-activate over a private PostgreSQL holding the Kenya
# template restored from the fixtures and sealed by SQL (as integration-provision.sh does), with
# three plans configured (as tests/integration-plans.sh does).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"
. "$SOURCE_DIR/tests/lib/api.sh"

MODULE_DIR="$SOURCE_DIR/whmcs_module"
need_command php "package php-cli"
need_command phpunit "package phpunit"
php -r 'exit(extension_loaded("curl") ? 0 : 1);' || skip "PHP's curl extension is not installed (package php-curl)"
php -r 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);' || skip "PHP's SQLite driver is not installed (package php-sqlite3)"
need_command jq
need_built "$BUILD_DIR/bin/vumaerp-api"
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"
need_passlib

echo "# php -l"
phps=()
for p in php php7.4 php8.1 php8.2 php8.3 php8.4; do
        command -v "$p" >/dev/null && phps+=("$(readlink -f "$(command -v "$p")")")
done
mapfile -t phps < <(printf '%s\n' "${phps[@]}" | sort -u)
while IFS= read -r -d '' f; do
        for p in "${phps[@]}"; do
                "$p" -l "$f" >/dev/null || fail "$p -l $f"
        done
done < <(find "$MODULE_DIR" -name '*.php' -print0)
echo "# linted with: ${phps[*]}"

pg_start_with_config whmcs
# Single sign-on's links are made only where vumaerp can reach Odoo; nothing listens here, so a
# provision's login check finds no Odoo (login_verified null) as before.
sed -i "s|^odoo:\$|odoo:\n  url: http://127.0.0.1:$(free_port)|" "$CONF"
# Plans (issue 14), as a host that sells them has them: every tenant gets the default one unless
# its product names another; IntegrationTest::testPlans changes them through ChangePackage.
cat >"$tmp/conf/plans.yaml" <<'YAML'
solo:
  name: Solo
  max_users: 1
  apps: [account]
  storage_mb: 1024
  default: true
team:
  name: Team
  max_users: 3
  apps: [account]
  storage_mb: 2048
big:
  name: Big
  max_users: 10
  apps: [account]
  storage_mb: 4096
YAML
printf 'plans: plans.yaml\n' >>"$CONF"

echo "# the Kenya template, restored and sealed by SQL"
pg_psql postgres "CREATE DATABASE erp_ke OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -d erp_ke "$fixture"
pg_psql postgres "ALTER DATABASE erp_ke IS_TEMPLATE true"
pg_psql postgres "ALTER DATABASE erp_ke ALLOW_CONNECTIONS false"

API_LOG="$tmp/api.log"
api_start "$CONF"

# The token travels as a file name, never as a value in the environment.
rc=0
VUMAERP_TEST_API_PORT=$API_PORT VUMAERP_TEST_TOKEN_FILE="$tmp/conf/api-token" \
VUMAERP_TEST_BACKUP_DIR="$tmp/conf/backups" VUMAERP_TEST_FILESTORE_DIR="$tmp/conf/filestore/filestore" \
        phpunit --colors=never --do-not-cache-result --fail-on-skipped --fail-on-risky --bootstrap "$MODULE_DIR/tests/bootstrap.php" \
        "$MODULE_DIR/tests" || rc=$?
if [ "$rc" != 0 ]; then
        echo "# vumaerp-api's log:" >&2
        tail -n 50 "$API_LOG" >&2 || true
        fail "phpunit exited $rc"
fi
echo "PASS"
