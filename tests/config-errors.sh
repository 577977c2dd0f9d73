#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# config-errors.sh: what an admin sees after a config mistake, end to end through the real
# binaries: every action exits 78 (EX_CONFIG) before doing anything, prints nothing on stdout
# and exactly one line on stderr naming FILE:LINE:COLUMN — whether the file came from --config or
# from $VUMAERP_CONFIG. vumaerp-api, given a request, exits 78 too.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"

: "${BUILD_DIR:?BUILD_DIR must name the meson build directory}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"

LIST="$BUILD_DIR/bin/vumaerp-list"
STATUS="$BUILD_DIR/bin/vumaerp-status"
API="$BUILD_DIR/bin/vumaerp-api"
need_built "$LIST" "$STATUS" "$API"
command -v timeout >/dev/null || skip "timeout(1) is needed to bound each run"

work=$(mktemp -d "${TMPDIR:-/tmp}/vumaerp-config-errors.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' >"$work/request"

checks=0
keep_going

# run NAME CMD...: runs CMD with no input, bounded in time, into $work/NAME.{out,err,rc}.
run() {
        local name=$1 rc=0
        shift
        timeout 60 "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || rc=$?
        echo "$rc" >"$work/$name.rc"
}

# expect_config_error NAME PREFIX MESSAGE: the run NAME exited 78, wrote nothing on stdout and
# exactly one line on stderr, which starts with PREFIX ("FILE:LINE:COL: ") and contains MESSAGE.
expect_config_error() {
        local name=$1 prefix=$2 message=$3 rc lines
        local -a err

        checks=$((checks + 1))
        rc=$(cat "$work/$name.rc")
        mapfile -t err <"$work/$name.err"
        lines=${#err[@]}
        if [[ $rc != 78 ]]; then
                fail "$name: exit status $rc, expected 78 (stderr: $(head -c 500 "$work/$name.err"))"
        elif [[ -s $work/$name.out ]]; then
                fail "$name: wrote on stdout: $(head -c 500 "$work/$name.out")"
        elif [[ $lines != 1 ]] || [[ $(tail -c 1 "$work/$name.err" | od -An -c | tr -d ' ') != '\n' ]]; then
                fail "$name: $lines lines on stderr, expected exactly one: $(head -c 500 "$work/$name.err")"
        elif [[ ${err[0]} != "$prefix"* ]]; then
                fail "$name: stderr is '${err[0]}', expected it to start with '$prefix'"
        elif [[ ${err[0]} != *"$message"* ]]; then
                fail "$name: stderr is '${err[0]}', expected it to contain '$message'"
        fi
}

# case NAME WHERE MESSAGE [FILE]: $work/NAME/vumaerp.yaml is broken; every binary must say
# "FILE:WHERE: ...MESSAGE..." (FILE defaults to that vumaerp.yaml) and exit 78.
case_() {
        local name=$1 where=$2 message=$3 bad="$work/$1/vumaerp.yaml"
        local file=${4:-$bad} rc=0

        run "$name-list" "$LIST" --config "$bad"
        expect_config_error "$name-list" "$file:$where: " "$message"

        run "$name-status" "$STATUS" --config "$bad" acme_ltd
        expect_config_error "$name-status" "$file:$where: " "$message"

        run "$name-env" env VUMAERP_CONFIG="$bad" "$LIST"
        expect_config_error "$name-env" "$file:$where: " "$message"

        # The API decides what a misconfigured server answers; it must not serve.
        checks=$((checks + 1))
        timeout 60 "$API" --config "$bad" <"$work/request" >"$work/$name-api.out" 2>"$work/$name-api.err" || rc=$?
        [[ $rc == 78 ]] || fail "$name-api: exit status $rc, expected 78 (stderr: $(head -c 500 "$work/$name-api.err"))"
}

# config NAME [SECTION-LINES...]: a good vumaerp.yaml and countries.yaml in $work/NAME, then
# edited by the caller. Line numbers below refer to this layout.
config() {
        local dir="$work/$1"
        mkdir -p "$dir"
        cp "$SOURCE_DIR/conf/countries.yaml" "$dir/countries.yaml"
        cat >"$dir/vumaerp.yaml" <<YAML
postgres:
  host: /run/postgresql
  port: 5432
  user: postgres
odoo:
  data_dir: $dir/filestore
tenants:
  url_template: "https://{subdomain}.vumacloud.test"
backups:
  dir: $dir/backups
  retention: {daily: 7, weekly: 4, monthly: 3}
api:
  deadline: 60
  receive_timeout: 10
  allowed_clients:
    - 127.0.0.1/8
countries: countries.yaml
YAML
}

# edit NAME SED-SCRIPT: applies the mistake.
edit() { sed -i -e "$2" "$work/$1/vumaerp.yaml"; }

config unknown-key
edit unknown-key 's/^  deadline: 60$/  deadlin: 60/'
case_ unknown-key 13:3 "unknown key 'deadlin' in section 'api'"

config bad-port
edit bad-port 's/^  port: 5432$/  port: abc/'
case_ bad-port 3:9 "'port' must be an integer between 1 and 65535, not 'abc'"

config out-of-range
edit out-of-range 's/^  receive_timeout: 10$/  receive_timeout: 3000/'
case_ out-of-range 14:20 "'receive_timeout' must be an integer between 1 and 300, not '3000'"

config missing-dir
edit missing-dir '/^  dir: /d'
case_ missing-dir 9:1 "missing required key 'dir' in section 'backups'"

config malformed
edit malformed 's/^  user: postgres$/ user: postgres/'
case_ malformed 4:2 "YAML syntax error"

config duplicate
edit duplicate 's/^  user: postgres$/  port: 5433/'
case_ duplicate 4:3 "duplicate key 'port' (first set on line 3)"

config bad-cidr
edit bad-cidr 's|^    - 127.0.0.1/8$|    - 127.0.0.1/80|'
case_ bad-cidr 16:7 "'allowed_clients' entry '127.0.0.1/80' is not an IPv4 or IPv6 address"

config mapping-for-scalar
edit mapping-for-scalar 's|^  host: /run/postgresql$|  host: {path: /run/postgresql}|'
case_ mapping-for-scalar 2:9 "'host' must be a scalar, not a mapping"

config unknown-top
edit unknown-top '$a foo: bar'
case_ unknown-top 18:1 "unknown top-level key 'foo'"

config no-countries-file
edit no-countries-file 's/^countries: countries.yaml$/countries: nowhere.yaml/'
case_ no-countries-file 17:12 "cannot read countries file '$work/no-countries-file/nowhere.yaml': No such file or directory"

config bad-country
sed -i -e 's/^ke:$/KE:/' "$work/bad-country/countries.yaml"
line=$(grep -n '^KE:$' "$work/bad-country/countries.yaml" | cut -d: -f1)
case_ bad-country "$line:1" "country code 'KE' must be two lowercase letters" "$work/bad-country/countries.yaml"

config retention-twice
edit retention-twice 's/^  retention: .*$/&\n  retention_days: 30/'
case_ retention-twice 12:3 "'retention' and 'retention_days' cannot both be given: keep 'retention'"

config retention-bad
edit retention-bad 's/^  retention: .*$/  retention: {daily: 7, yearly: 1}/'
case_ retention-bad 11:25 "unknown key 'yearly' in backups 'retention'"

# The deprecated retention_days still loads, and says so once on stderr before anything else
# (here the action then finds no PostgreSQL: not a configuration error).
config retention-days
edit retention-days 's/^  retention: .*$/  retention_days: 30/'
run retention-days-list "$LIST" --config "$work/retention-days/vumaerp.yaml"
checks=$((checks + 1))
[[ $(cat "$work/retention-days-list.rc") != 78 ]] || fail "retention_days is refused: $(cat "$work/retention-days-list.err")"
[[ $(grep -c "retention_days' is deprecated" "$work/retention-days-list.err") == 1 ]] &&
        [[ $(head -n 1 "$work/retention-days-list.err") == *"$work/retention-days/vumaerp.yaml:11:19: 'retention_days' is deprecated; read as 'retention: {daily: 30, weekly: 0, monthly: 0}'"* ]] ||
        fail "retention_days: no single deprecation line first on stderr: $(cat "$work/retention-days-list.err")"

config empty
: >"$work/empty/vumaerp.yaml"
case_ empty 1:1 "the file is empty"

# Not a file at all: "FILE: reason", still one line and 78.
run missing-list "$LIST" --config "$work/nowhere.yaml"
expect_config_error missing-list "$work/nowhere.yaml: " "No such file or directory"
run directory-list "$LIST" --config "$work"
expect_config_error directory-list "$work: " "Is a directory"

echo "$checks checks, $failures failed"
[[ $failures == 0 ]]
