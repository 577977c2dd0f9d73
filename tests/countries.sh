#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# countries.sh: every Odoo module conf/countries.yaml and conf/plans.yaml name is one Odoo 17.0
# ships (the list in the fixtures, odoo17/modules-17.0.txt): a template build with a module Odoo
# does not have fails only when an operator first runs it, on a live Odoo, and a plan's app that
# does not exist could never be installed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

list="$FIXTURES_DIR/odoo17/modules-17.0.txt"
[ -r "$list" ] || skip "the list of Odoo 17.0's modules ($list) is absent (set VUMAERP_FIXTURES)"
keep_going
# check_modules FILE KEY: every module of the file's "  KEY: [a, b]" lines is shipped.
check_modules() {
        local yaml="$SOURCE_DIR/conf/$1" n=0 module
        while read -r module; do
                n=$((n + 1))
                grep -qx -- "$module" "$list" || fail "conf/$1 names $module, which Odoo 17.0 does not ship"
        done < <(sed -n "s/^  $2: *\\[\\(.*\\)\\] *\$/\\1/p" "$yaml" | tr ',' '\n' | tr -d ' ' | sed '/^$/d' | sort -u)
        [ "$n" -gt 0 ] || { fail "no $2 read from $yaml"; exit 1; }
        echo "$n distinct modules in conf/$1, all shipped by Odoo 17.0"
}
check_modules countries.yaml modules
check_modules plans.yaml apps
[ "$failures" = 0 ] || exit 1
