#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# integration-provision.sh: vumaerp-provision and vumaerp-password against a private PostgreSQL
# with the real Odoo 17 Kenya template restored from the fixtures: what lands in the new database
# (checked with psql, the password with Debian's python3-passlib), generated passwords, WHMCS
# retries, 10 concurrent provisions of one name, injection attempts in every field, a missing or
# broken template (nothing half-made survives), PostgreSQL stopped in the middle of a provision,
# the filestore hard-linked, and setting the admin's password.
#   VUMAERP_PROVISION_BENCH=N also times N provisions, the bare CREATE DATABASE and one PBKDF2.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

B="$BUILD_DIR/bin"
PROVISION="$B/vumaerp-provision"
PASSWORD="$B/vumaerp-password"
need_built "$PROVISION" "$PASSWORD"
need_command jq
fixture="$FIXTURES_DIR/odoo17/erp/erp_ke.pgdump"
need_fixture "$fixture"
need_passlib

# fsync on: this test crashes PostgreSQL mid-provision and checks what survives.
PG_FSYNC=on
pg_start_with_config provision
FILESTORE="$tmp/conf/filestore/filestore"

# provision JSON, password JSON: the request on stdin, as vumaerp-api sends it; sets RC and OUT.
provision() { run_json provision "$1"; }
password() { run_json password "$1"; }
# passlib_verify PASSWORD HASH: passlib's own verdict; the password travels on stdin.
passlib_verify() {
        printf '%s\n%s' "$1" "$2" | "$PASSLIB_PYTHON" -c '
import sys
from passlib.hash import pbkdf2_sha512
pw, h = sys.stdin.read().split("\n", 1)
sys.exit(0 if pbkdf2_sha512.verify(pw, h) else 1)'
}
admin_hash() { pg_psql "$1" "SELECT password FROM res_users WHERE id = 2"; }
databases() { pg_psql postgres "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database"; }
req() { # req db_name [jq args...]: a valid request for db_name, with changes
        local db=$1; shift
        jq -cn --arg db "$db" "$@" '{db_name: $db, country: "ke", admin_email: "admin@acme.co.ke", company_name: "Acme Ltd"} + ($ARGS.named | del(.db))'
}
ms() { date +%s%3N; }

