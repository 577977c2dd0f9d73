#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# system: the Debian package under a real systemd, as an operator installs and runs it. A Debian 12
# root (debootstrap, cached) boots under systemd-nspawn (systemd as PID 1, the container's own
# loopback, a throwaway overlay over the cache); in it: the package built from this tree
# (tools/build-deb), Debian's PostgreSQL, an Odoo-like /var/lib/odoo owned by an odoo user, and
# the Kenya fixture sealed as the template. curl then drives a tenant's whole life through
# vumaerp-api.socket and the hardened vumaerp-api@.service exactly as packaged — provision,
# status, suspend, unsuspend, password, backup, terminate — and the admin restores it. Checked:
# each answer and its effect, `systemctl status` of the socket and the timers, `journalctl -u
# 'vumaerp-*' VUMAERP_DB=…`, the catalog text `journalctl -x` shows for each MESSAGE_ID, that
# IPAddressDeny= on the socket refuses a client (when cgroup2 can be set up), and that every timer
# starts its service (a runtime drop-in makes it fire now), which does its work under its
# hardening: prune removes an expired backup, reconcile puts back a drift, the nightly backup
# backs up every active and suspended tenant, the drill restores one into its scratch database
# and records it, and the offsite push, on a host without offsite copies, succeeds doing nothing.
#
# Needs root, systemd-nspawn (systemd-container), debootstrap and the fixtures; exits 77 saying
# why without them. The root is cached in $VUMAERP_SYSTEM_CACHE (default
# /var/cache/vumaerp-system-test/bookworm): made once (about a minute plus the downloads from
# $VUMAERP_DEBIAN_MIRROR, default http://deb.debian.org/debian), then reused and never written by
# a run; delete the directory to make it again. Nothing outlives a run: no machine, no mount on the
# host, no cgroup.
set -euo pipefail
: "${SOURCE_DIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${FIXTURES_DIR:=${VUMAERP_FIXTURES:-$SOURCE_DIR/../shared/fixtures}}"
CACHE=${VUMAERP_SYSTEM_CACHE:-/var/cache/vumaerp-system-test}
MIRROR=${VUMAERP_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TENANT=acme_ltd

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "booting a container needs root"
for c in systemd-nspawn:systemd-container debootstrap:debootstrap nsenter:util-linux unshare:util-linux \
        flock:util-linux setsid:util-linux curl:curl jq:jq dpkg-buildpackage:dpkg-dev; do
        command -v "${c%%:*}" >/dev/null || skip "${c%%:*} is missing (Debian package ${c#*:}; tools/install-deps installs it)"
done
/usr/bin/python3 -c 'import passlib' 2>/dev/null || skip "python3-passlib is missing (tools/install-deps installs it)"
fixtures=$(realpath -e "$FIXTURES_DIR/odoo17/erp" 2>/dev/null) ||
        skip "the Odoo 17 fixtures are absent: $FIXTURES_DIR/odoo17/erp (set VUMAERP_FIXTURES)"
{ [ -f "$fixtures/erp_ke.pgdump" ] && [ -f "$fixtures/erp_ke.filestore.tar" ]; } || skip "no erp_ke fixture in $fixtures"
unshare --mount --pid --fork true 2>/dev/null || skip "no mount and PID namespaces here (not privileged enough to boot a container)"

started=$SECONDS
step() { echo "== $* ($((SECONDS - started)) s)"; }
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
die() { echo "FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vumaerp-system.XXXXXX)
chmod 0755 "$tmp"
build_pid='' nspawn_pid='' leader='' cgroup_name=''
teardown() {
        local rc=$?
        trap - EXIT INT TERM
        if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -n "$leader" ] && [ -d "/proc/$leader" ]; then
                echo "--- the container's failed units and vumaerp's journal:" >&2
                inside systemctl --no-pager --failed >&2 || true
                inside journalctl --no-pager -n 80 -u 'vumaerp-*' -u 'postgresql*' >&2 || true
        fi
        if [ "$rc" != 0 ] && [ "$rc" != 77 ] && [ -s "$tmp/console.log" ]; then
                echo "--- the end of the container's console:" >&2
                tail -n 30 "$tmp/console.log" >&2
        fi
        if [ -n "$build_pid" ]; then kill -TERM -- "-$build_pid" 2>/dev/null || true; fi
        if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
                # nspawn asks the container's systemd to power off; KILL is for a hung one.
                kill -TERM "$nspawn_pid" 2>/dev/null || true
                for _ in $(seq 1 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
                if kill -0 "$nspawn_pid" 2>/dev/null; then
                        echo "the container did not stop in 30 s: killed" >&2
                        if [ -n "$leader" ]; then kill -KILL "$leader" 2>/dev/null || true; fi
                        kill -KILL "$nspawn_pid" 2>/dev/null || true
                fi
                wait "$nspawn_pid" 2>/dev/null || true
        fi
        if [ -n "$cgroup_name" ]; then
                # The cgroup the container ran in (see boot): removed from a private mount of cgroup2.
                # shellcheck disable=SC2016 # expanded by the inner shell
                unshare --mount --propagation private sh -c \
                        'mount -t cgroup2 none /sys/fs/cgroup && { [ ! -d "/sys/fs/cgroup/$1" ] || find "/sys/fs/cgroup/$1" -depth -type d -exec rmdir {} +; }' \
                        sh "$cgroup_name" || echo "note: could not remove the cgroup $cgroup_name" >&2
        fi
        rm -rf "$tmp"
        exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT TERM

# The package, built while the root is made or checked (one is mostly CPU, the other mostly network).
# The unit tests already ran in this meson test run: not again in the package build.
step "building the package (tools/build-deb)"
mkdir "$tmp/deb" "$tmp/share"
DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" setsid timeout 1800 "$SOURCE_DIR/tools/build-deb" "$tmp/deb" >"$tmp/build-deb.log" 2>&1 &
build_pid=$!

# The cached root: made under an exclusive lock, used under a shared one, so that no run boots a
# root another run is still making. What it holds: systemd, PostgreSQL and vumaerp's dependencies
# (checked below against the package's own Depends:). The cluster is made with a UTF-8 locale,
# whatever this shell's is, as Odoo's databases need.
root=$CACHE/bookworm
include=systemd,systemd-sysv,dbus,postgresql,postgresql-client,acl,libjansson4,libyaml-0-2,libpq5,libcurl4,libssl3
mkdir -p "$CACHE"
exec 8>"$CACHE/lock"
flock -w 1800 8 || die "$CACHE/lock is held by another run for more than 30 minutes"
if [ "$(cat "$root/.vumaerp-system-test" 2>/dev/null)" != "$include" ]; then
        step "making the cached Debian 12 root in $root (debootstrap from $MIRROR, once)"
        rm -rf "$root.new"
        LANG=C.UTF-8 LC_ALL=C.UTF-8 timeout 1800 debootstrap --variant=minbase --include="$include" \
                bookworm "$root.new" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 || {
                tail -n 30 "$CACHE/debootstrap.log" >&2
                die "debootstrap failed (its log: $CACHE/debootstrap.log)"
        }
        grep -q "^lc_messages = 'C.UTF-8'" "$root.new"/etc/postgresql/*/main/postgresql.conf ||
                die "the PostgreSQL cluster in the new root was not made with C.UTF-8"
        rm -rf "$root.new/var/cache/apt/archives"/*.deb
        printf '%s\n' "$include" >"$root.new/.vumaerp-system-test"
        rm -rf "$root"
        mv "$root.new" "$root"
fi

step "waiting for the package"
rc=0
wait "$build_pid" || rc=$?
build_pid=
[ "$rc" = 0 ] || { cat "$tmp/build-deb.log" >&2; die "tools/build-deb failed"; }
deb=$(ls "$tmp"/deb/vumaerp_*.deb)
cp "$deb" "$tmp/share/vumaerp.deb"

# The package's Depends: that the cache lacks (a dependency added since it was made) are
# installed into it, with the network, before anything boots it.
missing=()
for d in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g'); do
        # shellcheck disable=SC2016 # a dpkg-query format
        chroot "$root" dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q 'install ok installed' || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
        step "adding ${missing[*]} to the cached root"
        timeout 900 systemd-nspawn --quiet --register=no --keep-unit -D "$root" --pipe \
                env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
                sh "${missing[@]}" >"$tmp/top-up.log" 2>&1 < /dev/null || { cat "$tmp/top-up.log" >&2; die "could not add ${missing[*]} to $root"; }
fi
flock -s 8

# Boot. IPAddressAllow=/IPAddressDeny= are BPF programs systemd attaches to cgroup v2: it needs
# the unified hierarchy and, in a container, the bpf() call and CAP_BPF, CAP_PERFMON and
# CAP_NET_ADMIN, which nspawn withholds by default; without them systemd accepts the settings and
# silently enforces nothing (tried here: not a log line). So the container gets those, and runs
# on the unified hierarchy as a Debian 12 server does: in a private mount namespace with cgroup2
# on /sys/fs/cgroup and the container in a cgroup of its own, whatever layout the host has (v1,
# hybrid). Where cgroup2 cannot be had, the container boots as the host allows and the
# IPAddressDeny= check is skipped, saying why.
step "booting the root under systemd-nspawn"
machine=vumaerp-test-$$
# shellcheck disable=SC2054 # the commas are --capability='s
nspawn=(systemd-nspawn --quiet --boot --register=no --keep-unit --private-network --volatile=overlay
        --link-journal=no --console=read-only -D "$root" -M "$machine"
        --bind-ro="$tmp/share:/mnt/vumaerp-test" --bind-ro="$fixtures:/mnt/fixtures"
        --system-call-filter=bpf --capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN)
firewall_skip=
if unshare --mount --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup' 2>"$tmp/cgroup2.err"; then
        cgroup_name=vumaerp-system-test-$$
        # shellcheck disable=SC2016 # expanded by the inner shell
        setsid unshare --mount --propagation private sh -c '
                mount -t cgroup2 none /sys/fs/cgroup && mkdir "/sys/fs/cgroup/$1" && echo $$ >"/sys/fs/cgroup/$1/cgroup.procs" || exit 1
                shift; exec "$@"' sh "$cgroup_name" "${nspawn[@]}" >"$tmp/console.log" 2>&1 </dev/null &
else
        firewall_skip="cgroup2 cannot be mounted here ($(head -c 200 "$tmp/cgroup2.err"))"
        setsid "${nspawn[@]}" >"$tmp/console.log" 2>&1 </dev/null &
fi
nspawn_pid=$!

# The leader is nspawn's child in a PID namespace of its own, once it is systemd.
for _ in $(seq 1 300); do
        kill -0 "$nspawn_pid" 2>/dev/null || { cat "$tmp/console.log" >&2; die "systemd-nspawn exited"; }
        for p in $(ps -o pid= --ppid "$nspawn_pid" 2>/dev/null); do
                [ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] &&
                        [ "$(readlink "/proc/$p/ns/pid")" != "$(readlink /proc/self/ns/pid)" ] && leader=$p
        done
        [ -n "$leader" ] && break
        sleep 0.1
done
[ -n "$leader" ] || die "no systemd in the container after 30 s"

# inside CMD...: runs CMD in the container (all its namespaces), with a clean environment.
inside() {
        timeout --kill-after=5 "${INSIDE_TIMEOUT:-120}" nsenter -t "$leader" -a \
                env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}
state=
for _ in $(seq 1 600); do
        state=$(inside systemctl is-system-running 2>/dev/null || true)
        case $state in running | degraded) break ;; esac
        sleep 0.1
done
case $state in
running) ;;
degraded) echo "note: the container booted degraded:"; inside systemctl --no-pager --failed ;;
*) die "the container's systemd did not finish booting in 60 s (state: '$state')" ;;
esac
[ "$(inside cat /etc/os-release | sed -n 's/^VERSION_ID="\(.*\)"$/\1/p')" = 12 ] || die "the container is not Debian 12"
inside test -f /mnt/fixtures/erp_ke.pgdump || die "the fixtures are not in the container"
if [ -z "$firewall_skip" ] && [ "$(inside stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
        firewall_skip="systemd in the container is not on the unified cgroup hierarchy"
fi
echo "systemd $(inside systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') is PID 1 in $machine (booted in $((SECONDS - started)) s since the start)"

# As an operator prepares the machine (README, "Installing on a server"). Odoo is there first,
# as Docker's image or Debian's odoo package lays it out: its user, its data directory (0750) and
# its role, and its database erp_ke (the fixture) with its filestore. Then the package: its postinst
# gives both users the filestore (default ACLs, and the ACL mask, which tar's 0644/0755 narrowed).
# Peer authentication maps the vumaerp user to the postgres and odoo roles. The admin seals erp_ke
# as Kenya's template.
step "Odoo's user, data directory, role and the erp_ke database with its filestore"
INSIDE_TIMEOUT=300 inside bash -euo pipefail -s >"$tmp/odoo.log" 2>&1 <<'EOS' || { cat "$tmp/odoo.log" >&2; die "preparing Odoo's side"; }
useradd --system --user-group --home-dir /var/lib/odoo --shell /usr/sbin/nologin odoo
install -d -o odoo -g odoo -m 0750 /var/lib/odoo /var/lib/odoo/filestore
for _ in $(seq 1 300); do pg_isready -q && break; sleep 0.1; done
pg_isready
runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE ROLE odoo LOGIN CREATEDB'
runuser -u postgres -- createdb -O odoo erp_ke
runuser -u postgres -- pg_restore --no-owner --role=odoo -d erp_ke /mnt/fixtures/erp_ke.pgdump
runuser -u odoo -- mkdir /var/lib/odoo/filestore/erp_ke
runuser -u odoo -- tar -C /var/lib/odoo/filestore/erp_ke -xf /mnt/fixtures/erp_ke.filestore.tar
EOS
template_files=$(inside find /var/lib/odoo/filestore/erp_ke -type f | wc -l)
[ "$template_files" -gt 700 ] || fail "the template's filestore has $template_files files"

step "dpkg -i the package, peer authentication for vumaerp, the template sealed"
inside bash -euo pipefail -s >"$tmp/setup.log" 2>&1 <<'EOS' || { cat "$tmp/setup.log" >&2; die "installing the package"; }
dpkg -i /mnt/vumaerp-test/vumaerp.deb
# Debian's pg_hba.conf has two local lines, one for postgres and one for all: both get the map.
conf=$(ls -d /etc/postgresql/*/main)
sed -i -E 's/^(local[[:space:]]+all[[:space:]]+(postgres|all)[[:space:]]+peer)[[:space:]]*$/\1 map=vumaerp/' "$conf/pg_hba.conf"
[ "$(grep -c '^local .* peer map=vumaerp$' "$conf/pg_hba.conf")" = 2 ]
cat >>"$conf/pg_ident.conf" <<'MAP'
vumaerp  postgres  postgres
vumaerp  vumaerp   postgres
vumaerp  vumaerp   odoo
vumaerp  odoo      odoo
MAP
systemctl reload "postgresql@$(basename "$(dirname "$conf")")-main"
for _ in $(seq 1 100); do runuser -u vumaerp -- psql -X -q -d postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
runuser -u vumaerp -- vumaerp-template seal ke erp_ke
EOS
grep -q 'wrote a new API token' "$tmp/setup.log" || fail "the postinst did not write an API token"
grep -q 'gave the vumaerp and odoo users read-write ACLs on /var/lib/odoo/filestore' "$tmp/setup.log" || fail "the postinst did not give the filestore's ACLs"

# psql_in DB SQL: as postgres in the container; as_odoo DB SQL: as Odoo's role.
psql_in() { local db=$1; shift; inside runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$*"; }
as_odoo() { local db=$1; shift; inside runuser -u odoo -- psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$*"; }

# The token reaches curl from a file, never argv.
( umask 077; printf 'X-API-Token: %s\n' "$(cat "/proc/$leader/root/etc/vumaerp/api-token")" >"$tmp/auth" )
grep -Eq '^X-API-Token: [0-9a-f]{64}$' "$tmp/auth" || die "the package's token is not 64 hex digits"
connections=0
# api METHOD PATH [JSON] [curl args...]: BODY and STATUS, from the container's loopback.
api() {
        local method=$1 path=$2 json=${3:-} out
        shift 3 || shift $#
        local args=(-s -o - -w '\n%{http_code}' --max-time 120 -X "$method" -H @"$tmp/auth" "$@")
        if [ -n "$json" ]; then args+=(-H 'Content-Type: application/json' -d "$json"); fi
        connections=$((connections + 1))
        out=$(nsenter -t "$leader" -n curl "${args[@]}" "http://127.0.0.1:5000$path") || true
        STATUS=${out##*$'\n'}
        BODY=${out%$'\n'*}
}
check() { jq -e "$1" >/dev/null 2>&1 <<<"$BODY" || fail "$2: $1 does not hold (HTTP $STATUS): $BODY"; }
verify_password() { # verify_password PASSWORD: Odoo's admin hash in the tenant, checked with passlib
        local hash
        hash=$(psql_in "$TENANT" "SELECT password FROM res_users WHERE id = 2")
        /usr/bin/python3 -c 'import sys; from passlib.hash import pbkdf2_sha512 as h; sys.exit(0 if h.verify(sys.argv[1], sys.argv[2]) else 1)' "$1" "$hash"
}

step "the lifecycle through vumaerp-api.socket"
api GET /health
[ "$STATUS" = 200 ] || fail "health: HTTP $STATUS $BODY"
check '.status == "ok"' "health"
connections=$((connections + 1))
bad=$(nsenter -t "$leader" -n curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'X-API-Token: not-the-token' http://127.0.0.1:5000/api/v1/list) || true
[ "$bad" = 401 ] || fail "a wrong token: HTTP $bad"

api POST /api/v1/provision "{\"db_name\":\"$TENANT\",\"country\":\"ke\",\"admin_email\":\"admin@acme.co.ke\",\"company_name\":\"Acme Ltd\",\"whmcs_service_id\":42}"
[ "$STATUS" = 200 ] || fail "provision: HTTP $STATUS $BODY"
check ".success and .db_name == \"$TENANT\" and .country == \"Kenya\" and (.admin_password | length) >= 16 and .existed == false" "provision"
password=$(jq -r '.admin_password // empty' <<<"$BODY")
{ [ -n "$password" ] && verify_password "$password"; } || fail "the provisioned password does not open Odoo's admin"
[ "$(psql_in "$TENANT" "SELECT name FROM res_company WHERE id = 1")" = "Acme Ltd" ] || fail "the tenant's company name"
[ "$(psql_in postgres "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$TENANT'")" = odoo ] || fail "the tenant is not owned by odoo"
tenant_files=$(inside find "/var/lib/odoo/filestore/$TENANT" -type f | wc -l)
[ "$tenant_files" = "$template_files" ] || fail "the tenant's filestore has $tenant_files files, the template's $template_files"
inside test -L "/var/lib/vumaerp-web/hosts/acme-ltd.vumacloud.com" || fail "no route for the tenant's host in /var/lib/vumaerp-web"
# Odoo writes into the tenant's filestore as its own user, with its usual umask; vumaerp must be
# able to back it up and remove it later (the default ACLs the postinst gave).
inside runuser -u odoo -- sh -c "umask 022 && mkdir -p /var/lib/odoo/filestore/$TENANT/zz && echo new >/var/lib/odoo/filestore/$TENANT/zz/zzfile" ||
        fail "Odoo's user cannot write into the tenant's filestore"

api GET "/api/v1/status?db_name=$TENANT"
[ "$STATUS" = 200 ] || fail "status: HTTP $STATUS $BODY"
check '.state == "active" and .country == "ke" and .company_name == "Acme Ltd" and .whmcs_service_id == 42 and .installed_modules == 62' "status"
api GET "/api/v1/status?db_name=no_such_co"
[ "$STATUS" = 404 ] || fail "status of an unknown tenant: HTTP $STATUS $BODY"

api POST /api/v1/suspend "{\"db_name\":\"$TENANT\",\"reason\":\"invoice 42 overdue\"}"
[ "$STATUS" = 200 ] || fail "suspend: HTTP $STATUS $BODY"
check '.status == "suspended"' "suspend"
err=$(as_odoo "$TENANT" 'SELECT 1' 2>&1 || true)
grep -q 'not currently accepting connections\|permission denied' <<<"$err" || fail "Odoo's role still enters a suspended tenant: $err"
inside grep -q 'invoice 42 overdue' "/var/lib/vumaerp-web/tenants/$TENANT/suspended.html" || fail "no suspension page with the reason"
api POST /api/v1/unsuspend "{\"db_name\":\"$TENANT\"}"
[ "$STATUS" = 200 ] || fail "unsuspend: HTTP $STATUS $BODY"
check '.status == "active"' "unsuspend"
[ "$(as_odoo "$TENANT" 'SELECT 1' 2>&1)" = 1 ] || fail "Odoo's role cannot enter the unsuspended tenant"
inside test ! -e "/var/lib/vumaerp-web/tenants/$TENANT/suspended.html" || fail "the suspension page outlived unsuspend"

api POST /api/v1/password "{\"db_name\":\"$TENANT\",\"admin_password\":\"n3w-Passw0rd!\"}"
[ "$STATUS" = 200 ] || fail "password: HTTP $STATUS $BODY"
verify_password 'n3w-Passw0rd!' || fail "the new password does not verify"
if verify_password "$password"; then fail "the old password still verifies"; fi

api POST /api/v1/backup "{\"db_name\":\"$TENANT\"}"
[ "$STATUS" = 200 ] || fail "backup: HTTP $STATUS $BODY"
backup=$(jq -r '.backup.path // empty' <<<"$BODY")
case $backup in /var/lib/vumaerp/backups/"$TENANT"/*.dump) ;; *) fail "the backup is at '$backup'" ;; esac
[ "$(inside stat -c '%U %a' "$backup")" = "vumaerp 600" ] || fail "the backup is $(inside stat -c '%U %a' "$backup")"
[ "$(inside sha256sum "$backup" | cut -d' ' -f1)" = "$(jq -r .backup.sha256 <<<"$BODY")" ] || fail "the backup's sha256"
inside runuser -u vumaerp -- pg_restore --list "$backup" >/dev/null || fail "the backup is not a dump pg_restore reads"
inside test -s "${backup%.dump}.filestore.tar" || fail "the backup has no filestore archive"

api POST /api/v1/terminate "{\"db_name\":\"$TENANT\",\"skip_backup\":false}"
[ "$STATUS" = 200 ] || fail "terminate: HTTP $STATUS $BODY"
check '.status == "terminated" and (.backup.sha256 | length) == 64' "terminate"
final=$(jq -r '.backup.path // empty' <<<"$BODY")
[ "$(psql_in postgres "SELECT count(*) FROM pg_database WHERE datname = '$TENANT'")" = 0 ] || fail "the database survived terminate"
inside test ! -e "/var/lib/odoo/filestore/$TENANT" || fail "the filestore survived terminate (Odoo's own file in it?)"
inside test ! -e "/var/lib/vumaerp-web/hosts/acme-ltd.vumacloud.com" || fail "the host's route survived terminate"
api GET "/api/v1/status?db_name=$TENANT"
[ "$STATUS" = 404 ] || fail "status after terminate: HTTP $STATUS $BODY"

# Restore is an admin's command (the API has none): as the vumaerp user, from terminate's backup.
step "restore (the admin, as the vumaerp user)"
if INSIDE_TIMEOUT=300 inside runuser -u vumaerp -- vumaerp-restore "$final" >"$tmp/restore.json" 2>"$tmp/restore.err"; then
        BODY=$(cat "$tmp/restore.json") STATUS=exit-0
        check ".success and .db_name == \"$TENANT\"" "restore"
else
        fail "vumaerp-restore $final: $(cat "$tmp/restore.json" "$tmp/restore.err")"
fi
[ "$(psql_in "$TENANT" "SELECT name FROM res_company WHERE id = 1")" = "Acme Ltd" ] || fail "the restored tenant's company"
verify_password 'n3w-Passw0rd!' || fail "the restored tenant lost its password"
inside test -f "/var/lib/odoo/filestore/$TENANT/zz/zzfile" || fail "the restored filestore lacks the file Odoo wrote"
restored_files=$(inside find "/var/lib/odoo/filestore/$TENANT" -type f | wc -l)
[ "$restored_files" = $((template_files + 1)) ] || fail "the restored filestore has $restored_files files, not $((template_files + 1))"
inside runuser -u odoo -- touch "/var/lib/odoo/filestore/$TENANT/zz/after-restore" || fail "Odoo's user cannot write into the restored filestore"
api GET "/api/v1/status?db_name=$TENANT"
[ "$STATUS" = 200 ] || fail "status after restore: HTTP $STATUS $BODY"
check '.state == "active" and .company_name == "Acme Ltd"' "status after restore"

step "systemctl status of the socket and the timers"
out=$(inside systemctl status --no-pager vumaerp-api.socket) || fail "systemctl status vumaerp-api.socket exits non-zero"
grep -q 'Active: active (listening)' <<<"$out" || fail "the socket is not listening: $out"
grep -q 'Listen: 127.0.0.1:5000 (Stream)' <<<"$out" || fail "the socket does not listen on 127.0.0.1:5000: $out"
accepted=$(sed -n 's/.*Accepted: \([0-9]*\);.*/\1/p' <<<"$out")
[ "${accepted:-0}" -ge "$connections" ] || fail "the socket counted ${accepted:-no} connections, the test made $connections: $out"
timers="vumaerp-backup-prune vumaerp-reconcile vumaerp-backup-daily vumaerp-drill vumaerp-offsite-push"
for t in $timers; do
        out=$(inside systemctl status --no-pager "$t.timer") || fail "systemctl status $t.timer exits non-zero"
        grep -q 'Active: active (waiting)' <<<"$out" || fail "$t.timer is not waiting: $out"
        grep -q "Triggers: ● $t.service" <<<"$out" || fail "$t.timer does not trigger $t.service: $out"
        grep -Eq 'Trigger: [A-Z][a-z]{2} [0-9]{4}-' <<<"$out" || fail "$t.timer has no next elapse: $out"
done
failed=$(inside systemctl list-units --failed --plain --no-legend 'vumaerp*' 'postgresql*')
[ -z "$failed" ] || fail "failed units: $failed"

# The timers fire their services (a runtime drop-in: now, not at night or after 10 minutes), which
# work under their hardening, in this order: prune removes a backup past the retention (its
# registry row made 400 days old: out of every window of the 7/4/3 retention; before the nightly
# backup, which would leave terminate's no longer the newest of its day), reconcile puts back a
# connection limit Odoo's role set on the tenant, the nightly backup backs up both tenants (a
# second one, suspended, is made for it), the drill restores one and records it, and the offsite
# push succeeds doing nothing (no offsite: section; its credential file absent, the unit starts).
step "a second tenant, suspended"
api POST /api/v1/provision '{"db_name":"beta_co","country":"ke","admin_email":"admin@beta.co.ke","company_name":"Beta Co","whmcs_service_id":43}'
[ "$STATUS" = 200 ] || fail "provision beta_co: HTTP $STATUS $BODY"
api POST /api/v1/suspend '{"db_name":"beta_co","reason":"invoice 43 overdue"}'
[ "$STATUS" = 200 ] || fail "suspend beta_co: HTTP $STATUS $BODY"
step "the timers, fired by a runtime drop-in"
psql_in vumaerp "UPDATE backups SET created_at = now() - interval '400 days' WHERE path = '$backup'" >/dev/null
as_odoo "$TENANT" "ALTER DATABASE $TENANT CONNECTION LIMIT 0" >/dev/null
for t in $timers; do
        before=$(inside systemctl show -P ExecMainExitTimestampMonotonic "$t.service")
        inside sh -c "mkdir -p /run/systemd/system/$t.timer.d && printf '[Timer]\nOnCalendar=\nOnActiveSec=1s\nAccuracySec=1s\nRandomizedDelaySec=0\n' >/run/systemd/system/$t.timer.d/50-now.conf"
        inside systemctl daemon-reload
        inside systemctl restart "$t.timer"
        ran=
        for _ in $(seq 1 300); do
                now=$(inside systemctl show -P ExecMainExitTimestampMonotonic "$t.service")
                [ "$now" != "$before" ] && [ "$(inside systemctl show -P ActiveState "$t.service")" != activating ] && { ran=1; break; }
                sleep 0.2
        done
        [ -n "$ran" ] || { fail "$t.timer did not start $t.service within 60 s"; continue; }
        [ "$(inside systemctl show -P Result "$t.service")" = success ] || fail "$t.service: $(inside systemctl status --no-pager "$t.service")"
        inside rm -r "/run/systemd/system/$t.timer.d"
done
inside systemctl daemon-reload
inside test ! -e "$backup" || fail "the prune timer's service did not remove the expired backup $backup"
inside test ! -e "${backup%.dump}.filestore.tar" || fail "prune left the expired backup's filestore archive"
inside test -e "$final" || fail "prune removed terminate's backup, which is within the retention"
[ "$(psql_in postgres "SELECT datconnlimit FROM pg_database WHERE datname = '$TENANT'")" = -1 ] ||
        fail "the reconcile timer's service did not put the tenant's connection limit back"
# The nightly backup: one verified backup of each active and suspended tenant, files and rows.
[ "$(psql_in vumaerp "SELECT string_agg(t.db_name || ':' || t.state || ':' || (SELECT count(*) FROM backups b WHERE b.db_name = t.db_name AND b.kind = 'scheduled'), ' ' ORDER BY t.db_name) FROM tenants t WHERE t.state IN ('active', 'suspended')")" = \
        "acme_ltd:active:1 beta_co:suspended:1" ] ||
        fail "the nightly backup did not back up each tenant once: $(psql_in vumaerp "SELECT db_name, kind, path FROM backups ORDER BY id")"
for p in $(psql_in vumaerp "SELECT path FROM backups WHERE kind = 'scheduled'"); do
        [ "$(inside stat -c '%U %a' "$p")" = "vumaerp 600" ] || fail "the nightly backup $p is $(inside stat -c '%U %a' "$p" 2>&1)"
        inside runuser -u vumaerp -- pg_restore --list "$p" >/dev/null || fail "the nightly backup $p is not a dump pg_restore reads"
        inside test -s "${p%.dump}.filestore.tar" || fail "the nightly backup $p has no filestore archive"
done
out=$(inside journalctl --no-pager -o cat -u vumaerp-backup-daily.service)
grep -q '"backed_up"' <<<"$out" || fail "the nightly backup's answer is not in its journal: $out"
[ "$(psql_in postgres "SELECT datallowconn FROM pg_database WHERE datname = 'beta_co'")" = f ] ||
        fail "the nightly backup left the suspended beta_co open"
# The drill: round-robin picks acme_ltd (never drilled, first by name), restores its newest backup
# (the nightly one), passes, records it, and leaves no scratch copy; status shows it.
[ "$(psql_in vumaerp "SELECT string_agg(db_name || ':' || ok || ':' || (backup_path = (SELECT path FROM backups WHERE db_name = 'acme_ltd' AND kind = 'scheduled')), ' ') FROM drills")" = "acme_ltd:true:true" ] ||
        fail "the drill's service recorded no good drill of acme_ltd's nightly backup: $(psql_in vumaerp "SELECT * FROM drills")"
[ "$(psql_in postgres "SELECT count(*) FROM pg_database WHERE datname = 'vumaerp_drill'")" = 0 ] || fail "the drill left its scratch database"
inside test ! -e /var/lib/odoo/filestore/vumaerp_drill || fail "the drill left its scratch filestore"
inside journalctl --no-pager -o json -u vumaerp-drill.service MESSAGE_ID=8a4bc5eab7844fe1b57239deb7414309 | jq -e -s 'any(.VUMAERP_DB == "vumaerp_drill" or .VUMAERP_ACTION == "drill")' >/dev/null ||
        fail "no drill-passed entry in vumaerp-drill.service's journal"
api GET "/api/v1/status?db_name=$TENANT"
check '.last_good_drill.backup != null and .last_drill.ok == true' "status after the drill timer"
# The offsite push without an offsite: section: a success that says why it did nothing.
inside journalctl --no-pager -o cat -u vumaerp-offsite-push.service | grep -q 'offsite: nothing to push: there is no offsite: section in /etc/vumaerp/vumaerp.yaml' ||
        fail "vumaerp-offsite-push.service's journal does not say it had nothing to push: $(inside journalctl --no-pager -o cat -u vumaerp-offsite-push.service)"

step "the journal"
# A tenant's whole history: its own field, from vumaerp's user (_UID comes from the kernel with the
# message, so it is always there).
uid=$(inside id -u vumaerp)
inside journalctl --no-pager -o json "_UID=$uid" "VUMAERP_DB=$TENANT" >"$tmp/tenant.json" || fail "journalctl VUMAERP_DB=$TENANT"
for a in provision status suspend unsuspend password backup terminate; do
        jq -e -s --arg a "$a" 'any(.VUMAERP_ACTION == $a and .MESSAGE_ID != "b95f81878da949be99c4c49588ca73b2" and .VUMAERP_REQUEST_ID != null)' \
                "$tmp/tenant.json" >/dev/null || fail "no journal entry from the $a action the API ran for $TENANT"
        jq -e -s --arg a "$a" 'any(.VUMAERP_ACTION == $a and .MESSAGE_ID == "b95f81878da949be99c4c49588ca73b2" and .VUMAERP_HTTP_STATUS != null)' \
                "$tmp/tenant.json" >/dev/null || fail "no request entry for the $a request on $TENANT"
done
jq -e -s 'any(.VUMAERP_ACTION == "reconcile" and .MESSAGE_ID == "13601256343646da8e12539cef64b4fe")' "$tmp/tenant.json" >/dev/null ||
        fail "no drift entry from the reconcile timer's run for $TENANT"
# The admin's restore, run from a shell, is journalled too, under the tenant it brought back.
jq -e -s 'any(.VUMAERP_ACTION == "restore" and .MESSAGE_ID == "2ca8bfcf79ef4ed5bee951b4c67b80dd")' "$tmp/tenant.json" >/dev/null ||
        fail "journalctl VUMAERP_DB=$TENANT shows no restore"
jq -e -s 'all(._SYSTEMD_UNIT == null or (.VUMAERP_REQUEST_ID == null) or (._SYSTEMD_UNIT | test("^vumaerp-api@.+\\.service$")))' "$tmp/tenant.json" >/dev/null ||
        fail "an entry of an API request is attributed to another unit than vumaerp-api@*.service"
# By unit, as the README's example: journald attributes an entry to its unit by reading the
# sender's /proc when the entry arrives, and an action that has already exited has none
# (systemd#2913, "cant-fix"), so -u misses the odd entry of a short-lived process. What it returns
# is exactly this tenant's entries that carry a vumaerp unit.
inside journalctl --no-pager -o json -u 'vumaerp-*' "VUMAERP_DB=$TENANT" >"$tmp/tenant-units.json" || fail "journalctl -u 'vumaerp-*' VUMAERP_DB=$TENANT"
jq -e -s "length > 0 and all(.VUMAERP_DB == \"$TENANT\" and (._SYSTEMD_UNIT | test(\"^vumaerp-\")))" "$tmp/tenant-units.json" >/dev/null ||
        fail "journalctl -u 'vumaerp-*' VUMAERP_DB=$TENANT returns none, or entries of others"
[ "$(jq -r 'select(._SYSTEMD_UNIT // "" | test("^vumaerp-")) | .__CURSOR' "$tmp/tenant.json")" = "$(jq -r .__CURSOR "$tmp/tenant-units.json")" ] ||
        fail "journalctl -u 'vumaerp-*' VUMAERP_DB=$TENANT does not return exactly the tenant's entries attributed to vumaerp's units"
echo "the journal holds $(jq -s length "$tmp/tenant.json") entries for $TENANT; $(jq -s 'map(select(._SYSTEMD_UNIT == null)) | length' "$tmp/tenant.json") of them with no unit, which journalctl -u cannot find (the admin's restore from a shell; an action that exited before journald looked)"
inside journalctl --no-pager -o cat "_UID=$uid" SYSLOG_IDENTIFIER=vumaerp-backup | grep -q "pruned backup $backup" || fail "the prune service's journal does not name the backup it removed"
# Neither the token nor a password reached the journal.
inside journalctl --no-pager -o export >"$tmp/journal.export"
token=$(sed 's/^X-API-Token: //' "$tmp/auth")
if grep -aqF "$token" "$tmp/journal.export" || grep -aqF "$password" "$tmp/journal.export" || grep -aqF 'n3w-Passw0rd' "$tmp/journal.export"; then
        fail "a token or a password is in the journal"
fi

# journalctl -x: each MESSAGE_ID this run produced shows its catalog entry, fields filled in.
catalog=$SOURCE_DIR/catalog/vumaerp.catalog
want_ids="b95f81878da949be99c4c49588ca73b2 1fd2facc105b44f9b1d5c12333ab36cb 2ca8bfcf79ef4ed5bee951b4c67b80dd
04f33853db9a4b7e8d50655ffacf3b78 093234a5cfea41b7868f519e84122c41 20c2b33ad3cc4bf6982e73d8ac9b4bd6
a26e5dbadf7d4c2fbd7d7252c3c0a89d 6b4cb087193d433c999f433641e6f5d1 cb9811a3e4ae434094ef9da3a5efe1fb
3bed0c1f2518406fa5aa4e124d3f9560 13601256343646da8e12539cef64b4fe"
for id in $want_ids; do
        grep -qx -- "-- $id" "$catalog" || { fail "$id is not in $catalog"; continue; }
        entry=$(inside journalctl --no-pager -o json -n 1 "MESSAGE_ID=$id")
        [ -n "$entry" ] || { fail "no journal entry with MESSAGE_ID=$id"; continue; }
        cursor=$(jq -r .__CURSOR <<<"$entry")
        shown=$(inside journalctl --no-pager -x -n 1 --cursor="$cursor")
        subject=$(awk -v id="-- $id" '$0 == id { f = 1; next } f && /^Subject: / { sub(/^Subject: /, ""); print; exit }' "$catalog")
        while [[ $subject =~ @([A-Z0-9_]+)@ ]]; do
                f=${BASH_REMATCH[1]}
                subject=${subject//"@$f@"/$(jq -r --arg f "$f" '.[$f] // "" | tostring' <<<"$entry")}
        done
        grep -qF "Subject: $subject" <<<"$shown" || fail "journalctl -x does not show the catalog's subject '$subject' for $id: $shown"
        grep -qF 'Defined-By: vumaerp' <<<"$shown" || fail "journalctl -x shows no vumaerp catalog entry for $id: $shown"
done

# IPAddressDeny= on the socket, as the unit's comment suggests, with a runtime drop-in: 127.0.0.2
# is one of api.allowed_clients and served before; with only 127.0.0.1 allowed, the kernel drops
# its connection and vumaerp never sees it.
step "IPAddressDeny= on the socket"
from2() { nsenter -t "$leader" -n curl -s -o /dev/null -w '%{http_code}' --connect-timeout 3 --max-time 10 --interface 127.0.0.2 http://127.0.0.1:5000/health; }
if [ -n "$firewall_skip" ]; then
        echo "note: the IPAddressDeny= check is skipped: $firewall_skip"
else
        [ "$(from2 || true)" = 200 ] || fail "127.0.0.2 is not served without the drop-in"
        inside sh -c "mkdir -p /run/systemd/system/vumaerp-api.socket.d && printf '[Socket]\nIPAddressDeny=any\nIPAddressAllow=127.0.0.1\n' >/run/systemd/system/vumaerp-api.socket.d/50-allow.conf"
        inside systemctl daemon-reload
        inside systemctl restart vumaerp-api.socket
        api GET /health
        [ "$STATUS" = 200 ] || fail "127.0.0.1 is refused with IPAddressAllow=127.0.0.1: HTTP $STATUS"
        rc=0
        code=$(from2) || rc=$?
        [ "$rc" = 28 ] || fail "127.0.0.2 was not refused by IPAddressDeny=any (curl exit $rc, HTTP $code)"
        inside rm -r /run/systemd/system/vumaerp-api.socket.d
        inside systemctl daemon-reload
        inside systemctl restart vumaerp-api.socket
        [ "$(from2 || true)" = 200 ] || fail "127.0.0.2 is not served again without the drop-in"
fi

[ "$failures" -eq 0 ] || exit 1
echo "the package runs under systemd $(inside systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') as packaged ($((SECONDS - started)) s)"
