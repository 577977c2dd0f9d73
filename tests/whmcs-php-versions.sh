#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# whmcs-php-versions.sh: the WHMCS module under PHP 7.4 and 8.3, which WHMCS installations run and
# Debian 12 does not ship (it has 8.2, which whmcs-module.sh uses): each runs as WebAssembly in
# Node.js (the npm package @php-wasm/node, which tools/install-deps test installs under
# $VUMAERP_NPM_DIR, default /usr/local/lib/vumaerp-npm), parses every PHP file of whmcs_module/
# and loads the module with the tests' stand-ins for WHMCS (tests/lib/php-versions.mjs says what
# it calls). Skipped, and says why, without Node.js or the package.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"

need_command node "Node.js"
npm_dir=${VUMAERP_NPM_DIR:-/usr/local/lib/vumaerp-npm}
rc=0
node "$SOURCE_DIR/tests/lib/php-versions.mjs" "$npm_dir" "$SOURCE_DIR" 7.4 8.3 || rc=$?
case $rc in
0) echo "PASS" ;;
77) exit 77 ;;
*) fail "the module under PHP 7.4 or 8.3 (above)" ;;
esac