echo "# the Kenya template, restored and sealed by SQL"
start=$(ms)
pg_psql postgres "CREATE DATABASE erp_ke OWNER odoo"
pg_restore --no-owner --no-acl --role=odoo -d erp_ke "$fixture"
pg_psql postgres "ALTER DATABASE erp_ke IS_TEMPLATE true"
pg_psql postgres "ALTER DATABASE erp_ke ALLOW_CONNECTIONS false"
echo "# restored in $(( $(ms) - start )) ms"
# Read the template's values through a clone of our own (it accepts no connections).
pg_psql postgres "CREATE DATABASE tpl_peek TEMPLATE erp_ke"
tpl_uuid=$(pg_psql tpl_peek "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
tpl_secret=$(pg_psql tpl_peek "SELECT value FROM ir_config_parameter WHERE key = 'database.secret'")
# Odoo's weekly update notification to odoo.com (mail's cron), as the template has it.
update_cron() { pg_psql "$1" "SELECT c.active FROM ir_cron c JOIN ir_model_data m ON m.res_id = c.id AND m.model = 'ir.cron'
                              WHERE m.module = 'mail' AND m.name = 'ir_cron_module_update_notification'"; }
tpl_oauth=$(pg_psql tpl_peek "SELECT enabled FROM auth_oauth_provider WHERE name = 'Odoo.com Accounts'")
[ "$(update_cron tpl_peek)" = t ] || fail "the fixture's update notification cron is not active: the check below would prove nothing"
pg_psql postgres "DROP DATABASE tpl_peek"
[ -n "$tpl_uuid" ] || fail "the fixture has no database.uuid"

# A template filestore, as Odoo lays it out: <data_dir>/filestore/<db>/<2 hex>/<sha1>.
mkdir -p "$FILESTORE/erp_ke/3f" "$FILESTORE/erp_ke/a0"
printf 'logo' >"$FILESTORE/erp_ke/3f/3fd2c1e4a5b6c7d8e9f00112233445566778899a"
printf 'css' >"$FILESTORE/erp_ke/a0/a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9"

echo "# provision acme_ltd with a given password"
pw='S3cret "quoted" ünïcødé $x'"'"'; DROP TABLE res_users; --'
start=$(ms)
provision "$(req acme_ltd --arg admin_password "$pw" --argjson whmcs_service_id 4242)"
echo "# provisioned in $(( $(ms) - start )) ms"
expect 0 '.success == true and .db_name == "acme_ltd" and .url == "https://acme-ltd.vumacloud.test"
          and .admin_email == "admin@acme.co.ke" and .admin_login == "admin@acme.co.ke"
          and .country == "Kenya" and .country_code == "ke" and .company_name == "Acme Ltd"
          and .existed == false and .login_verified == null' "provision acme_ltd"
jq -e 'has("admin_password") | not' >/dev/null <<<"$OUT" || fail "the given password is echoed in the answer"
[ "$(pg_psql acme_ltd "SELECT name FROM res_company WHERE id = 1")" = "Acme Ltd" ] || fail "res_company name"
[ "$(pg_psql acme_ltd "SELECT p.name FROM res_company c JOIN res_partner p ON p.id = c.partner_id")" = "Acme Ltd" ] || fail "company partner name"
[ "$(pg_psql acme_ltd "SELECT login FROM res_users WHERE id = 2")" = "admin@acme.co.ke" ] || fail "admin login"
[ "$(pg_psql acme_ltd "SELECT p.email FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = 2")" = "admin@acme.co.ke" ] || fail "admin email"
[ "$(pg_psql acme_ltd "SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'")" = "https://acme-ltd.vumacloud.test" ] || fail "web.base.url"
[ "$(pg_psql acme_ltd "SELECT value FROM ir_config_parameter WHERE key = 'web.base.url.freeze'")" = True ] ||
        fail "web.base.url is not frozen: Odoo would rewrite it at the first admin login"
uuid=$(pg_psql acme_ltd "SELECT value FROM ir_config_parameter WHERE key = 'database.uuid'")
secret=$(pg_psql acme_ltd "SELECT value FROM ir_config_parameter WHERE key = 'database.secret'")
[[ "$uuid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] || fail "database.uuid '$uuid' is not a uuid4"
[ "$uuid" != "$tpl_uuid" ] || fail "database.uuid is the template's"
[ -n "$secret" ] && [ "$secret" != "$tpl_secret" ] || fail "database.secret is the template's"
created=$(pg_psql acme_ltd "SELECT value FROM ir_config_parameter WHERE key = 'database.create_date'")
[[ "$created" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] || fail "database.create_date '$created'"
pg_psql acme_ltd "SELECT 1 WHERE abs(extract(epoch FROM (now() AT TIME ZONE 'UTC') - '$created'::timestamp)) < 300" | grep -qx 1 \
        || fail "database.create_date $created is not now (UTC)"
hash=$(admin_hash acme_ltd)
[[ "$hash" == '$pbkdf2-sha512$600000$'* ]] || fail "the hash is not Odoo's format: $hash"
passlib_verify "$pw" "$hash" || fail "passlib does not verify the admin password"
passlib_verify "${pw}x" "$hash" && fail "passlib verifies a wrong password"
[ "$(pg_psql postgres "SELECT pg_get_userbyid(datdba) || ':' || datallowconn || ':' || datistemplate FROM pg_database WHERE datname = 'acme_ltd'")" = "odoo:true:false" ] \
        || fail "acme_ltd is not an odoo-owned, open, non-template database"
[ "$(pg_psql vumaerp "SELECT state || '|' || country || '|' || company_name || '|' || admin_email || '|' || admin_login || '|' || whmcs_service_id FROM tenants WHERE db_name = 'acme_ltd'")" \
  = "active|ke|Acme Ltd|admin@acme.co.ke|admin@acme.co.ke|4242" ] || fail "registry row: $(pg_psql vumaerp "SELECT * FROM tenants")"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE db_name = 'acme_ltd' AND action = 'provision' AND finished_at IS NOT NULL")" = "ok" ] \
        || fail "the operation is not recorded"
# Every Odoo signalling sequence moved past the template's (odoo-signal.h): a running Odoo never
# takes the clone for a database whose registry it already holds.
seqval() { pg_psql "$1" "SELECT last_value FROM public.$2"; }
[ "$(pg_psql acme_ltd "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND (relname = 'base_registry_signaling' OR relname LIKE 'base_cache_signaling_%')")" = 5 ] ||
        fail "the clone lacks Odoo 17's five signalling sequences"
for sq in base_registry_signaling base_cache_signaling_default base_cache_signaling_assets base_cache_signaling_templates base_cache_signaling_routing; do
        [ "$(seqval acme_ltd "$sq")" -gt 1000000000000000 ] || fail "$sq of the clone is still $(seqval acme_ltd "$sq") (the template's: $(seqval erp_ke "$sq" 2>/dev/null || echo ?))"
done
# odoo.update_notification is off by default: the clone does not report to odoo.com.
[ "$(update_cron acme_ltd)" = f ] || fail "the clone's update notification cron is $(update_cron acme_ltd), not off"
# The template is untouched and still sealed.
[ "$(pg_psql postgres "SELECT datistemplate || ':' || datallowconn FROM pg_database WHERE datname = 'erp_ke'")" = "true:false" ] || fail "the template changed"

echo "# the filestore is hard-linked"
for f in 3f/3fd2c1e4a5b6c7d8e9f00112233445566778899a a0/a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9; do
        [ -f "$FILESTORE/acme_ltd/$f" ] || fail "$f is not in acme_ltd's filestore"
        [ "$(stat -c %i "$FILESTORE/acme_ltd/$f")" = "$(stat -c %i "$FILESTORE/erp_ke/$f")" ] || fail "$f is not a hard link"
done

echo "# a generated password, and an admin_login of its own"
provision "$(req beta_co --arg admin_email "Boss@Beta.example" --arg admin_login "boss")"
expect 0 '.success == true and .existed == false and .admin_login == "boss" and .admin_email == "Boss@Beta.example"
          and (.admin_password | type == "string" and length == 20)' "provision beta_co"
gen=$(jq -r .admin_password <<<"$OUT")
[[ "$gen" =~ ^[2-9A-HJ-NP-Za-km-z]{20}$ ]] || fail "generated password '$gen' has letters outside the alphabet"
passlib_verify "$gen" "$(admin_hash beta_co)" || fail "passlib does not verify the generated password"
[ "$(pg_psql beta_co "SELECT u.login || '|' || p.email || '|' || p.email_normalized FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = 2")" \
  = "boss|Boss@Beta.example|boss@beta.example" ] || fail "beta_co's admin"
provision "$(req gamma_co)"
expect 0 '.success == true' "provision gamma_co"
[ "$(jq -r .admin_password <<<"$OUT")" != "$gen" ] || fail "two generated passwords are equal"

echo "# WHMCS retries"
provision "$(req acme_ltd --arg whmcs_service_id 4242)"
expect 0 '.success == true and .existed == true and (has("admin_password") | not) and .company_name == "Acme Ltd"' "same service (as a string of digits): existed"
[ "$(admin_hash acme_ltd)" = "$hash" ] || fail "a retry without a password changed it"
pw2='new pass ✓'
provision "$(req acme_ltd --argjson whmcs_service_id 4242 --arg admin_password "$pw2")"
expect 0 '.existed == true and (has("admin_password") | not)' "same service with a password: existed, password set, not echoed"
passlib_verify "$pw2" "$(admin_hash acme_ltd)" || fail "the retry's password was not set"
provision "$(req acme_ltd --argjson whmcs_service_id 4243)"
expect 73 '.success == false and .code == "db_exists"' "another service"
provision "$(req acme_ltd)"
expect 73 '.code == "db_exists"' "no service id"
provision "$(req acme_ltd --argjson whmcs_service_id 4242 --arg country ng)"
expect 73 '.code == "db_exists"' "same service, another country"
pg_psql postgres "CREATE DATABASE not_ours"
provision "$(req not_ours --argjson whmcs_service_id 1)"
expect 73 '.code == "db_exists"' "a database vumaerp did not make"
passlib_verify "$pw2" "$(admin_hash acme_ltd)" || fail "a refused provision touched acme_ltd"

echo "# 10 concurrent provisions of one name"
pids=()
for i in $(seq 1 10); do
        # Half retry the same service, half are other services.
        sid=$(( i % 2 ? 777 : 1000 + i ))
        ( rc=0; "$PROVISION" --config "$CONF" --json <<<"$(req race_co --argjson whmcs_service_id "$sid")" \
                >"$tmp/race.$i.out" 2>"$tmp/race.$i.err" || rc=$?; echo "$rc" >"$tmp/race.$i.rc" ) &
        pids+=($!)
done
wait "${pids[@]}"
created=0 existed=0 refused=0
for i in $(seq 1 10); do
        rc=$(cat "$tmp/race.$i.rc"); out=$(cat "$tmp/race.$i.out")
        case "$rc" in
        0) if jq -e '.existed == false' >/dev/null <<<"$out"; then created=$((created + 1)); else existed=$((existed + 1)); fi ;;
        73) jq -e '.code == "db_exists"' >/dev/null <<<"$out" || fail "race $i: $out"; refused=$((refused + 1)) ;;
        *) cat "$tmp/race.$i.err" >&2; fail "race $i exited $rc: $out" ;;
        esac
done
echo "# created $created, existed $existed, refused $refused"
[ "$created" = 1 ] || fail "$created provisions created race_co"
[ $((created + existed + refused)) = 10 ] || fail "not every provision answered"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'race_co'")" = 1 ] || fail "race_co"

echo "# injection and limits: refused with 400, or stored verbatim"
before=$(databases)
k10=$(head -c 10240 /dev/zero | tr '\0' 'x')
bad() { # bad DESCRIPTION CODE REQUEST
        provision "$3"
        case "$RC" in 64|65) ;; *) cat "$tmp/stderr" >&2; fail "$1: exit $RC, expected 400 (64/65): $OUT" ;; esac
        jq -e --arg c "$2" '.success == false and .code == $c' >/dev/null <<<"$OUT" || fail "$1: $OUT"
}
bad "db_name with SQL" invalid_db_name "$(req 'x"; DROP DATABASE acme_ltd; --')"
bad "db_name 10 KB" invalid_db_name "$(req "a$k10")"
bad "db_name reserved" invalid_db_name "$(req erp_ke)"
bad "db_name unicode" invalid_db_name "$(req 'café')"
bad "country with SQL" unknown_country "$(req inj_co --arg country "ke'; DROP TABLE tenants; --")"
bad "country 10 KB" unknown_country "$(req inj_co --arg country "$k10")"
bad "unknown country" unknown_country "$(req inj_co --arg country zz)"
bad "email with a semicolon" invalid_admin_email "$(req inj_co --arg admin_email "a@b.com; DROP TABLE res_users")"
bad "email with a quote in the domain" invalid_admin_email "$(req inj_co --arg admin_email "a@b'.com")"
bad "email 10 KB" invalid_admin_email "$(req inj_co --arg admin_email "$k10@example.com")"
bad "email with a newline" invalid_admin_email "$(req inj_co --arg admin_email $'a@b.com\nBcc: x@y.z')"
bad "company 10 KB" invalid_company_name "$(req inj_co --arg company_name "$k10")"
bad "company with a newline" invalid_company_name "$(req inj_co --arg company_name $'Acme\nLtd')"
bad "company of 257 characters" invalid_company_name "$(req inj_co --arg company_name "$(printf 'é%.0s' $(seq 257))")"
bad "company empty" invalid_company_name "$(req inj_co --arg company_name "")"
bad "password 10 KB" invalid_admin_password "$(req inj_co --arg admin_password "$k10")"
bad "password empty" invalid_admin_password "$(req inj_co --arg admin_password "")"
bad "login 10 KB" invalid_admin_login "$(req inj_co --arg admin_login "$k10")"
bad "service id with SQL" invalid_whmcs_service_id "$(req inj_co --arg whmcs_service_id "1; DROP TABLE tenants")"
bad "service id negative" invalid_whmcs_service_id "$(req inj_co --argjson whmcs_service_id -5)"
bad "service id 10 KB" invalid_whmcs_service_id "$(req inj_co --arg whmcs_service_id "$(head -c 10240 /dev/zero | tr '\0' '1')")"
bad "company a number" invalid_request "$(req inj_co --argjson company_name 5)"
bad "missing company" missing_field '{"db_name":"inj_co","country":"ke","admin_email":"a@b.co"}'
bad "missing db_name" missing_db_name '{"country":"ke","admin_email":"a@b.co","company_name":"x"}'
[ "$(databases)" = "$before" ] || fail "pg_database changed: $before → $(databases)"
[ "$(pg_psql vumaerp "SELECT count(*) FROM tenants WHERE db_name = 'inj_co'")" = 0 ] || fail "a refused provision left a registry row"

