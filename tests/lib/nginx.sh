# SPDX-License-Identifier: MIT
# tests/lib/nginx.sh: a real nginx (Debian's) on loopback running the shipped
# packaging/nginx/vumaerp-tenants.conf, for the tests and the demo. Source after tests/lib/pg.sh.
#   nginx_check_shipped DIR      nginx -t on the shipped files as they are (fails the caller)
#   nginx_start DIR WEB UPSTREAM_PORT DOMAIN [API_PORT]
#                                the shipped file with only its ports, paths and server_name
#                                changed (each change must apply), under DIR: NGINX_PORT (tenant
#                                hosts), NGINX_API_PORT (vumaerp-api.conf's /provision/ in front of
#                                API_PORT), NGINX_PID
#   nginx_stop
# Skips (77) when nginx is not installed.

NGINX_SRC="$SOURCE_DIR/packaging/nginx"

nginx_bin() {
        command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } ||
                skip "nginx is not installed (Debian: apt-get install nginx; tools/install-deps does)"
}

# nginx_main_conf DIR INCLUDED-FILE API-LISTEN: an nginx.conf of its own under DIR, with the API
# snippet in a server of its own.
nginx_main_conf() {
        local d=$1 user=""
        mkdir -p "$d/tmp"
        if [ "$(id -u)" = 0 ]; then
                # Workers as an unprivileged user, as in production: what they read must be readable.
                user="user www-data;"
                chown www-data "$d/tmp"
        fi
        cat >"$d/nginx.conf" <<NGINX
$user
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    access_log $d/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    include $2;
    server {
        listen $3;
        server_name api.localhost;
        include $d/vumaerp-api.conf;
    }
}
NGINX
}

nginx_check_shipped() {
        local d=$1 nginx
        nginx=$(nginx_bin)
        mkdir -p "$d"
        cp "$NGINX_SRC/vumaerp-api.conf" "$d/vumaerp-api.conf"
        nginx_main_conf "$d" "$NGINX_SRC/vumaerp-tenants.conf" 127.0.0.1:8
        "$nginx" -t -q -p "$d" -c "$d/nginx.conf" 2>"$d/nginx-t.err" || {
                cat "$d/nginx-t.err" >&2
                echo "nginx -t refuses the shipped vumaerp-tenants.conf or vumaerp-api.conf" >&2
                return 1
        }
}

# nginx_subst FILE FROM TO: FILE must contain FROM.
nginx_subst() {
        grep -qF -- "$2" "$1" || { echo "the shipped $(basename "$1") no longer has '$2'" >&2; return 1; }
        FROM=$2 TO=$3 perl -pi -e 's/\Q$ENV{FROM}\E/$ENV{TO}/g' "$1"
}

nginx_start() {
        local d=$1 web=$2 upstream=$3 domain=$4 api=${5:-} nginx conf i
        nginx=$(nginx_bin)
        NGINX_PORT=$(free_port)
        mkdir -p "$d"
        conf="$d/vumaerp-tenants.conf"
        cp "$NGINX_SRC/vumaerp-tenants.conf" "$conf"
        nginx_subst "$conf" "listen 80;" "listen 127.0.0.1:$NGINX_PORT;"
        nginx_subst "$conf" "listen [::]:80;" ""
        nginx_subst "$conf" "server 127.0.0.1:8069;" "server 127.0.0.1:$upstream;"
        nginx_subst "$conf" "server 127.0.0.1:8072;" "server 127.0.0.1:$upstream;"
        nginx_subst "$conf" "server_name .vumacloud.com;" "server_name .$domain;"
        nginx_subst "$conf" "/var/lib/vumaerp-web" "$web"
        nginx_subst "$conf" "/usr/share/vumaerp/nginx" "$NGINX_SRC"
        cp "$NGINX_SRC/vumaerp-api.conf" "$d/vumaerp-api.conf"
        if [ -n "$api" ]; then
                nginx_subst "$conf" "server 127.0.0.1:5000;" "server 127.0.0.1:$api;"
                nginx_subst "$d/vumaerp-api.conf" "proxy_pass http://127.0.0.1:5000/;" "proxy_pass http://127.0.0.1:$api/;"
        fi
        NGINX_API_PORT=$(free_port)
        nginx_main_conf "$d" "$conf" "127.0.0.1:$NGINX_API_PORT"
        "$nginx" -t -q -p "$d" -c "$d/nginx.conf" 2>"$d/nginx-t.err" ||
                { cat "$d/nginx-t.err" >&2; echo "nginx -t refuses the adapted configuration" >&2; return 1; }
        "$nginx" -p "$d" -c "$d/nginx.conf" -g 'daemon off;' 2>>"$d/error.log" &
        NGINX_PID=$!
        pg_on_exit nginx_stop
        for i in $(seq 1 100); do
                curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGINX_PORT/" && return 0
                kill -0 "$NGINX_PID" 2>/dev/null || break
                sleep 0.05
        done
        echo "nginx did not start; its log:" >&2
        cat "$d/error.log" >&2 || true
        return 1
}

nginx_stop() {
        if [ -n "${NGINX_PID:-}" ]; then
                kill "$NGINX_PID" 2>/dev/null || true
                wait "$NGINX_PID" 2>/dev/null || true
                NGINX_PID=
        fi
}
