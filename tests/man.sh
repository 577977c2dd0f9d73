#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man: every built man page renders with man -l without a warning, and every program has one.
set -euo pipefail
: "${BUILD_DIR:?}" "${SOURCE_DIR:?}"
command -v man >/dev/null || { echo "SKIP: man is not installed" >&2; exit 77; }

failures=0
for page in "$BUILD_DIR"/man/*.[1-8]; do
        warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
        if [ -n "$warnings" ]; then
                echo "FAIL: $(basename "$page"): $warnings" >&2
                failures=$((failures + 1))
        fi
        MANWIDTH=80 man -l "$page" 2>/dev/null | grep -q '^NAME' || { echo "FAIL: $(basename "$page") has no NAME section" >&2; failures=$((failures + 1)); }
done
for program in "$BUILD_DIR"/bin/vumaerp-*; do
        [ -f "$program" ] && [ -x "$program" ] || continue
        name=$(basename "$program")
        [ -f "$BUILD_DIR/man/$name.8" ] || { echo "FAIL: $name has no man page" >&2; failures=$((failures + 1)); }
done
[ -f "$BUILD_DIR/man/vumaerp.7" ] && [ -f "$BUILD_DIR/man/vumaerp.yaml.5" ] || { echo "FAIL: vumaerp(7) or vumaerp.yaml(5) missing" >&2; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] || exit 1
echo "all man pages render cleanly"
