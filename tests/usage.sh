#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# usage.sh: what an admin sees after a mistake on the command line, through every built program
# (vumaerp-api too): an unknown or incomplete option or a stray argument exits 64 with nothing on
# stdout and two lines on stderr, "PROGRAM: what was wrong" and "Try 'PROGRAM --help'."; a
# password option says how passwords are given and does not echo the one typed; --help aligns its
# options' help in one column; an unknown template subcommand is named; without any configuration
# the error says how to give one. No PostgreSQL is needed: nothing here gets that far.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"

: "${BUILD_DIR:?BUILD_DIR must name the meson build directory}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"

work=$(mktemp -d "${TMPDIR:-/tmp}/vumaerp-usage.XXXXXX")
trap 'rm -rf "$work"' EXIT

checks=0
keep_going

# run CMD...: runs CMD with no input into $work/{out,err}, its exit status in $rc.
run() {
        rc=0
        timeout 60 "$@" </dev/null >"$work/out" 2>"$work/err" || rc=$?
}

# expect_usage WHAT PROGRAM MESSAGE: the last run exited 64, printed nothing on stdout, and on
# stderr exactly "PROGRAM: MESSAGE" and "Try 'PROGRAM --help'." (MESSAGE is a glob pattern).
expect_usage() {
        local what=$1 program=$2 message=$3 want
        checks=$((checks + 1))
        want=$(printf "%s: %s\nTry '%s --help'." "$program" "$message" "$program")
        if [[ $rc != 64 ]]; then
                fail "$what: exit status $rc, expected 64 (stderr: $(head -c 500 "$work/err"))"
        elif [[ -s $work/out ]]; then
                fail "$what: wrote on stdout: $(head -c 500 "$work/out")"
        elif [[ $(cat "$work/err") != $want ]]; then # shellcheck disable=SC2053: a pattern
                fail "$what: stderr is '$(cat "$work/err")', expected '$want'"
        fi
}

programs=()
for b in "$BUILD_DIR"/bin/vumaerp-*; do
        [[ -f $b && -x $b ]] && programs+=("$b")
done
[[ ${#programs[@]} -ge 12 ]] || { fail "only ${#programs[@]} programs in $BUILD_DIR/bin"; exit 1; }

for b in "${programs[@]}"; do
        p=$(basename "$b")

        run "$b" --frobnicate
        expect_usage "$p --frobnicate" "$p" "unknown or incomplete option '--frobnicate'"
        run "$b" --config
        expect_usage "$p --config (no value)" "$p" "unknown or incomplete option '--config'"
        run "$b" --frobnicate=value
        expect_usage "$p --frobnicate=value" "$p" "unknown or incomplete option '--frobnicate'"
        run "$b" a1 a2 a3 a4 a5
        expect_usage "$p with five arguments" "$p" "unexpected argument 'a[1-5]'"

        # --help: a usage line, and every option's help starting in one column.
        checks=$((checks + 1))
        run "$b" --help
        if [[ $rc != 0 ]] || [[ $(head -n 1 "$work/out") != "Usage: $p "* ]]; then
                fail "$p --help: exit status $rc, first line '$(head -n 1 "$work/out")'"
        else
                columns=$(grep -E '^  (-h|  ) --' "$work/out" | sed -E 's/^(  (-h|  ) --[^ ]+( [A-Z]+)? +).*/\1/' |
                          awk '{ print length($0) }' | sort -u)
                [[ -n $columns && $(wc -l <<<"$columns") == 1 ]] ||
                        fail "$p --help: options' help starts in columns $(echo $columns): $(cat "$work/out")"
        fi
done

# Passwords: never on the command line, and the one typed is not repeated.
for p in vumaerp-password vumaerp-provision; do
        run "$BUILD_DIR/bin/$p" --admin-password=hunter2secret acme_ltd
        checks=$((checks + 1))
        if [[ $rc != 64 ]] || grep -q hunter2secret "$work/err" ||
           ! grep -q "unknown or incomplete option '--admin-password': a password is never taken on the command line" "$work/err" ||
           ! grep -q '"admin_password" in a --json request on stdin' "$work/err"; then
                fail "$p --admin-password=…: exit status $rc, stderr '$(cat "$work/err")'"
        fi
done

# The shipped configuration loads as it is; nothing here connects to PostgreSQL.
checks=$((checks + 1))
run "$BUILD_DIR/bin/vumaerp-template" --config "$SOURCE_DIR/conf/vumaerp.yaml" frobnicate
[[ $rc == 64 ]] && grep -q "unknown subcommand 'frobnicate': say seal, list or build" "$work/out" ||
        fail "vumaerp-template frobnicate: exit status $rc, stdout '$(cat "$work/out")'"

# No configuration at all (a fresh install, or a build run from its directory): the default
# file's error, then what to do, naming the program.
default=$(sed -n 's/.*default: \$VUMAERP_CONFIG, else \(.*\))$/\1/p' < <("$BUILD_DIR/bin/vumaerp-list" --help))
if [[ -z $default ]]; then
        fail "vumaerp-list --help does not name the default configuration"
elif [[ -e $default ]]; then
        echo "# $default exists on this machine: the missing-configuration message is not checked"
else
        checks=$((checks + 1))
        run env -u VUMAERP_CONFIG "$BUILD_DIR/bin/vumaerp-list"
        want=$(printf '%s: No such file or directory\nvumaerp-list: give a configuration with --config PATH or $VUMAERP_CONFIG' "$default")
        [[ $rc == 78 && ! -s $work/out && $(cat "$work/err") == "$want"* ]] ||
                fail "vumaerp-list without a configuration: exit status $rc, stderr '$(cat "$work/err")'"
fi

echo "$checks checks, $failures failed"
[[ $failures == 0 ]]
