#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# countries.sh: every Odoo module conf/countries.yaml names is one Odoo 17.0 ships (the list in
# the fixtures, odoo17/modules-17.0.txt): a template build with a module Odoo does not have fails
# only when an operator first runs it, on a live Odoo.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"
. "$(dirname "${BASH_SOURCE[0]}")/lib/pg.sh"

list="$FIXTURES_DIR/odoo17/modules-17.0.txt"
[ -r "$list" ] || skip "the list of Odoo 17.0's modules ($list) is absent (set VUMAERP_FIXTURES)"
yaml="$SOURCE_DIR/conf/countries.yaml"

n=0
keep_going
while read -r module; do
        n=$((n + 1))
        grep -qx -- "$module" "$list" || fail "conf/countries.yaml names $module, which Odoo 17.0 does not ship"
done < <(sed -n 's/^  modules: *\[\(.*\)\] *$/\1/p' "$yaml" | tr ',' '\n' | tr -d ' ' | sed '/^$/d' | sort -u)
[ "$n" -gt 0 ] || { fail "no modules read from $yaml"; exit 1; }
[ "$failures" = 0 ] || exit 1
echo "$n distinct modules in conf/countries.yaml, all shipped by Odoo 17.0"
