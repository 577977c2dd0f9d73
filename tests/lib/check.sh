# SPDX-License-Identifier: MIT
# tests/lib/check.sh: the harness every test script in tests/ shares, so that a failure, a skip
# and a checked run of a program look and exit the same in all of them. Sourced first (pg.sh
# sources it too, for the skips of pg.sh, odoo.sh and nginx.sh); sourcing it again does nothing.
# It sets no shell options. Owns:
#   fail MESSAGE         "FAIL: MESSAGE" on stderr and exit 1; after keep_going, counts it in
#                        $failures and returns 0, and the script decides at its end
#   keep_going           from now on fail counts instead of stopping the test
#   skip REASON          "SKIP: REASON" on stderr and exit 77, which meson counts as skipped
#   need_command NAME [HINT]  skips unless NAME is on PATH: "NAME is not installed (HINT)"
#   need_fixture FILE... skips unless every FILE (of $FIXTURES_DIR, the Odoo fixtures) is there
#   need_passlib         skips unless $PASSLIB_PYTHON (exported; default /usr/bin/python3, since
#                        Debian's passlib belongs to the system interpreter, not to a pyenv or
#                        venv python3 in PATH) can import passlib
#   need_built FILE...   "FAIL: FILE is not built" and exit 1 (whatever keep_going says) unless
#                        every FILE is an executable
#   run_tool CMD...      runs CMD: its stdout in $OUT, its exit status in $RC, its stderr in
#                        $tmp/stderr (the caller sets tmp)
#   expect RC JQ-FILTER DESCRIPTION  fails unless the last run exited RC and JQ-FILTER holds for
#                        $OUT (the run's stderr is shown when the status is wrong)
#   run TOOL ARGS...     run_tool vumaerp-TOOL --config CONF ARGS...
#   run_json TOOL JSON   run_tool vumaerp-TOOL --config CONF --json, JSON on stdin
# run and run_json take the programs from $B (the build's bin/) and the configuration from $CONF,
# or from $RUN_CONF when it is set.

[ -z "${VUMAERP_CHECK_SH:-}" ] || return 0
VUMAERP_CHECK_SH=1

failures=0
CHECK_KEEP_GOING=

fail() {
        echo "FAIL: $*" >&2
        if [ -n "$CHECK_KEEP_GOING" ]; then
                failures=$((failures + 1))
        else
                exit 1
        fi
}

keep_going() { CHECK_KEEP_GOING=1; }

skip() { echo "SKIP: $*" >&2; exit 77; }

need_command() {
        command -v "$1" >/dev/null || skip "$1 is not installed${2:+ ($2)}"
}

need_fixture() {
        local f
        for f in "$@"; do
                [ -f "$f" ] || skip "the Odoo 17 fixture $f is absent (set VUMAERP_FIXTURES)"
        done
}

need_passlib() {
        export PASSLIB_PYTHON=${PASSLIB_PYTHON:-/usr/bin/python3}
        "$PASSLIB_PYTHON" -c 'import passlib.hash' 2>/dev/null || skip "python3-passlib is not installed for $PASSLIB_PYTHON"
}

need_built() {
        local f
        for f in "$@"; do
                [ -x "$f" ] || { echo "FAIL: $f is not built" >&2; exit 1; }
        done
}

run_tool() {
        RC=0
        OUT=$("$@" 2>"$tmp/stderr") || RC=$?
}

expect() {
        [ "$RC" = "$1" ] || { cat "$tmp/stderr" >&2; fail "$3: exit $RC, expected $1; output: $OUT"; }
        jq -e "$2" >/dev/null <<<"$OUT" || fail "$3: $2 does not hold for: $OUT"
}

run() {
        local tool=$1
        shift
        run_tool "$B/vumaerp-$tool" --config "${RUN_CONF:-$CONF}" "$@"
}

run_json() {
        run_tool "$B/vumaerp-$1" --config "${RUN_CONF:-$CONF}" --json <<<"$2"
}