company="Robert'); DROP TABLE res_company; -- \"Ünïcødé\" ✓ 🚀 $(printf 'é%.0s' $(seq 200))"
email="o'brien+x@exämple.co.ke"
login="l'admin\"; DROP TABLE res_users; --"
ipw="p'w\"; DROP DATABASE acme_ltd; -- ✓"
provision "$(req inj_co --arg company_name "$company" --arg admin_email "$email" --arg admin_login "$login" --arg admin_password "$ipw")"
expect 0 '.success == true' "quotes, semicolons and unicode"
[ "$(pg_psql inj_co "SELECT name FROM res_company WHERE id = 1")" = "$company" ] || fail "the company name is not stored verbatim"
[ "$(pg_psql inj_co "SELECT p.name FROM res_company c JOIN res_partner p ON p.id = c.partner_id")" = "$company" ] || fail "the company partner's name"
[ "$(pg_psql inj_co "SELECT login FROM res_users WHERE id = 2")" = "$login" ] || fail "the login is not stored verbatim"
[ "$(pg_psql inj_co "SELECT p.email FROM res_users u JOIN res_partner p ON p.id = u.partner_id WHERE u.id = 2")" = "$email" ] || fail "the email"
[ "$(pg_psql vumaerp "SELECT company_name FROM tenants WHERE db_name = 'inj_co'")" = "$company" ] || fail "the registry's company name"
passlib_verify "$ipw" "$(admin_hash inj_co)" || fail "the injected password does not verify"
pg_psql acme_ltd "SELECT count(*) FROM res_company" >/dev/null || fail "acme_ltd lost res_company"

