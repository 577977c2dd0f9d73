# SPDX-License-Identifier: MIT
# tests/lib/odoo.sh: the Odoo stand-in (tests/odoo-standin.py) for the tests that talk to Odoo's
# JSON-RPC. Source after tests/lib/pg.sh and pg_start (it connects through PGHOST/PGPORT).
#   odoo_start [master password]  starts it on a free port as the role odoo (ODOO_DATA_DIR: its
#                                 data_dir; ODOO_CRON_INTERVAL: seconds between its cron polls;
#                                 ODOO_DBFILTER, ODOO_PROXY_MODE=1, ODOO_NO_LIST_DB=1: Odoo's
#                                 dbfilter, proxy_mode, list_db = False): ODOO_PORT, ODOO_URL,
#                                 ODOO_PID, ODOO_LOG, ODOO_MASTER_FILE (the master password's file)
#   odoo_stop
#   odoo_need                     skips (77) unless the stand-in can run here: odoo_start does
#                                 too, but a test may want to know before it starts anything
# It needs a python3 with psycopg2 and passlib (Debian: python3-psycopg2 python3-passlib).

odoo_python() {
        local p
        for p in python3 /usr/bin/python3; do
                if command -v "$p" >/dev/null && "$p" -c 'import psycopg2, passlib' 2>/dev/null; then
                        command -v "$p"; return 0
                fi
        done
        return 1
}

odoo_need() {
        odoo_python >/dev/null || skip "no python3 with psycopg2 and passlib (install python3-psycopg2 python3-passlib)"
}

odoo_start() {
        local master=${1:-standin-master-$RANDOM$RANDOM} py i
        odoo_need
        py=$(odoo_python)
        ODOO_PORT=$(free_port)
        ODOO_URL="http://127.0.0.1:$ODOO_PORT"
        ODOO_LOG=${ODOO_LOG:-$PG_TMP/odoo-standin-$ODOO_PORT.log}
        ODOO_MASTER_FILE="$PG_TMP/odoo-master-$ODOO_PORT"
        (umask 077; printf '%s\n' "$master" >"$ODOO_MASTER_FILE")
        PG_BIN="$PG_BIN" "$py" "$SOURCE_DIR/tests/odoo-standin.py" --port "$ODOO_PORT" --db-user odoo \
                --master-password-file "$ODOO_MASTER_FILE" --fixtures-dir "$FIXTURES_DIR" \
                ${ODOO_DATA_DIR:+--data-dir "$ODOO_DATA_DIR"} --cron-interval "${ODOO_CRON_INTERVAL:-60}" \
                ${ODOO_DBFILTER:+--dbfilter "$ODOO_DBFILTER"} ${ODOO_PROXY_MODE:+--proxy-mode} \
                ${ODOO_NO_LIST_DB:+--no-list-db} ${ODOO_VERBOSE:+--verbose} 2>>"$ODOO_LOG" &
        ODOO_PID=$!
        pg_on_exit odoo_stop
        for i in $(seq 1 100); do
                if curl -s -o /dev/null --max-time 2 -H 'Content-Type: application/json' \
                        -d '{"jsonrpc":"2.0","method":"call","params":{"service":"common","method":"version","args":[]},"id":1}' \
                        "$ODOO_URL/jsonrpc"; then
                        export ODOO_PORT ODOO_URL ODOO_PID ODOO_LOG ODOO_MASTER_FILE
                        return 0
                fi
                kill -0 "$ODOO_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "the Odoo stand-in did not come up on $ODOO_URL; its log:" >&2
        cat "$ODOO_LOG" >&2 || true
        return 1
}

odoo_stop() {
        if [ -n "${ODOO_PID:-}" ]; then
                kill "$ODOO_PID" 2>/dev/null || true
                wait "$ODOO_PID" 2>/dev/null || true
                ODOO_PID=
        fi
}

# odoo_rpc SERVICE METHOD ARGS-JSON: one call with curl, the whole response on stdout.
odoo_rpc() {
        jq -cn --arg s "$1" --arg m "$2" --argjson a "$3" \
                '{jsonrpc: "2.0", method: "call", params: {service: $s, method: $m, args: $a}, id: 7}' |
                curl -sS --max-time 120 -H 'Content-Type: application/json' --data-binary @- "$ODOO_URL/jsonrpc"
}
