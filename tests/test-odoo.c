/* SPDX-License-Identifier: MIT */
/*
 * test-odoo.c: the JSON-RPC client (lib/store/odoo.c). Always: error messages, the master password
 * file, and the protocol against a one-shot HTTP server forked per case (the envelope sent, an
 * answer, Odoo's error shape, AccessDenied, a wrong id, not JSON, HTTP 500, a redirect that must
 * not be followed, an oversized answer, silence past the timeout, nobody listening).
 * With ODOO_TEST_URL (tests/integration-odoo.sh runs it against tests/odoo-standin.py): the calls
 * against a real Odoo database, ODOO_TEST_DB (admin/adminpw) and ODOO_TEST_SUSPENDED.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "odoo.h"
#include "result.h"
#include "tests.h"

enum {
        MODE_OK,
        MODE_ERROR,
        MODE_ACCESS,
        MODE_WRONG_ID,
        MODE_NOT_JSON,
        MODE_HTTP500,
        MODE_REDIRECT,
        MODE_HUGE,
        MODE_SILENT,
};

static void write_all(int fd, const char *s, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, s, n);
                if (k <= 0)
                        return;
                s += k;
                n -= (size_t) k;
        }
}

static void respond(int fd, int status, const char *body) {
        char head[256];
        int n = snprintf(head, sizeof head,
                         "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                         status, strlen(body), status == 307 ? "Location: http://127.0.0.1:1/jsonrpc\r\n" : "");
        write_all(fd, head, (size_t) n);
        write_all(fd, body, strlen(body));
}

/* The child: one request, checked (exit 2 when the envelope is wrong), one answer. */
static _noreturn_ void serve_one(int listener, int mode) {
        static char buf[65536];
        size_t n = 0;
        char *body, *cl, *answer = NULL;
        json_t *req, *params, *id;
        int fd = accept(listener, NULL, NULL);

        if (fd < 0)
                _exit(3);
        for (;;) {
                ssize_t k = read(fd, buf + n, sizeof buf - 1 - n);
                if (k <= 0)
                        _exit(3);
                n += (size_t) k;
                buf[n] = '\0';
                body = strstr(buf, "\r\n\r\n");
                cl = strcasestr(buf, "Content-Length:");
                if (body && cl && strlen(body + 4) >= (size_t) atol(cl + 15))
                        break;
        }
        req = json_loads(body + 4, 0, NULL);
        params = json_object_get(req, "params");
        id = json_object_get(req, "id");
        if (!strstr(buf, "POST /jsonrpc HTTP/1.1\r\n") || !strcasestr(buf, "Content-Type: application/json") ||
            !streq_ptr(json_string_value(json_object_get(req, "jsonrpc")), "2.0") ||
            !streq_ptr(json_string_value(json_object_get(req, "method")), "call") ||
            !streq_ptr(json_string_value(json_object_get(params, "service")), "common") ||
            !streq_ptr(json_string_value(json_object_get(params, "method")), "version") ||
            !json_equal(json_object_get(params, "args"), json_pack("[s, i]", "a", 1)) ||
            !json_is_integer(id))
                _exit(2);

        switch (mode) {
        case MODE_OK:
                answer = json_dumps(json_pack("{s:s, s:O, s:{s:s}}", "jsonrpc", "2.0", "id", id, "result", "server_serie", "17.0"), 0);
                break;
        case MODE_ERROR:
                answer = json_dumps(json_pack("{s:s, s:O, s:{s:i, s:s, s:{s:s, s:s, s:s}}}", "jsonrpc", "2.0", "id", id,
                                              "error", "code", 200, "message", "Odoo Server Error", "data",
                                              "name", "psycopg2.OperationalError",
                                              "message", "connection failed: FATAL:  database \"x\" is not currently accepting connections\n",
                                              "debug", "Traceback (most recent call last):\n  secret stack\n"), 0);
                break;
        case MODE_ACCESS:
                answer = json_dumps(json_pack("{s:s, s:O, s:{s:i, s:s, s:{s:s, s:s}}}", "jsonrpc", "2.0", "id", id,
                                              "error", "code", 200, "message", "Odoo Server Error", "data",
                                              "name", "odoo.exceptions.AccessDenied", "message", "Access Denied"), 0);
                break;
        case MODE_WRONG_ID:
                answer = json_dumps(json_pack("{s:s, s:I, s:b}", "jsonrpc", "2.0", "id", json_integer_value(id) + 1, "result", 1), 0);
                break;
        case MODE_NOT_JSON:
                answer = strdup("<html>Odoo is starting</html>");
                break;
        case MODE_HTTP500:
        case MODE_REDIRECT:
                answer = json_dumps(json_pack("{s:s, s:O, s:b}", "jsonrpc", "2.0", "id", id, "result", 1), 0);
                break;
        case MODE_HUGE: {
                static char chunk[65536];
                const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[\"";

                memset(chunk, 'a', sizeof chunk);
                write_all(fd, head, strlen(head));
                for (size_t sent = 0; sent < ODOO_MAX_RESPONSE + sizeof chunk; sent += sizeof chunk)
                        write_all(fd, chunk, sizeof chunk);
                _exit(0);
        }
        case MODE_SILENT:
                sleep(5);
                _exit(0);
        }
        respond(fd, mode == MODE_HTTP500 ? 500 : mode == MODE_REDIRECT ? 307 : 200, answer);
        _exit(0);
}

/* Runs one call against a child serving mode; returns odoo_call's value, the child's status in
 * *ret_child (0: the envelope was right). */
static int call_mode(int mode, long timeout, json_t **ret_result, char **ret_error, int *ret_child) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        char url[64];
        json_t *args = json_pack("[s, i]", "a", 1);
        int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = 0, r;
        pid_t pid;

        if (listener < 0 || bind(listener, (struct sockaddr *) &sa, sizeof sa) < 0 ||
            listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *) &sa, &len) < 0) {
                perror("socket");
                abort();
        }
        pid = fork();
        if (pid == 0)
                serve_one(listener, mode);
        close(listener);
        (void) snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(sa.sin_port));
        Config *c = test_config();
        test_set(&c->odoo_url, url);
        r = odoo_call_timeout(c, "common", "version", args, timeout, ret_result, ret_error);
        config_free(c);
        if (mode == MODE_SILENT || mode == MODE_HUGE)
                kill(pid, SIGKILL);
        (void) waitpid(pid, &status, 0);
        *ret_child = WIFEXITED(status) ? WEXITSTATUS(status) : (mode == MODE_SILENT || mode == MODE_HUGE ? 0 : -1);
        json_decref(args);
        return r;
}