echo "# a missing, an unsealed and a broken template: nothing half-made survives"
provision "$(req delta_co --arg country gh)"
expect 69 '.code == "template_missing" and (.error | test("erp_gh"))' "no erp_gh"
pg_psql postgres "CREATE DATABASE erp_ng OWNER odoo"
provision "$(req delta_co --arg country ng)"
expect 69 '.code == "template_missing"' "erp_ng exists but is not a template"
# A sealed template that is not an Odoo database: the fixups fail after CREATE DATABASE.
pg_psql postgres "DROP DATABASE erp_ng"
pg_psql postgres "CREATE DATABASE erp_ng OWNER odoo IS_TEMPLATE true"
mkdir -p "$FILESTORE/erp_ng/aa" && printf x >"$FILESTORE/erp_ng/aa/aa00"
provision "$(req delta_co --arg country ng)"
[ "$RC" = 70 ] || fail "a broken template: exit $RC ($OUT)"
jq -e '.success == false and .code == "database_error"' >/dev/null <<<"$OUT" || fail "a broken template: $OUT"
[ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = 'delta_co'")" = 0 ] || fail "delta_co survived a failed provision"
[ "$(pg_psql vumaerp "SELECT count(*) FROM tenants WHERE db_name = 'delta_co'")" = 0 ] || fail "delta_co's registry row survived"
[ ! -e "$FILESTORE/delta_co" ] || fail "delta_co's filestore survived"
[ "$(pg_psql vumaerp "SELECT outcome FROM operations WHERE db_name = 'delta_co' ORDER BY id DESC LIMIT 1")" = "database_error" ] || fail "the failed operation is not recorded"

