#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# units: the systemd units pass `systemd-analyze verify`, vumaerp-api@.service scores 2.0 or lower
# ("OK") in `systemd-analyze security --offline=yes`, and the unit still runs vumaerp-api the way
# the end-to-end tests do (socket on stdin/stdout, the token as a credential), so they cannot drift.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
need_command systemd-analyze

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify checks that ExecStart= exists: point it at the build tree's programs.
for u in "$SOURCE_DIR"/units/*; do
        sed "s|/usr/bin/vumaerp-|$BUILD_DIR/bin/vumaerp-|g" "$u" >"$tmp/$(basename "$u")"
done

cd "$tmp"
out=$(systemd-analyze verify --man=no ./*.socket ./*.service $(ls ./*.timer 2>/dev/null) 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify warns: $out"

for svc in vumaerp-api@.service vumaerp-backup-prune.service vumaerp-backup-daily.service vumaerp-drill.service vumaerp-reconcile.service \
        vumaerp-offsite-push.service; do
        if ! systemd-analyze security --offline=yes --threshold=20 "./$svc" >"$tmp/security" 2>&1; then
                grep -E '✗|Overall' "$tmp/security" >&2 || cat "$tmp/security" >&2
                fail "$svc is exposed above 2.0"
        fi
        grep 'Overall' "$tmp/security"
done

svc=$SOURCE_DIR/units/vumaerp-api@.service
for line in 'StandardInput=socket' 'StandardOutput=socket' 'LoadCredential=api-token:/etc/vumaerp/api-token' \
        'ExecStart=/usr/bin/vumaerp-api'; do
        grep -qx "$line" "$svc" || fail "$svc lacks '$line', which tests/e2e-api.sh relies on"
done
grep -qx 'Accept=yes' "$SOURCE_DIR/units/vumaerp-api.socket" || fail "the socket is not Accept=yes"
grep -qx 'ExecStart=/usr/bin/vumaerp-backup --prune' "$SOURCE_DIR/units/vumaerp-backup-prune.service" || fail "the prune service does not run vumaerp-backup --prune"
grep -qx 'ExecStart=/usr/bin/vumaerp-reconcile' "$SOURCE_DIR/units/vumaerp-reconcile.service" || fail "the reconcile service does not run vumaerp-reconcile"
# The daily run: every tenant, one at a time (a oneshot: never two at once), at the lowest priority.
daily=$SOURCE_DIR/units/vumaerp-backup-daily.service
for line in 'ExecStart=/usr/bin/vumaerp-backup --all' 'Type=oneshot' 'Nice=19' 'IOSchedulingClass=idle'; do
        grep -qx "$line" "$daily" || fail "$daily lacks '$line'"
done
grep -q '^OnCalendar=' "$SOURCE_DIR/units/vumaerp-backup-daily.timer" || fail "the daily backup timer has no OnCalendar="
drill=$SOURCE_DIR/units/vumaerp-drill.service
for line in 'ExecStart=/usr/bin/vumaerp-drill' 'Type=oneshot' 'Nice=19' 'IOSchedulingClass=idle'; do
        grep -qx "$line" "$drill" || fail "$drill lacks '$line'"
done
grep -q '^OnCalendar=' "$SOURCE_DIR/units/vumaerp-drill.timer" || fail "the drill timer has no OnCalendar="
# The hourly retry of offsite uploads: a no-op where offsite is not configured (--if-configured),
# the lowest priority, never two at once, the credentials as a credential that may be absent.
push=$SOURCE_DIR/units/vumaerp-offsite-push.service
for line in 'ExecStart=/usr/bin/vumaerp-offsite push --if-configured' 'Type=oneshot' 'Nice=19' 'IOSchedulingClass=idle' \
        'LoadCredential=offsite-credentials:/etc/vumaerp/offsite-credentials'; do
        grep -qx "$line" "$push" || fail "$push lacks '$line'"
done
grep -q '^SetCredential=offsite-credentials:' "$push" || fail "$push has no fallback for a missing credentials file"
grep -q '^OnUnitInactiveSec=' "$SOURCE_DIR/units/vumaerp-offsite-push.timer" || fail "the offsite push timer does not repeat"
# The package enables every timer there is.
for t in "$SOURCE_DIR"/units/*.timer; do
        grep -q "dh_installsystemd .*$(basename "$t")" "$SOURCE_DIR/packaging/debian/rules" || fail "packaging/debian/rules does not enable $(basename "$t")"
done
echo "units verified"
