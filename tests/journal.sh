#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# journal.sh: proves that log entries reach journald with every field exactly as sent, and that
# without journald they become one escaped line on stderr. journald is played by
# tests/journal-sink.py on /run/systemd/journal/socket, inside a private mount namespace with a
# tmpfs over /run, so neither the machine's journald nor its /run is touched.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/check.sh"

: "${BUILD_DIR:?BUILD_DIR must name the meson build directory}"
: "${SOURCE_DIR:?SOURCE_DIR must name the source tree}"
EMIT="$BUILD_DIR/tests/test-log"
SINK="$SOURCE_DIR/tests/journal-sink.py"
JOURNAL_SOCKET=/run/systemd/journal/socket

if [[ -z ${JOURNAL_TEST_INNER:-} ]]; then
        need_built "$EMIT"
        command -v python3 >/dev/null || skip "python3 is needed for the journald stand-in"
        [[ $(id -u) == 0 ]] || skip "a private mount namespace needs root"
        unshare --mount --propagation private true 2>/dev/null ||
                skip "unshare --mount is not permitted here (no CAP_SYS_ADMIN, or seccomp)"

        work=$(mktemp -d /tmp/vumaerp-journal-test.XXXXXX)
        trap 'rm -rf "$work"' EXIT
        # A tmpfs over all of /run, only in the new namespace: the host's journald socket is
        # hidden, and nothing is created in the host's /run.
        rc=0
        JOURNAL_TEST_INNER=1 WORK="$work" unshare --mount --propagation private bash "$0" || rc=$?
        exit "$rc"
fi

mount -t tmpfs -o mode=0755,size=16m vumaerp-test-run /run ||
        skip "cannot mount a tmpfs on /run inside the private mount namespace"
mkdir -p /run/systemd/journal

checks=0
keep_going
check() { checks=$((checks + 1)); }

# expect_file FILE VALUE: FILE holds exactly VALUE (no trailing newline added or stripped).
expect_file() {
        check
        if [[ ! -f $1 ]]; then
                fail "${1#"$WORK"/} is missing"
        elif ! printf '%s' "$2" | cmp -s - "$1"; then
                fail "${1#"$WORK"/} is $(printf '%q' "$(head -c 300 "$1")"), expected $(printf '%q' "${2:0:300}")"
        fi
}

# expect_keys DIR KEY...: the entry in DIR has exactly these fields, each once.
expect_keys() {
        local dir=$1; shift
        local got want
        check
        got=$(cd "$dir" && ls | grep -vx TRANSPORT | sort | tr '\n' ' ')
        want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
        [[ $got == "$want" ]] || fail "${dir#"$WORK"/} has fields: $got; expected: $want"
}

expect_count() { # DIR N: number of entries received
        local n=0
        check
        [[ -d $1/entries ]] && n=$(find "$1/entries" -mindepth 1 -maxdepth 1 -type d | wc -l)
        [[ $n == "$2" ]] || fail "${1#"$WORK"/}: $n journal entries, expected $2"
}

# sink DIR ARGS...: runs the emitter under journal-sink.py; the harness itself must not fail.
sink() {
        local out=$1; shift
        python3 "$SINK" --out "$out" "$@" -- "$EMIT" --emit ||
                { fail "journal-sink.py failed for ${out#"$WORK"/}"; return 0; }
        expect_file "$out/rc" $'0\n'
}

REQUEST_MESSAGE=$'request answered\nsecond line'
ERROR_MESSAGE="cannot open /nonexistent: No such file or directory"

# The two entries test-log --emit writes, as journald must see them.
expect_journal_entries() {
        local d=$1/entries
        expect_count "$1" 2
        expect_keys "$d/0" MESSAGE PRIORITY SYSLOG_IDENTIFIER MESSAGE_ID VUMAERP_ACTION VUMAERP_DB \
                VUMAERP_REQUEST_ID VUMAERP_PEER VUMAERP_OUTCOME VUMAERP_DURATION_MS VUMAERP_HTTP_STATUS
        expect_file "$d/0/MESSAGE" "$REQUEST_MESSAGE"
        expect_file "$d/0/PRIORITY" 6
        expect_file "$d/0/SYSLOG_IDENTIFIER" vumaerp-test
        expect_file "$d/0/MESSAGE_ID" b95f81878da949be99c4c49588ca73b2
        expect_file "$d/0/VUMAERP_ACTION" status
        expect_file "$d/0/VUMAERP_DB" acme_ltd
        expect_file "$d/0/VUMAERP_REQUEST_ID" req-42
        expect_file "$d/0/VUMAERP_PEER" 203.0.113.5:51234
        expect_file "$d/0/VUMAERP_OUTCOME" ok
        expect_file "$d/0/VUMAERP_DURATION_MS" 3
        expect_file "$d/0/VUMAERP_HTTP_STATUS" 200

        expect_keys "$d/1" MESSAGE PRIORITY SYSLOG_IDENTIFIER
        expect_file "$d/1/MESSAGE" "$ERROR_MESSAGE"
        expect_file "$d/1/PRIORITY" 3
        expect_file "$d/1/SYSLOG_IDENTIFIER" vumaerp-test
}