echo "# PostgreSQL stopped in the middle of a provision, then started"
restart_pg() {
        as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/run/postgres.log" -w -t 300 start >/dev/null
}
# fault_during MODE: starts a provision and stops PostgreSQL (immediate: a crash) once the
# registry row written just before CREATE DATABASE is there ("clone"), or once the new database
# is too ("fixups": CREATE DATABASE done, the fixups and the registry not). Then starts it again,
# and the next provision of the name must clean up and make the tenant whole.
fault_during() {
        local mode=$1 attempt name pid rc faulted= faulted_sid= cond sid
        for attempt in 1 2 3 4 5; do
                name="fault_${mode}_$attempt"
                # Each attempt a service of its own: a service has one live tenant (owner.h), and a
                # finished attempt's tenant stays.
                sid=$(( ${#mode} * 1000 + 9000 + attempt ))
                cond="SELECT count(*) FROM tenants WHERE db_name = '$name' AND state = 'provisioning'"
                [ "$mode" = fixups ] && cond="$cond AND EXISTS (SELECT FROM pg_database WHERE datname = '$name')"
                "$PROVISION" --config "$CONF" --json <<<"$(req "$name" --argjson whmcs_service_id "$sid")" >"$tmp/fault.out" 2>"$tmp/fault.err" &
                pid=$!
                for _ in $(seq 1 1000); do
                        [ "$(pg_psql vumaerp "$cond" 2>/dev/null)" = 1 ] && break
                        kill -0 "$pid" 2>/dev/null || break
                done
                as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null
                rc=0; wait "$pid" || rc=$?
                restart_pg
                if [ "$rc" = 0 ]; then
                        echo "# $mode, attempt $attempt: the provision finished before PostgreSQL stopped; again"
                        continue
                fi
                echo "# $mode, attempt $attempt: the interrupted provision exited $rc: $(cat "$tmp/fault.out")"
                case "$rc" in 69|75) ;; *) cat "$tmp/fault.err" >&2; fail "an interrupted provision exited $rc, expected 503" ;; esac
                faulted=$name faulted_sid=$sid
                break
        done
        [ -n "$faulted" ] || fail "could not stop PostgreSQL during a provision ($mode) in 5 attempts"
        echo "# left behind: registry $(pg_psql vumaerp "SELECT coalesce(string_agg(state, ','), 'none') FROM tenants WHERE db_name = '$faulted'"),"\
             "database $(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = '$faulted'")"
        if [ "$mode" = fixups ]; then
                [ "$(pg_psql postgres "SELECT count(*) FROM pg_database WHERE datname = '$faulted'")" = 1 ] \
                        || fail "the database made before the crash is gone already"
                # What a list shows meanwhile is the registry's truth: not an active tenant.
                [ "$(pg_psql vumaerp "SELECT state FROM tenants WHERE db_name = '$faulted'")" = provisioning ] \
                        || fail "a half-made tenant is recorded as $(pg_psql vumaerp "SELECT state FROM tenants WHERE db_name = '$faulted'")"
        fi
        provision "$(req "$faulted" --argjson whmcs_service_id "$faulted_sid" --arg admin_password "after the fault")"
        expect 0 '.success == true and .existed == false' "the next provision after the fault ($mode)"
        passlib_verify "after the fault" "$(admin_hash "$faulted")" || fail "the redone tenant's password"
        [ "$(pg_psql "$faulted" "SELECT name FROM res_company WHERE id = 1")" = "Acme Ltd" ] || fail "the redone tenant's company"
        [ "$(pg_psql vumaerp "SELECT state FROM tenants WHERE db_name = '$faulted'")" = active ] || fail "the redone tenant's registry row"
}
fault_during clone
fault_during fixups

