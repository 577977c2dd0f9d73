# SPDX-License-Identifier: MIT
# tests/lib/api.sh: serving the real vumaerp-api under systemd-socket-activate, as the socket unit
# does, for the end-to-end tests, the demo and bench/. Source after tests/lib/pg.sh.
#   api_start CONFIG [accept|inetd] [extra systemd-socket-activate args...]
#     starts it on a free port (API_PORT, API_URL, API_PID, API_LOG: the handlers' stderr)
#   api_stop
# accept: the connection arrives as LISTEN_FDS=1 (fd 3); inetd: on stdin/stdout, which is what
# the unit's Accept=yes + StandardInput=socket gives.

api_start() {
        local config=$1 mode=${2:-accept}
        shift 2 || shift $#
        local flags=(--accept) v
        if [ "$mode" = inetd ]; then flags+=(--inetd); fi
        # systemd-socket-activate gives the handler only PATH, HOME, TERM and LISTEN_*, like a
        # unit without Environment=; pass the sanitizer settings on explicitly.
        for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
                if [ -n "${!v:-}" ]; then flags+=(-E "$v=${!v}"); fi
        done
        command -v systemd-socket-activate >/dev/null || { echo "systemd-socket-activate is missing (package systemd)" >&2; return 1; }
        API_PORT=$(free_port)
        API_URL="http://127.0.0.1:$API_PORT"
        API_LOG=${API_LOG:-$PG_TMP/api-$API_PORT.log}
        systemd-socket-activate "${flags[@]}" -l "127.0.0.1:$API_PORT" "$@" \
                "$BUILD_DIR/bin/vumaerp-api" --config "$config" 2>>"$API_LOG" &
        API_PID=$!
        pg_on_exit api_stop
        local i
        for i in $(seq 1 100); do
                if curl -s -o /dev/null --max-time 2 "$API_URL/health"; then
                        export API_PORT API_URL API_PID API_LOG
                        return 0
                fi
                sleep 0.05
        done
        echo "vumaerp-api did not come up on $API_URL; its log:" >&2
        cat "$API_LOG" >&2 || true
        return 1
}

api_stop() {
        if [ -n "${API_PID:-}" ]; then
                kill "$API_PID" 2>/dev/null || true
                wait "$API_PID" 2>/dev/null || true
                API_PID=
        fi
}