static void test_protocol(void) {
        json_t *result = NULL;
        char *error = NULL;
        int child, r;

        r = call_mode(MODE_OK, 10, &result, &error, &child);
        CHECK_INT(r, 0);
        CHECK_INT(child, 0);
        CHECK_STR(json_string_value(json_object_get(result, "server_serie")), "17.0");
        CHECK(!error);
        json_decref(result);
        result = NULL;

        r = call_mode(MODE_ERROR, 10, &result, &error, &child);
        CHECK_INT(r, -EREMOTEIO);
        CHECK_INT(child, 0);
        CHECK(!result);
        CHECK(error && strstr(error, "database \"x\" is not currently accepting connections (psycopg2.OperationalError)"));
        CHECK(error && !strchr(error, '\n') && !strstr(error, "secret stack") && !strstr(error, "Odoo Server Error"));
        free(error);
        error = NULL;

        r = call_mode(MODE_ACCESS, 10, &result, &error, &child);
        CHECK_INT(r, -EACCES);
        CHECK(error && strstr(error, "Access Denied (odoo.exceptions.AccessDenied)"));
        free(error);
        error = NULL;

        static const int protocol_errors[] = { MODE_WRONG_ID, MODE_NOT_JSON, MODE_HTTP500, MODE_REDIRECT, MODE_HUGE };
        for (size_t i = 0; i < ELEMENTSOF(protocol_errors); i++) {
                r = call_mode(protocol_errors[i], 10, &result, &error, &child);
                CHECK_INT(r, -EPROTO);
                CHECK_INT(child, 0);
                CHECK(!result);
                CHECK(error);
                if (error)
                        fprintf(stderr, "mode %d: %s\n", protocol_errors[i], error);
                free(error);
                error = NULL;
        }

        r = call_mode(MODE_SILENT, 1, &result, &error, &child);
        CHECK_INT(r, -ETIMEDOUT);
        free(error);
        error = NULL;
}