echo "# vumaerp-password"
old=$(admin_hash beta_co)
cache_before=$(seqval beta_co base_cache_signaling_default)
registry_before=$(seqval beta_co base_registry_signaling)
password '{"db_name":"beta_co","admin_password":"Changed pw ✓ \"x\""}'
expect 0 '.success == true and .db_name == "beta_co" and .admin_login == "boss" and (has("admin_password") | not)' "set a password"
# Odoo's session tokens are an ormcache of the default cache: it is signalled, so every Odoo
# process drops them and the sessions opened with the old password end.
[ "$(seqval beta_co base_cache_signaling_default)" = $(( cache_before + 1 )) ] ||
        fail "the password change did not signal Odoo's default cache ($cache_before -> $(seqval beta_co base_cache_signaling_default))"
[ "$(seqval beta_co base_registry_signaling)" = "$registry_before" ] || fail "a password change reloads the whole registry"
passlib_verify 'Changed pw ✓ "x"' "$(admin_hash beta_co)" || fail "the new password does not verify"
passlib_verify "$gen" "$(admin_hash beta_co)" && fail "the old password still verifies"
[ "$(admin_hash beta_co)" != "$old" ] || fail "the hash did not change"
password '{"db_name":"beta_co"}'
expect 0 '.success == true and (.admin_password | length == 20)' "generate a password"
passlib_verify "$(jq -r .admin_password <<<"$OUT")" "$(admin_hash beta_co)" || fail "the generated password does not verify"
password '{"db_name":"nobody_here"}'
expect 66 '.code == "no_such_tenant"' "no such tenant"
password '{"db_name":"not_ours"}'
expect 66 '.code == "no_such_tenant"' "a database the Odoo role does not own"
password "$(jq -cn --arg p "$k10" '{db_name: "beta_co", admin_password: $p}')"
expect 65 '.code == "invalid_admin_password"' "a 10 KB password"
password '{"db_name":"x\"; DROP DATABASE beta_co; --"}'
expect 65 '.code == "invalid_db_name"' "db_name with SQL"
pg_psql postgres "ALTER DATABASE beta_co ALLOW_CONNECTIONS false"
password '{"db_name":"beta_co","admin_password":"while suspended"}'
expect 73 '.code == "tenant_suspended"' "a suspended tenant"
pg_psql postgres "ALTER DATABASE acme_ltd ALLOW_CONNECTIONS false"
provision "$(req acme_ltd --argjson whmcs_service_id 4242 --arg admin_password x)"
expect 73 '.code == "tenant_suspended"' "a retry with a password on a suspended tenant"
provision "$(req acme_ltd --argjson whmcs_service_id 4242)"
expect 0 '.existed == true' "a retry without a password on a suspended tenant"
pg_psql postgres "ALTER DATABASE acme_ltd ALLOW_CONNECTIONS true"
pg_psql postgres "ALTER DATABASE beta_co ALLOW_CONNECTIONS true"