# The same two entries as readable lines: one line each, the newline escaped.
expect_stderr_lines() {
        local file=$1/stderr pid_re='\[[0-9]+\]: '
        local -a lines=()
        check
        mapfile -t lines <"$file"
        if [[ ${#lines[@]} != 2 ]]; then
                fail "${file#"$WORK"/}: ${#lines[@]} lines, expected 2: $(cat "$file")"
                return 0
        fi
        check
        [[ ${lines[0]} =~ ^vumaerp-test${pid_re}(.*)$ &&
           ${BASH_REMATCH[1]} == 'request answered\nsecond line (action=status db=acme_ltd request=req-42 peer=203.0.113.5:51234 outcome=ok duration_ms=3 http_status=200)' ]] ||
                fail "${file#"$WORK"/}: first line is: ${lines[0]}"
        check
        [[ ${lines[1]} =~ ^vumaerp-test${pid_re}(.*)$ && ${BASH_REMATCH[1]} == "$ERROR_MESSAGE" ]] ||
                fail "${file#"$WORK"/}: second line is: ${lines[1]}"
}

# 1. The journal socket exists, no $JOURNAL_STREAM: structured entries, nothing on stderr.
sink "$WORK/socket" --socket "$JOURNAL_SOCKET"
expect_file "$WORK/socket/stdout" $'journal=1\n'
expect_journal_entries "$WORK/socket"
expect_file "$WORK/socket/entries/0/TRANSPORT" datagram
expect_file "$WORK/socket/stderr" ""
[[ ! -e $JOURNAL_SOCKET ]] || fail "the sink left its socket behind"

# 2. Neither: readable lines on stderr.
sink "$WORK/none"
expect_file "$WORK/none/stdout" $'journal=0\n'
expect_count "$WORK/none" 0
expect_stderr_lines "$WORK/none"

# 3. stderr is the stream $JOURNAL_STREAM names, and the socket exists: structured entries.
sink "$WORK/stream" --journal-stream match --socket "$JOURNAL_SOCKET"
expect_file "$WORK/stream/stdout" $'journal=1\n'
expect_journal_entries "$WORK/stream"
expect_file "$WORK/stream/stderr" ""

# 4. stderr is the journal stream but sending fails (no socket): the same lines on the stream,
#    so nothing is lost.
sink "$WORK/stream-nosocket" --journal-stream match
expect_file "$WORK/stream-nosocket/stdout" $'journal=1\n'
expect_count "$WORK/stream-nosocket" 0
expect_stderr_lines "$WORK/stream-nosocket"

# 5. $JOURNAL_STREAM names another file than stderr, no socket: stderr lines.
sink "$WORK/mismatch" --journal-stream mismatch
expect_file "$WORK/mismatch/stdout" $'journal=0\n'
expect_count "$WORK/mismatch" 0
expect_stderr_lines "$WORK/mismatch"

# 6. The stand-in itself: an entry too big for a datagram (libsystemd raises its send buffer to
#    8 MiB) comes as a memfd, and is read whole. (Our own entries are capped far below that.)
if python3 -c 'import ctypes; ctypes.CDLL("libsystemd.so.0")' 2>/dev/null; then
        python3 "$SINK" --out "$WORK/memfd" --socket "$JOURNAL_SOCKET" -- python3 -c '
import ctypes, sys
sd = ctypes.CDLL("libsystemd.so.0")
r = sd.sd_journal_send(b"MESSAGE=%s", ctypes.c_char_p(b"x" * (9 << 20)), b"BIG=line\nbreak", None)
sys.exit(0 if r == 0 else 1)' || fail "journal-sink.py failed for memfd"
        expect_file "$WORK/memfd/rc" $'0\n'
        expect_count "$WORK/memfd" 1
        expect_file "$WORK/memfd/entries/0/TRANSPORT" memfd
        check
        [[ $(stat -c %s "$WORK/memfd/entries/0/MESSAGE") == $((9 << 20)) &&
           -z $(tr -d x <"$WORK/memfd/entries/0/MESSAGE") ]] || fail "memfd: MESSAGE is not 9 MiB of x"
        expect_file "$WORK/memfd/entries/0/BIG" $'line\nbreak'
else
        echo "note: libsystemd.so.0 not loadable from python3; memfd check of the stand-in skipped"
fi

echo "journal: $checks checks, $failures failed"
echo "$((checks - failures)) passed, $failures failed"
[[ $failures == 0 ]]