static void test_unreachable(void) {
        json_t *args = json_array(), *result = NULL;
        char *error = NULL;
        _cleanup_(config_freep) Config *none = test_config(), *closed = test_config(), *ftp = test_config();

        test_set(&closed->odoo_url, "http://127.0.0.1:1");
        test_set(&ftp->odoo_url, "ftp://127.0.0.1:21");
        CHECK_INT(odoo_call(none, "common", "version", args, &result, &error), -EDESTADDRREQ);
        CHECK(error && strstr(error, "odoo.url"));
        free(error);
        CHECK_INT(odoo_call(closed, "common", "version", args, &result, &error), -ECONNREFUSED);
        free(error);
        /* config.c only lets http(s) through; the client refuses anything else too. */
        CHECK_INT(odoo_call(ftp, "common", "version", args, &result, &error), -ECONNREFUSED);
        free(error);
        CHECK_INT(odoo_call(closed, "common", "version", NULL, &result, &error), -EINVAL);
        free(error);
        CHECK(!result);
        json_decref(args);
}

static void test_error_message(void) {
        json_t *e;
        char *m;

        e = json_pack("{s:i, s:s, s:{s:s, s:s}}", "code", 200, "message", "Odoo Server Error",
                      "data", "name", "odoo.exceptions.UserError", "message", "line one\nline\ttwo\n\n");
        m = odoo_error_message(e);
        CHECK_STR(m, "line one line two (odoo.exceptions.UserError)");
        free(m);
        json_decref(e);

        e = json_pack("{s:i, s:s}", "code", 404, "message", "404: Not Found");
        m = odoo_error_message(e);
        CHECK_STR(m, "404: Not Found");
        free(m);
        json_decref(e);

        m = odoo_error_message(NULL);
        CHECK_STR(m, "unknown error");
        free(m);

        {
                char big[5000];
                memset(big, 'x', sizeof big - 1);
                big[sizeof big - 1] = '\0';
                e = json_pack("{s:{s:s}}", "data", "message", big);
                m = odoo_error_message(e);
                CHECK(m && strlen(m) <= 1024);
                free(m);
                json_decref(e);
        }
}

static void test_master_password(void) {
        char dir[] = "/tmp/test-odoo.XXXXXX", path[64];
        char *pw = NULL, *error = NULL;
        _cleanup_(config_freep) Config *c = test_config();
        FILE *f;

        CHECK(mkdtemp(dir));
        CHECK_INT(odoo_master_password(c, &pw, &error), -ENOKEY);
        CHECK(error && strstr(error, "not configured"));
        free(error);

        (void) snprintf(path, sizeof path, "%s/master", dir);
        f = fopen(path, "we");
        CHECK(f);
        if (!f)
                return;
        fputs("s3cret pass\r\n\n", f);
        fclose(f);

        test_set(&c->odoo_master_password_file, path);
        CHECK_INT(odoo_master_password(c, &pw, &error), 0);
        CHECK_STR(pw, "s3cret pass");
        odoo_secret_free(pw);
        pw = NULL;

        test_set(&c->odoo_master_password_file, "master");
        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
        CHECK_INT(odoo_master_password(c, &pw, &error), -ENOKEY);
        CHECK(error && strstr(error, "CREDENTIALS_DIRECTORY"));
        free(error);
        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
        CHECK_INT(odoo_master_password(c, &pw, &error), 0);
        CHECK_STR(pw, "s3cret pass");
        odoo_secret_free(pw);
        pw = NULL;

        test_set(&c->odoo_master_password_file, "missing");
        CHECK_INT(odoo_master_password(c, &pw, &error), -ENOKEY);
        free(error);
        f = fopen(path, "we");
        if (f)
                fclose(f);
        test_set(&c->odoo_master_password_file, path);
        CHECK_INT(odoo_master_password(c, &pw, &error), -ENOKEY);
        CHECK(error && strstr(error, "empty"));
        free(error);
        CHECK(!pw);
        (void) unlink(path);
        (void) rmdir(dir);
        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
}

