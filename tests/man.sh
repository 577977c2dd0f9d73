#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man: every built man page renders with man -l without a warning, and every program has one.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
need_command man

keep_going
for page in "$BUILD_DIR"/man/*.[1-8]; do
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
        [ -z "$warnings" ] || fail "$(basename "$page"): $warnings"
        MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME' || fail "$(basename "$page") has no NAME section"
done
for program in "$BUILD_DIR"/bin/vumaerp-*; do
        [ -f "$program" ] && [ -x "$program" ] || continue
        name=$(basename "$program")
        [ -f "$BUILD_DIR/man/$name.8" ] || fail "$name has no man page"
done
[ -f "$BUILD_DIR/man/vumaerp.7" ] && [ -f "$BUILD_DIR/man/vumaerp.yaml.5" ] || fail "vumaerp(7) or vumaerp.yaml(5) missing"
[ "$failures" -eq 0 ] || exit 1
echo "all man pages render cleanly"