echo "# a terminated tenant's name can be provisioned again"
old_gamma=$(seqval gamma_co base_registry_signaling)
pg_psql postgres "DROP DATABASE gamma_co"
pg_psql vumaerp "UPDATE tenants SET state = 'terminated', terminated_at = now() WHERE db_name = 'gamma_co'"
provision "$(req gamma_co --argjson whmcs_service_id 55)"
expect 0 '.existed == false' "provision over a terminated registry row"
[ "$(seqval gamma_co base_registry_signaling)" -gt "${old_gamma:-0}" ] ||
        fail "the new gamma_co's registry signal $(seqval gamma_co base_registry_signaling) is not past the old one's ${old_gamma:-?}"
[ "$(pg_psql vumaerp "SELECT state || '|' || whmcs_service_id || '|' || (terminated_at IS NULL) FROM tenants WHERE db_name = 'gamma_co'")" = "active|55|true" ] \
        || fail "gamma_co's registry row"

echo "# the new admin logs in through Odoo's JSON-RPC (the stand-in) when odoo.url is configured"
. "$SOURCE_DIR/tests/lib/odoo.sh"
odoo_start
sed "s|^odoo:\$|odoo:\n  url: $ODOO_URL|" "$CONF" >"$tmp/conf/with-odoo.yaml"
grep -q "url: $ODOO_URL" "$tmp/conf/with-odoo.yaml" || fail "could not add odoo.url to the config"
CONF_PLAIN=$CONF CONF="$tmp/conf/with-odoo.yaml"
provision "$(req odoo_co --arg admin_password "odoo checks this ✓")"
expect 0 '.success == true and .login_verified == true' "login verified through Odoo"
provision "$(req odoo_co2)"
expect 0 '.login_verified == true' "a generated password verified through Odoo"
# Odoo out of reach: the tenant is made, the login unchecked.
sed "s|^odoo:\$|odoo:\n  url: http://127.0.0.1:$(free_port)|" "$CONF_PLAIN" >"$tmp/conf/odoo-down.yaml"
CONF="$tmp/conf/odoo-down.yaml"
provision "$(req odoo_co3)"
expect 0 '.success == true and .login_verified == null' "Odoo unreachable"
CONF=$CONF_PLAIN

