# SPDX-License-Identifier: MIT
# tests/lib/action.sh: running one vumaerp action the way the integration tests do. The caller
# sets B (the build's bin/), CONF (RUN_CONF, when set, is used instead), tmp, and fail().
#   run_json TOOL JSON             vumaerp-TOOL --json with JSON on stdin: $RC, $OUT, stderr in $tmp/stderr
#   expect RC JQ-FILTER DESCRIPTION  fails unless the last run exited RC and JQ-FILTER holds for $OUT

run_json() {
        RC=0
        OUT=$("$B/vumaerp-$1" --config "${RUN_CONF:-$CONF}" --json <<<"$2" 2>"$tmp/stderr") || RC=$?
}

expect() {
        [ "$RC" = "$1" ] || { cat "$tmp/stderr" >&2; fail "$3: exit $RC, expected $1; output: $OUT"; }
        jq -e "$2" >/dev/null <<<"$OUT" || fail "$3: $2 does not hold for: $OUT"
}
