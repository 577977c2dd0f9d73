/* SPDX-License-Identifier: MIT */
/*
 * api.c: vumaerp-api — one connection, one request, one answer (api.h).
 *
 * Order of checks, and why: the request is read under hard limits first (nothing else is trusted
 * before it is whole); then the client network (403 to strangers whatever they ask); then the route
 * (404/405); /health answers here without touching anything; then the body is decoded (the token
 * may be in it, as the original's api_token form field); then the token (401, never saying whether
 * it was missing or wrong); only then is an action started.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "api.h"
#include "api-route.h"
#include "auth.h"
#include "build-config.h"
#include "config.h"
#include "form.h"
#include "http.h"
#include "log.h"
#include "names.h"
#include "message-id.h"
#include "result.h"
#include "subprocess.h"

typedef struct Exchange {
        int in_fd, out_fd;
        char peer[INET6_ADDRSTRLEN + 8];
        char request_id[33];
        struct timespec start;
        const char *action;
        char *db;
        int status;           /* what we answered; 0: nothing (the client left first) */
        char *code;           /* the answer's "code", NULL when none */
        bool delivered;       /* the client read the answer: no write error, no reset after it */
        const char *outcome;  /* when not answered: why */
} Exchange;

static void make_request_id(char out[33]) {
        uint8_t b[16];

        if (getrandom(b, sizeof(b), GRND_NONBLOCK) != sizeof(b)) {
                /* Only for correlation, never for security: time and pid are unique enough. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                snprintf(out, 33, "%016llx%08x%08x", (unsigned long long) ts.tv_sec, (unsigned) ts.tv_nsec, (unsigned) getpid());
                return;
        }
        for (size_t i = 0; i < sizeof(b); i++)
                snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void describe_peer(int fd, struct sockaddr_storage *ss, socklen_t *len, char *out, size_t size) {
        char addr[INET6_ADDRSTRLEN];

        *len = sizeof(*ss);
        if (getpeername(fd, (struct sockaddr *) ss, len) < 0) {
                *len = 0;
                snprintf(out, size, "local");
                return;
        }
        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *) ss;
                inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
                snprintf(out, size, "%s:%u", addr, ntohs(sin->sin_port));
        } else if (ss->ss_family == AF_INET6) {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) ss;
                inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
                snprintf(out, size, "[%s]:%u", addr, ntohs(sin6->sin6_port));
        } else
                snprintf(out, size, "local");
}

static int64_t elapsed_ms(const struct timespec *start) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t) (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Writes the answer (body_text, a JSON object; code: its "code" or NULL). The request's journal
 * entry is written once the connection is closed (log_exchange()), when we know whether the client
 * was still there to read it. */
static void answer_text(Exchange *x, int status, const char *extra_headers, const char *body_text, size_t size, const char *code) {
        x->status = status;
        x->code = code ? strdup(code) : NULL;
        x->delivered = http_write_response(x->out_fd, status, extra_headers, body_text, size) >= 0;
}

static void log_exchange(const Exchange *x) {
        LogContext ctx = LOG_CONTEXT_INIT;
        int priority;

        ctx.action = x->action ? x->action : "api";
        ctx.db = x->db;
        ctx.request_id = x->request_id;
        ctx.peer = x->peer;
        ctx.duration_ms = elapsed_ms(&x->start);
        if (x->status == 0) {
                ctx.outcome = x->outcome ? x->outcome : "no_answer";
                log_event(LOG_NOTICE, MESSAGE_ID_REQUEST, &ctx,
                          "the client closed the connection before sending a whole request");
                return;
        }
        ctx.outcome = x->status < 400 ? "ok" : (x->code ? x->code : "error");
        ctx.http_status = x->status;
        priority = x->status >= 500 ? LOG_ERR : x->status >= 400 ? LOG_NOTICE : LOG_INFO;
        /* An action a client abandoned still ran to its end (or undid itself): say so, since the
         * client (WHMCS) will retry without knowing the outcome. */
        log_event(priority, x->status == 401 || x->status == 403 ? MESSAGE_ID_AUTH_REFUSED : MESSAGE_ID_REQUEST, &ctx,
                  "%s %d%s%s%s", ctx.action, x->status, x->code ? " " : "", strempty(x->code),
                  x->delivered ? "" : " (the client was gone before the answer was delivered; the action's outcome stands)");
}

static void answer(Exchange *x, int status, const char *extra_headers, json_t *body) {
        static const char oom[] = "{\"success\":false,\"error\":\"out of memory\",\"code\":\"internal_error\"}";
        _cleanup_free_ char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
        const char *code = json_string_value(json_object_get(body, "code"));

        if (!text)
                return answer_text(x, 500, NULL, oom, strlen(oom), "internal_error");
        answer_text(x, status, extra_headers, text, strlen(text), code);
}

static void answer_error(Exchange *x, int status, const char *extra_headers, const char *code, const char *message) {
        json_t *body = result_error(code, "%s", message);

        answer(x, status, extra_headers, body);
        json_decref(body);
}

static const char *code_for_parse_error(int status) {
        switch (status) {
        case 408: return "request_timeout";
        case 413: return "request_too_large";
        case 501: return "not_implemented";
        case 505: return "http_version_not_supported";
        default:  return "bad_request";
        }
}

/* The directory vumaerp-api runs from: where its sibling action binaries are, installed or in
 * the build tree. */
static char *own_directory(void) {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        char *slash;

        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        slash = strrchr(buf, '/');
        if (!slash)
                return NULL;
        *slash = '\0';
        return strdup(buf);
}

static int build_request(const HttpRequest *req, json_t **ret, int *ret_status, const char **ret_code, const char **ret_message) {
        _cleanup_json_ json_t *fields = json_object();
        int r;

        if (!fields)
                return -ENOMEM;
        if (req->query) {
                r = form_decode(req->query, strlen(req->query), fields);
                if (r < 0) {
                        *ret_status = 400, *ret_code = "bad_request", *ret_message = "the query string is malformed";
                        return r;
                }
                /* A token in a URL ends up in proxy and shell history logs: it never counts, and
                 * it goes no further. */
                json_object_del(fields, "api_token");
        }
        r = form_decode_body(http_request_header(req, "Content-Type"), req->body, req->body_size, fields);
        if (r == -EMEDIUMTYPE) {
                *ret_status = 415, *ret_code = "unsupported_media_type";
                *ret_message = "send the request as application/json or application/x-www-form-urlencoded";
                return r;
        }
        if (r < 0) {
                *ret_status = 400, *ret_code = "bad_request";
                *ret_message = "the request body is malformed (a JSON object of plain values, or a form; each field once)";
                return r;
        }
        *ret = TAKE_PTR(fields);
        return 0;
}

static bool authenticated(const Config *c, const HttpRequest *req, json_t *fields, Exchange *x) {
        TokenSet *tokens = NULL;
        const char *given = http_request_header(req, "X-API-Token");
        json_t *form_token = json_object_get(fields, "api_token");
        bool ok;
        int r;

        r = token_set_load(c->api_token_file, &tokens);
        if (r < 0) {
                log_error_errno(r, "Cannot read the API tokens from %s", c->api_token_file ? c->api_token_file : "$CREDENTIALS_DIRECTORY/" AUTH_TOKEN_CREDENTIAL);
                answer_error(x, 500, NULL, "no_api_token", "the API has no usable token configured; see the journal");
                return false;
        }
        if (!given && json_is_string(form_token))
                given = json_string_value(form_token);
        ok = given && token_set_check(tokens, given);
        token_set_free(tokens);
        if (!ok)
                answer_error(x, 401, "WWW-Authenticate: X-API-Token\r\n", "unauthorized",
                             "authentication required: send a valid X-API-Token header");
        return ok;
}

/* The fields of a route that carries its own one-time token (API_ROUTE_OWN_TOKEN) besides the
 * query's: the Bearer token, the host the browser asked for. Anybody who can reach such a route
 * can call it, so nothing of theirs reaches the journal unchecked: a db_name must be a name. */
static bool own_token_fields(const ApiRoute *route, const HttpRequest *req, json_t *fields, Exchange *x) {
        json_t *db = json_object_get(fields, "db_name");

        if (db && !(json_is_string(db) && db_name_is_valid(json_string_value(db)))) {
                answer_error(x, 400, NULL, "invalid_db_name", "db_name is not a tenant's name");
                return false;
        }
        json_object_del(fields, "host");
        if (route->flags & API_ROUTE_BEARER) {
                const char *auth = http_request_header(req, "Authorization");

                if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && !json_object_get(fields, "access_token")) {
                        const char *v = auth + 7;

                        v += strspn(v, " ");
                        if (json_object_set_new(fields, "access_token", json_string(v)) < 0) {
                                answer_error(x, 400, NULL, "bad_request", "the Authorization header is not UTF-8");
                                return false;
                        }
                }
        }
        if (route->flags & API_ROUTE_HOST) {
                /* nginx sets X-Forwarded-Host to the host the browser asked for (its last value is
                 * nginx's own); without it, the request's Host. The port does not name a tenant. */
                const char *h = http_request_header(req, "X-Forwarded-Host");
                const char *comma;
                size_t n;

                if (!h)
                        h = http_request_header(req, "Host");
                if (h) {
                        comma = strrchr(h, ',');
                        if (comma)
                                h = comma + 1;
                        h += strspn(h, " \t");
                        n = strcspn(h, ":, \t");
                        if (n > 0 && n < 256 && json_object_set_new(fields, "host", json_stringn(h, n)) < 0) {
                                answer_error(x, 400, NULL, "bad_request", "the Host header is not UTF-8");
                                return false;
                        }
                }
        }
        return true;
}

/* A header value we copy from an action's answer into ours: printable ASCII, bounded. */
static bool header_value_is_safe(const char *v) {
        if (!v || !*v || strlen(v) > 1024)
                return false;
        for (const char *p = v; *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e)
                        return false;
        return true;
}

/* API_ROUTE_REDIRECT's success: the browser goes on to a path of the same host with the cookie
 * the action got; the cookie is in a header only, never in a body. */
static void answer_redirect(Exchange *x, json_t *reply) {
        static const char body[] = "{\"success\":true}";
        const char *location = json_string_value(json_object_get(reply, "location"));
        const char *cookie = json_string_value(json_object_get(reply, "set_cookie"));
        _cleanup_free_ char *headers = NULL;

        if (!header_value_is_safe(location) || location[0] != '/' || location[1] == '/' ||
            !header_value_is_safe(cookie) ||
            asprintf(&headers, "Location: %s\r\nSet-Cookie: %s\r\nCache-Control: no-store\r\n", location, cookie) < 0)
                return answer_error(x, 500, NULL, "action_failed", "the action gave no valid answer; see the journal");
        answer_text(x, 303, headers, body, strlen(body), NULL);
        explicit_bzero(headers, strlen(headers));
}

static void run_action(const Config *c, const ApiRoute *route, json_t *fields, Exchange *x) {
        _cleanup_free_ char *dir = NULL, *path = NULL, *input = NULL, *env_id = NULL, *env_peer = NULL;
        _cleanup_json_ json_t *reply = NULL;
        const char *passthrough[] = { "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY", "ASAN_OPTIONS",
                                      "UBSAN_OPTIONS", "LSAN_OPTIONS", "TZ" };
        char *env[16], *argv[5];
        _cleanup_strv_free_ char **owned_env = NULL;
        SubprocessResult res = {};
        size_t n_env = 0;
        int r;

        /* Never forwarded: the token, whether it came as a header or a field. */
        json_object_del(fields, "api_token");

        dir = c->action_dir ? strdup(c->action_dir) : own_directory();
        if (!dir || asprintf(&path, "%s/vumaerp-%s", dir, route->action) < 0)
                return answer_error(x, 500, NULL, "internal_error", "cannot locate the action program");
        input = json_dumps(fields, JSON_COMPACT);
        if (!input)
                return answer_error(x, 500, NULL, "internal_error", "out of memory");

        /* A clean environment: what the action needs and nothing a client or the socket's
         * environment could have put there. */
        owned_env = calloc(ELEMENTSOF(passthrough) + 1, sizeof(char *));
        if (!owned_env || asprintf(&env_id, "VUMAERP_REQUEST_ID=%s", x->request_id) < 0
            || asprintf(&env_peer, "VUMAERP_PEER=%s", x->peer) < 0)
                return answer_error(x, 500, NULL, "internal_error", "out of memory");
        env[n_env++] = (char *) "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        env[n_env++] = (char *) "LANG=C.UTF-8";
        env[n_env++] = env_id;
        env[n_env++] = env_peer;
        for (size_t i = 0, k = 0; i < ELEMENTSOF(passthrough); i++) {
                const char *v = getenv(passthrough[i]);
                if (!v)
                        continue;
                if (asprintf(&owned_env[k], "%s=%s", passthrough[i], v) < 0)
                        return answer_error(x, 500, NULL, "internal_error", "out of memory");
                env[n_env++] = owned_env[k++];
        }
        env[n_env] = NULL;

        argv[0] = path;
        argv[1] = (char *) "--json";
        argv[2] = (char *) "--config";
        argv[3] = c->path;
        argv[4] = NULL;

        r = subprocess_run(path, argv, env, input, strlen(input), c->api_deadline_sec * 1000, &res);
        if (r < 0) {
                log_error_errno(r, "Cannot start %s", path);
                return answer_error(x, 500, NULL, "action_unavailable", "the action could not be started; see the journal");
        }

        if (res.timed_out)
                answer_error(x, 504, NULL, "deadline_exceeded", "the action did not finish within the API deadline and was stopped");
        else if (!res.exited)
                answer_error(x, 500, NULL, "action_crashed", "the action crashed; see the journal");
        else {
                json_error_t err;
                size_t n = res.output_size;

                /* Parsed to be sure it is one JSON object (and for its code), but relayed as
                 * the action wrote it: re-serialising a 1,000-tenant list costs more than
                 * parsing it. */
                reply = res.output_truncated ? NULL : json_loadb(res.output, n, 0, &err);
                if (!json_is_object(reply))
                        answer_error(x, 500, NULL, "action_failed", "the action gave no valid answer; see the journal");
                else if ((route->flags & API_ROUTE_REDIRECT) && res.exit_status == EXIT_OK)
                        answer_redirect(x, reply);
                else {
                        while (n > 0 && (res.output[n - 1] == '\n' || res.output[n - 1] == ' '))
                                n--;
                        answer_text(x, http_status_for_exit(res.exit_status), NULL, res.output, n,
                                    json_string_value(json_object_get(reply, "code")));
                }
        }
        subprocess_result_done(&res);
}

static void serve(const Config *c, Exchange *x, const struct sockaddr *peer, socklen_t peer_len) {
        _cleanup_json_ json_t *fields = NULL;
        AllowList *allow = NULL;
        HttpRequest req = {};
        const ApiRoute *route = NULL;
        const char *bad = NULL, *code = NULL, *message = NULL;
        bool permitted;
        int r, status = 0;

        r = http_read_request(x->in_fd, c->api_receive_timeout_sec * 1000, &req);
        if (r == -ECONNRESET) {
                x->outcome = "client_gone";
                return;
        }
        if (r < 0) {
                status = http_status_for_parse_error(r);
                return answer_error(x, status, NULL, code_for_parse_error(status),
                                    status == 408 ? "the request did not arrive in time" :
                                    status == 413 ? "the request is too large" :
                                    status == 501 ? "transfer codings are not supported; send Content-Length" :
                                    status == 505 ? "only HTTP/1.0 and HTTP/1.1 are supported" : "the request is malformed");
        }

        r = allow_list_parse(c->api_allowed_clients, &allow, &bad);
        permitted = r >= 0 && allow_list_permits(allow, peer, peer_len);
        allow_list_free(allow);
        if (!permitted) {
                answer_error(x, 403, NULL, "forbidden", "this client address may not use the API");
                goto finish;
        }

        r = api_route_find(req.path, req.method, &route);
        if (r == -ENOENT) {
                answer_error(x, 404, NULL, "not_found", "no such endpoint");
                goto finish;
        }
        x->action = route->action;
        if (r < 0) {
                answer_error(x, 405, api_route_allow(route), "method_not_allowed", "this endpoint does not take that method");
                goto finish;
        }

        if (!route->action) {
                json_t *health = json_pack("{s:s,s:s}", "status", "ok", "service", "vumaerp-provision");
                answer(x, 200, NULL, health);
                json_decref(health);
                goto finish;
        }

        if (build_request(&req, &fields, &status, &code, &message) < 0) {
                answer_error(x, status ? status : 500, NULL, code ? code : "internal_error", message ? message : "out of memory");
                goto finish;
        }
        if (route->flags & API_ROUTE_OWN_TOKEN) {
                if (!own_token_fields(route, &req, fields, x))
                        goto finish;
        } else if (!authenticated(c, &req, fields, x))
                goto finish;

        /* Only now, and only a well-formed name: whoever is not authenticated writes nothing of
         * their own into the journal, and no journal field carries a newline or 1 KiB of junk. */
        if (json_is_string(json_object_get(fields, "db_name")) &&
            db_name_is_valid(json_string_value(json_object_get(fields, "db_name"))))
                x->db = strdup(json_string_value(json_object_get(fields, "db_name")));

        for (size_t i = 0; i < ELEMENTSOF(route->admin_only_fields) && route->admin_only_fields[i]; i++)
                if (json_object_get(fields, route->admin_only_fields[i])) {
                        char msg[128];

                        (void) snprintf(msg, sizeof msg, "\"%s\" is taken only at the command line (vumaerp-%s), not through the API",
                                        route->admin_only_fields[i], route->action);
                        answer_error(x, 400, NULL, "bad_request", msg);
                        goto finish;
                }

        run_action(c, route, fields, x);
finish:
        http_request_done(&req);
}

/* Closing a socket that still holds unread bytes (the rest of a refused 413 body, a pipelined
 * request) makes the kernel send RST, and the client may then lose the answer we wrote. So send
 * FIN first and read what is left for a moment, as web servers do ("lingering close"). A reset
 * in that moment means the client had closed before our answer arrived: it never read it. */
static void linger_close(Exchange *x) {
        int64_t deadline_ms = 2000;
        struct timespec start;
        char buf[16384];

        if (x->status == 0)
                return;
        if (shutdown(x->out_fd, SHUT_WR) < 0) {
                /* ENOTSOCK: a pipe (a local admin's test), nothing to linger on. Otherwise the
                 * connection is already gone: the client's reset beat us here. */
                if (errno != ENOTSOCK)
                        x->delivered = false;
                return;
        }
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (size_t total = 0; total < 4U * HTTP_MAX_BODY;) {
                struct pollfd p = { .fd = x->in_fd, .events = POLLIN };
                int64_t left = deadline_ms - elapsed_ms(&start);
                ssize_t n;

                if (left <= 0 || poll(&p, 1, (int) left) <= 0)
                        return;
                n = read(x->in_fd, buf, sizeof(buf));
                if (n < 0 && (errno == ECONNRESET || errno == EPIPE))
                        x->delivered = false;
                if (n <= 0)
                        return;
                total += (size_t) n;
        }
}

static void print_help(void) {
        printf("Usage: vumaerp-api [--config PATH]\n\n"
               "Answers one HTTP request on the connection systemd passes (stdin/stdout with\n"
               "StandardInput=socket, or LISTEN_FDS as systemd-socket-activate --accept does),\n"
               "running the action it asks for. See vumaerp-api(8).\n\n"
               "Options:\n"
               "  -h --help          show this help and exit\n"
               "     --version       show the version and exit\n"
               "     --config PATH   configuration file (default: $VUMAERP_CONFIG, else %s)\n",
               VUMAERP_DEFAULT_CONFIG);
}

int api_main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "config", required_argument, NULL, 'c' },
                {}
        };
        _cleanup_free_ char *config_error = NULL;
        struct sockaddr_storage peer;
        socklen_t peer_len = 0;
        const char *config_path = NULL;
        Exchange x = { .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO };
        Config *c = NULL;
        int opt, n;

        clock_gettime(CLOCK_MONOTONIC, &x.start);
        opterr = 0; /* the usage errors below say it as every vumaerp program does (tool.c) */
        while ((opt = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        print_help();
                        return EXIT_OK;
                case 'V':
                        printf("vumaerp-api %s\n", VUMAERP_VERSION);
                        return EXIT_OK;
                case 'c':
                        config_path = optarg;
                        break;
                default:
                        fprintf(stderr, "vumaerp-api: unknown or incomplete option '%.*s'\n"
                                "Try 'vumaerp-api --help'.\n",
                                (int) strcspn(argv[optind - 1], "="), argv[optind - 1]);
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "vumaerp-api: unexpected argument '%s'\nTry 'vumaerp-api --help'.\n", argv[optind]);
                return EXIT_USAGE;
        }

        /* A client that hangs up must not kill us before the action's outcome is logged. */
        signal(SIGPIPE, SIG_IGN);
        log_setup("vumaerp-api");
        make_request_id(x.request_id);

        n = sd_listen_fds(1);
        if (n > 1) {
                log_error("Expected one connection from systemd, got %d file descriptors", n);
                return EXIT_USAGE;
        }
        if (n == 1)
                x.in_fd = x.out_fd = SD_LISTEN_FDS_START;
        describe_peer(x.in_fd, &peer, &peer_len, x.peer, sizeof(x.peer));

        if (config_load(config_path, &c, &config_error) < 0) {
                log_error("%s", config_error);
                answer_error(&x, 500, NULL, "config_error", "vumaerp is misconfigured; the details are in the journal");
                linger_close(&x);
                log_exchange(&x);
                free(x.code);
                return EXIT_CONFIG;
        }

        serve(c, &x, (const struct sockaddr *) &peer, peer_len);
        linger_close(&x);
        log_exchange(&x);
        free(x.db);
        free(x.code);
        config_free(c);
        return EXIT_OK;
}