/* Against the stand-in (or a real Odoo) with a restored fixture. */
static void test_live(const char *url, const char *db, const char *suspended) {
        _cleanup_(config_freep) Config *c = test_config();
        json_t *args, *result = NULL;
        char *error = NULL;
        int uid = 0, r;

        test_set(&c->odoo_url, url);
        args = json_array();
        r = odoo_call(c, "common", "version", args, &result, &error);
        CHECK_INT(r, 0);
        CHECK_STR(json_string_value(json_object_get(result, "server_version")), "17.0");
        CHECK_STR(json_string_value(json_object_get(result, "server_serie")), "17.0");
        CHECK_INT(json_integer_value(json_object_get(result, "protocol_version")), 1);
        {
                json_t *want = json_pack("[i, i, i, s, i, s]", 17, 0, 0, "final", 0, "");
                CHECK(json_equal(json_object_get(result, "server_version_info"), want));
                json_decref(want);
        }
        json_decref(result);
        result = NULL;

        r = odoo_call(c, "db", "server_version", args, &result, &error);
        CHECK_INT(r, 0);
        CHECK_STR(json_string_value(result), "17.0");
        json_decref(result);
        result = NULL;

        r = odoo_call(c, "db", "list", args, &result, &error);
        CHECK_INT(r, 0);
        {
                bool found = false, found_suspended = false;
                size_t i;
                json_t *v;

                json_array_foreach(result, i, v) {
                        found = found || streq_ptr(json_string_value(v), db);
                        found_suspended = found_suspended || streq_ptr(json_string_value(v), suspended);
                }
                CHECK(found);
                /* list_dbs: datallowconn only. */
                CHECK(!found_suspended);
        }
        json_decref(result);
        result = NULL;
        json_decref(args);

        r = odoo_authenticate(c, db, "admin", "adminpw", &uid, &error);
        CHECK_INT(r, 0);
        CHECK_INT(uid, 2);
        r = odoo_authenticate(c, db, "admin", "adminpw ", &uid, &error);
        CHECK_INT(r, -EACCES);
        CHECK(error && !strstr(error, "adminpw"));
        free(error);
        error = NULL;
        r = odoo_authenticate(c, db, "nobody", "adminpw", &uid, &error);
        CHECK_INT(r, -EACCES);
        free(error);
        error = NULL;

        r = odoo_authenticate(c, suspended, "admin", "adminpw", &uid, &error);
        CHECK_INT(r, -EREMOTEIO);
        {
                char *want = NULL;
                CHECK(asprintf(&want, "database \"%s\" is not currently accepting connections", suspended) > 0);
                CHECK(error && want && strstr(error, want));
                CHECK(error && strstr(error, "(psycopg2.OperationalError)"));
                free(want);
        }
        fprintf(stderr, "suspended: %s\n", strempty(error));
        free(error);
        error = NULL;

        args = json_pack("[s, i, s, s, s, [[[s, s, s]]]]", db, 2, "adminpw", "ir.module.module", "search_read",
                         "name", "=", "l10n_ke");
        r = odoo_call(c, "object", "execute_kw", args, &result, &error);
        CHECK_INT(r, 0);
        CHECK_INT(json_array_size(result), 1);
        CHECK_STR(json_string_value(json_object_get(json_array_get(result, 0), "state")), "installed");
        json_decref(result);
        result = NULL;
        json_decref(args);

        args = json_pack("[s, i, s, s, s, [[]]]", db, 2, "wrong", "ir.module.module", "search");
        r = odoo_call(c, "object", "execute_kw", args, &result, &error);
        CHECK_INT(r, -EACCES);
        CHECK(error && strstr(error, "odoo.exceptions.AccessDenied"));
        free(error);
        error = NULL;
        json_decref(args);

        args = json_pack("[s, s, b, s, s, s, s, s]", "not-the-master", "never_made", 0, "en_US", "pw", "admin", "KE", "");
        r = odoo_call(c, "db", "create_database", args, &result, &error);
        CHECK_INT(r, -EACCES);
        free(error);
        json_decref(args);
        CHECK(!result);
}

int main(void) {
        const char *url = getenv("ODOO_TEST_URL");

        /* A write to a client that hung up must be an error, not the end of the test. */
        signal(SIGPIPE, SIG_IGN);
        test_error_message();
        test_master_password();
        test_unreachable();
        test_protocol();
        if (url)
                test_live(url, getenv("ODOO_TEST_DB"), getenv("ODOO_TEST_SUSPENDED"));
        else
                fprintf(stderr, "ODOO_TEST_URL not set: the calls against Odoo are tested by integration-odoo.sh\n");
        return test_exit_status();
}