echo "# the ERP template has auth_oauth: the clone does not offer the Odoo.com login"
[ "$tpl_oauth" = t ] || fail "the erp_ke fixture does not enable the Odoo.com login: this check would prove nothing"
provision "$(req erp_co)"
expect 0 '.success == true' "provision erp_co"
[ "$(pg_psql erp_co "SELECT enabled::text || ':' || coalesce(client_id, 'none') FROM auth_oauth_provider WHERE name = 'Odoo.com Accounts'")" = "false:none" ] ||
        fail "the clone still offers the Odoo.com login with the template's client_id"
[ "$(pg_psql erp_co "SELECT count(*) FROM auth_oauth_provider WHERE enabled AND name <> 'Odoo.com Accounts'")" = 0 ] ||
        fail "another OAuth provider changed"
[ "$(update_cron erp_co)" = f ] || fail "erp_co's update notification cron is not off"
# A host that wants Odoo's update notification says so.
sed "s|^odoo:\$|odoo:\n  update_notification: true|" "$CONF_PLAIN" >"$tmp/conf/notify.yaml"
grep -q '^  update_notification: true$' "$tmp/conf/notify.yaml" || fail "the test config did not take update_notification"
CONF="$tmp/conf/notify.yaml"
provision "$(req erp_co2)"
CONF=$CONF_PLAIN
expect 0 '.success == true' "provision with update_notification: true"
[ "$(update_cron erp_co2)" = t ] || fail "update_notification: true did not keep the cron on"

if [ -n "${VUMAERP_PROVISION_BENCH:-}" ]; then
        echo "# timing $VUMAERP_PROVISION_BENCH provisions"
        times=()
        for i in $(seq 1 "$VUMAERP_PROVISION_BENCH"); do
                start=$(ms)
                provision "$(req "bench_$i" --arg admin_password "bench password")"
                times+=($(( $(ms) - start )))
                expect 0 '.success == true' "bench $i"
        done
        echo "# provision ms: ${times[*]}; p50 $(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
        for s in WAL_LOG FILE_COPY WAL_LOG FILE_COPY; do
                start=$(ms)
                pg_psql postgres "CREATE DATABASE bare_x TEMPLATE erp_ke OWNER odoo STRATEGY $s"
                echo "# bare CREATE DATABASE STRATEGY $s: $(( $(ms) - start )) ms"
                pg_psql postgres "DROP DATABASE bare_x"
        done
        start=$(ms)
        "$PASSLIB_PYTHON" -c 'import hashlib; hashlib.pbkdf2_hmac("sha512", b"x", b"0123456789abcdef", 600000)'
        echo "# one PBKDF2-SHA512 of 600,000 rounds (python3/OpenSSL, with interpreter start): $(( $(ms) - start )) ms"
fi

echo "PASS"
