/* SPDX-License-Identifier: MIT */
/* test-http.c: the strict request parser, the fd reader with its deadline, and the response writer. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "macro.h"
#include "tests.h"

/* Parses a NUL-terminated request, frees it, returns what http_request_parse() returned. */
static int parse_str(const char *s) {
        HttpRequest req;
        int r = http_request_parse(s, strlen(s), &req);
        if (r > 0)
                http_request_done(&req);
        return r;
}

static void test_simple_get(void) {
        const char *s = "GET /api/v1/status?db_name=acme_ltd&x=1 HTTP/1.1\r\n"
                        "Host: localhost:5000\r\n"
                        "User-Agent: curl/7.88.1\r\n"
                        "Accept:   */*  \r\n"
                        "X-Empty:\r\n"
                        "\r\n";
        HttpRequest req;

        CHECK_INT(http_request_parse(s, strlen(s), &req), 1);
        CHECK_STR(req.method, "GET");
        CHECK_STR(req.target, "/api/v1/status?db_name=acme_ltd&x=1");
        CHECK_STR(req.path, "/api/v1/status");
        CHECK_STR(req.query, "db_name=acme_ltd&x=1");
        CHECK_INT(req.version_minor, 1);
        CHECK_INT(req.n_headers, 4);
        CHECK_STR(http_request_header(&req, "host"), "localhost:5000");
        CHECK_STR(http_request_header(&req, "ACCEPT"), "*/*");
        CHECK_STR(http_request_header(&req, "x-empty"), "");
        CHECK(http_request_header(&req, "Content-Length") == NULL);
        CHECK_INT(req.body_size, 0);
        CHECK(req.body && req.body[0] == '\0');
        http_request_done(&req);
        CHECK(req.method == NULL && req.headers == NULL && req.n_headers == 0);
        http_request_done(&req); /* idempotent */
}

static void test_no_query_and_empty_query(void) {
        HttpRequest req;
        const char *a = "GET /x HTTP/1.0\r\n\r\n";
        const char *b = "GET /x? HTTP/1.1\r\nHost: h\r\n\r\n";
        const char *c = "GET /x?a?b HTTP/1.1\r\nHost: h\r\n\r\n";

        CHECK_INT(http_request_parse(a, strlen(a), &req), 1);
        CHECK_STR(req.path, "/x");
        CHECK(req.query == NULL);
        CHECK_INT(req.version_minor, 0);
        http_request_done(&req);

        CHECK_INT(http_request_parse(b, strlen(b), &req), 1);
        CHECK_STR(req.path, "/x");
        CHECK_STR(req.query, "");
        http_request_done(&req);

        CHECK_INT(http_request_parse(c, strlen(c), &req), 1);
        CHECK_STR(req.path, "/x");
        CHECK_STR(req.query, "a?b");
        http_request_done(&req);
}

static void test_post_body(void) {
        const char *s = "POST /api/v1/provision HTTP/1.1\r\n"
                        "Host: h\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: 13\r\n"
                        "\r\n"
                        "{\"a\":\"b\\u00\"}";
        HttpRequest req;
        size_t n = strlen(s);

        CHECK_INT(http_request_parse(s, n, &req), 1);
        CHECK_INT(req.body_size, 13);
        CHECK(memcmp(req.body, "{\"a\":\"b\\u00\"}", 13) == 0);
        CHECK(req.body[13] == '\0');
        http_request_done(&req);

        /* Every shorter prefix needs more bytes, and leaves nothing allocated. */
        for (size_t i = 0; i < n; i++) {
                int r = http_request_parse(s, i, &req);
                CHECK_INT(r, 0);
                CHECK(req.method == NULL && req.body == NULL);
        }

        /* A body with a NUL byte in it is kept whole. */
        char b[] = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na\0b";
        CHECK_INT(http_request_parse(b, sizeof(b) - 1, &req), 1);
        CHECK_INT(req.body_size, 3);
        CHECK(memcmp(req.body, "a\0b", 3) == 0);
        http_request_done(&req);

        /* GET with a body by Content-Length is read too (the router decides). */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab"), 1);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"), 1);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 007\r\n\r\nabcdefg"), 1);
}

/* Feeding a request one byte more at a time gives 0 until the whole is there, then the same
 * result as parsing it at once — for good and bad requests alike. */
static void check_incremental(const char *s, size_t n) {
        HttpRequest whole, part;
        int rw, rp = 0;
        size_t i;

        rw = http_request_parse(s, n, &whole);
        for (i = 0; i <= n; i++) {
                rp = http_request_parse(s, i, &part);
                if (rp != 0)
                        break;
        }
        CHECK_INT(rp, rw);
        if (rw == 1 && rp == 1) {
                CHECK_STR(part.method, whole.method);
                CHECK_STR(part.target, whole.target);
                CHECK_STR(part.path, whole.path);
                CHECK(streq_ptr(part.query, whole.query));
                CHECK_INT(part.n_headers, whole.n_headers);
                CHECK_INT(part.body_size, whole.body_size);
                CHECK(memcmp(part.body, whole.body, whole.body_size) == 0);
        }
        if (rp == 1)
                http_request_done(&part);
        if (rw == 1)
                http_request_done(&whole);
}

static void test_incremental(void) {
        static const char *const cases[] = {
                "GET /a?b=c HTTP/1.1\r\nHost: h\r\nX: y\r\n\r\n",
                "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
                "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello, and more",
                "GET /a HTTP/1.1\nHost: h\n\n",
                "GET /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "GET /a HTTP/2.0\r\n\r\n",
                "BAD\r\n\r\n",
                "POST /p HTTP/1.1\r\nHost: h\r\n\r\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_incremental(cases[i], strlen(cases[i]));
}

static void test_pipelining(void) {
        const char *s = "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                        "GET /two HTTP/1.1\r\nHost: h\r\n\r\n"
                        "garbage \0\r\r\n";
        HttpRequest req;

        CHECK_INT(http_request_parse(s, strlen(s) + 8, &req), 1);
        CHECK_STR(req.path, "/one");
        CHECK_INT(req.body_size, 3);
        CHECK_STR(req.body, "abc");
        http_request_done(&req);
}

static void test_framing_refused(void) {
        /* Transfer-Encoding of any kind: 501. */
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"), -EOPNOTSUPP);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\ntransfer-encoding: identity\r\nContent-Length: 1\r\n\r\nx"), -EOPNOTSUPP);
        CHECK_INT(http_status_for_parse_error(-EOPNOTSUPP), 501);

        /* Content-Length: one, digits only. */
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nxy"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 1\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\nx"), -EBADMSG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\nx"), -EBADMSG);
        /* Would overflow any integer: too large, not wrapped. */
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 18446744073709551617\r\n\r\nx"), -EFBIG);
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999999999\r\n\r\n"), -EFBIG);

        /* No length and no transfer coding: an empty body (RFC 9112 6.3), as curl -X POST sends. */
        {
                HttpRequest req = {};
                const char *s = "POST /api/v1/list HTTP/1.1\r\nHost: h\r\n\r\n";
                CHECK_INT(http_request_parse(s, strlen(s), &req), 1);
                CHECK_INT(req.body_size, 0);
                CHECK_STR(req.method, "POST");
                http_request_done(&req);
        }
        CHECK_INT(parse_str("PUT / HTTP/1.1\r\nHost: h\r\n\r\n"), 1);
        CHECK_INT(parse_str("DELETE / HTTP/1.1\r\nHost: h\r\n\r\n"), 1);
}

static void test_injection_and_syntax(void) {
        /* CR, LF, NUL inside names and values. */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\nb: c\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX\rA: a\r\n\r\n"), -EBADMSG);
        char nul_value[] = "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\0b\r\n\r\n";
        char nul_name[] = "GET / HTTP/1.1\r\nHost: h\r\nX\0A: ab\r\n\r\n";
        char nul_line[] = "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n";
        HttpRequest req;
        CHECK_INT(http_request_parse(nul_value, sizeof(nul_value) - 1, &req), -EBADMSG);
        CHECK_INT(http_request_parse(nul_name, sizeof(nul_name) - 1, &req), -EBADMSG);
        CHECK_INT(http_request_parse(nul_line, sizeof(nul_line) - 1, &req), -EBADMSG);
        /* Refused as soon as the NUL is seen, before the head is complete. */
        CHECK_INT(http_request_parse(nul_line, 7, &req), -EBADMSG);
        /* Other control bytes in values, and DEL. */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x01" "b\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x7f" "b\r\n\r\n"), -EBADMSG);
        /* HTAB and obs-text are allowed in values. */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\tb \xc3\xa9\r\n\r\n"), 1);

        /* Bare LF, bare CR: refused (documented in http.c). */
        CHECK_INT(parse_str("GET / HTTP/1.1\nHost: h\n\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\n\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\rHost: h\r\n\r\n"), -EBADMSG);

        /* obs-fold, whitespace before the colon, bad name characters, no colon. */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-A : a\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX\"A: a\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\n: a\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-\xc3\xa9: a\r\n\r\n"), -EBADMSG);

        /* Request line shape. */
        CHECK_INT(parse_str("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /#frag HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("G\xc3\xa9T / HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("\r\n\r\n"), -EBADMSG);

        /* Methods are tokens, case-sensitive, kept as sent. */
        const char *lower = "get / HTTP/1.1\r\nHost: h\r\n\r\n";
        CHECK_INT(http_request_parse(lower, strlen(lower), &req), 1);
        CHECK_STR(req.method, "get");
        CHECK(!streq(req.method, "GET"));
        http_request_done(&req);

        /* Targets: origin-form only. */
        CHECK_INT(parse_str("GET http://example.com/ HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET api/v1 HTTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);

        /* Host: exactly one for HTTP/1.1, at most one for 1.0. */
        CHECK_INT(parse_str("GET / HTTP/1.1\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.0\r\n\r\n"), 1);
        CHECK_INT(parse_str("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), -EBADMSG);
        /* Other fields that decide something appear once too; the rest may repeat. */
        CHECK_INT(parse_str("POST / HTTP/1.1\r\nHost: h\r\nContent-Type: a/b\r\ncontent-type: c/d\r\nContent-Length: 0\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nAuthorization: a\r\nAuthorization: a\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nX-API-Token: a\r\nx-api-token: b\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\nAccept: b\r\n\r\n"), 1);
        CHECK_INT(http_status_for_parse_error(-EBADMSG), 400);
}

static void test_versions(void) {
        CHECK_INT(parse_str("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), 1);
        CHECK_INT(parse_str("GET / HTTP/1.0\r\n\r\n"), 1);
        CHECK_INT(parse_str("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), -EPROTONOSUPPORT);
        CHECK_INT(parse_str("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), -EPROTONOSUPPORT);
        CHECK_INT(parse_str("GET / HTTP/0.9\r\nHost: h\r\n\r\n"), -EPROTONOSUPPORT);
        CHECK_INT(parse_str("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), -EPROTONOSUPPORT);
        CHECK_INT(http_status_for_parse_error(-EPROTONOSUPPORT), 505);
        CHECK_INT(parse_str("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / http/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/11\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET / HTTP/1.x\r\nHost: h\r\n\r\n"), -EBADMSG);
        CHECK_INT(parse_str("GET /\r\n\r\n"), -EBADMSG); /* HTTP/0.9 style */
        CHECK_INT(parse_str("GET / FTP/1.1\r\nHost: h\r\n\r\n"), -EBADMSG);
}

/* A request whose head (request line, headers and the blank line) is exactly n bytes. */
static char *head_of_size(size_t n) {
        const char *start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: ";
        size_t fixed = strlen(start) + 4; /* "\r\n\r\n" */
        char *s;

        if (n < fixed)
                abort();
        s = malloc(n + 1);
        if (!s)
                abort();
        strcpy(s, start);
        memset(s + strlen(start), 'a', n - fixed);
        strcpy(s + n - 4, "\r\n\r\n");
        return s;
}

static void test_limits(void) {
        _cleanup_free_ char *exact = head_of_size(HTTP_MAX_HEAD);
        _cleanup_free_ char *over = head_of_size(HTTP_MAX_HEAD + 1);
        HttpRequest req;

        CHECK_INT(strlen(exact), HTTP_MAX_HEAD);
        CHECK_INT(parse_str(exact), 1);
        CHECK_INT(parse_str(over), -EMSGSIZE);
        CHECK_INT(http_status_for_parse_error(-EMSGSIZE), 413);
        /* Refused without a blank line as soon as the limit is reached, not before. */
        CHECK_INT(http_request_parse(over, HTTP_MAX_HEAD - 1, &req), 0);
        CHECK_INT(http_request_parse(over, HTTP_MAX_HEAD, &req), -EMSGSIZE);

        /* Header count. */
        char *many = NULL;
        size_t sz = 0;
        FILE *f = open_memstream(&many, &sz);
        CHECK(f);
        if (f) {
                fputs("GET / HTTP/1.1\r\nHost: h\r\n", f);
                for (unsigned i = 1; i < HTTP_MAX_HEADERS; i++)
                        fprintf(f, "X-%u: v\r\n", i);
                fputs("\r\n", f);
                fclose(f);
                CHECK_INT(parse_str(many), 1);
                /* One more field than allowed. */
                many[strlen(many) - 2] = '\0';
                char *more = NULL;
                CHECK(asprintf(&more, "%sX-Extra: v\r\n\r\n", many) > 0);
                CHECK_INT(parse_str(more), -EMSGSIZE);
                free(more);
                free(many);
        }

        /* Body: exactly HTTP_MAX_BODY is fine, one more byte is refused from the header alone. */
        char head[128];
        int hn = snprintf(head, sizeof(head), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n", HTTP_MAX_BODY);
        size_t total = (size_t) hn + HTTP_MAX_BODY;
        _cleanup_free_ char *big = malloc(total);
        CHECK(big);
        if (big) {
                memcpy(big, head, (size_t) hn);
                memset(big + hn, 'z', HTTP_MAX_BODY);
                CHECK_INT(http_request_parse(big, total, &req), 1);
                CHECK_INT(req.body_size, HTTP_MAX_BODY);
                CHECK(req.body && req.body[HTTP_MAX_BODY - 1] == 'z' && req.body[HTTP_MAX_BODY] == '\0');
                http_request_done(&req);
                CHECK_INT(http_request_parse(big, total - 1, &req), 0);
        }
        snprintf(head, sizeof(head), "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: %u\r\n\r\n", HTTP_MAX_BODY + 1);
        CHECK_INT(parse_str(head), -EFBIG);
        CHECK_INT(http_status_for_parse_error(-EFBIG), 413);
}

static int64_t mono_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs writer(fd) in a child over a socketpair and reads one request from the other end. */
static int read_from_child(void (*writer)(int fd), int timeout_ms, HttpRequest *req, int64_t *elapsed) {
        int sv[2], r, status;
        pid_t pid;
        int64_t t0;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                close(sv[0]);
                writer(sv[1]);
                _exit(0);
        }
        close(sv[1]);
        t0 = mono_ms();
        r = http_read_request(sv[0], timeout_ms, req);
        *elapsed = mono_ms() - t0;
        close(sv[0]);
        (void) kill(pid, SIGKILL);
        (void) waitpid(pid, &status, 0);
        return r;
}

static void write_str(int fd, const char *s) {
        if (write(fd, s, strlen(s)) < 0)
                _exit(1);
}

static void writer_whole(int fd) {
        write_str(fd, "POST /api/v1/x?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /next");
        pause();
}

static void writer_trickle(int fd) {
        const char *s = "POST /api/v1/x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello";
        for (const char *p = s; *p; p++) {
                if (write(fd, p, 1) < 0)
                        _exit(1);
                usleep(2000);
        }
        pause();
}

static void writer_stall_head(int fd) {
        write_str(fd, "GET / HTTP/1.1\r\nHo");
        pause();
}

static void writer_stall_body(int fd) {
        write_str(fd, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
        pause();
}

static void writer_slowloris(int fd) {
        /* One byte every 100 ms, forever: the deadline is overall, not per read. */
        for (;;) {
                if (write(fd, "X", 1) < 0)
                        _exit(0);
                usleep(100 * 1000);
        }
}

static void writer_close_head(int fd) {
        write_str(fd, "GET / HTTP/1.1\r\nHost: h\r\n");
}

static void writer_close_body(int fd) {
        write_str(fd, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
}

static void writer_nothing(int fd) {
}

static void writer_chunked(int fd) {
        write_str(fd, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
        pause();
}

static void writer_too_big(int fd) {
        /* Only the head: the refusal must not wait for a body that never comes. */
        write_str(fd, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n");
        pause();
}

static void writer_huge_head(int fd) {
        char buf[1024];
        memset(buf, 'a', sizeof(buf));
        write_str(fd, "GET / HTTP/1.1\r\nX: ");
        for (int i = 0; i < 64; i++)
                if (write(fd, buf, sizeof(buf)) < 0)
                        _exit(0);
        pause();
}

static void test_read_request(void) {
        HttpRequest req;
        int64_t ms;

        CHECK_INT(read_from_child(writer_whole, 5000, &req, &ms), 1);
        CHECK_STR(req.path, "/api/v1/x");
        CHECK_STR(req.query, "q=1");
        CHECK_INT(req.body_size, 5);
        CHECK_STR(req.body, "hello");
        http_request_done(&req);

        CHECK_INT(read_from_child(writer_trickle, 10000, &req, &ms), 1);
        CHECK_STR(req.body, "hello");
        http_request_done(&req);

        CHECK_INT(read_from_child(writer_stall_head, 300, &req, &ms), -ETIMEDOUT);
        CHECK(ms >= 290 && ms < 2000);
        CHECK(req.method == NULL);
        CHECK_INT(read_from_child(writer_stall_body, 300, &req, &ms), -ETIMEDOUT);
        CHECK(ms >= 290 && ms < 2000);
        CHECK(req.method == NULL);
        CHECK_INT(http_status_for_parse_error(-ETIMEDOUT), 408);

        CHECK_INT(read_from_child(writer_slowloris, 700, &req, &ms), -ETIMEDOUT);
        CHECK(ms >= 690 && ms < 2500);

        CHECK_INT(read_from_child(writer_close_head, 5000, &req, &ms), -ECONNRESET);
        CHECK(ms < 4000);
        CHECK_INT(read_from_child(writer_close_body, 5000, &req, &ms), -ECONNRESET);
        CHECK(ms < 4000);
        CHECK_INT(read_from_child(writer_nothing, 5000, &req, &ms), -ECONNRESET);

        CHECK_INT(read_from_child(writer_chunked, 5000, &req, &ms), -EOPNOTSUPP);
        CHECK_INT(read_from_child(writer_too_big, 5000, &req, &ms), -EFBIG);
        CHECK(ms < 4000);
        CHECK_INT(read_from_child(writer_huge_head, 5000, &req, &ms), -EMSGSIZE);
        CHECK(ms < 4000);
}

static void test_reason(void) {
        CHECK_STR(http_reason(200), "OK");
        CHECK_STR(http_reason(404), "Not Found");
        CHECK_STR(http_reason(413), "Content Too Large");
        CHECK_STR(http_reason(505), "HTTP Version Not Supported");
        CHECK_STR(http_reason(799), "Unknown");
}

/* Writes a response into a pipe (not a socket: the write() path) or a socketpair (send()) and
 * returns what came out. */
static char *response_bytes(bool sock, int status, const char *extra, const char *body, size_t n, int *ret) {
        int fds[2];
        char *out = NULL;
        size_t out_size = 0;
        FILE *f;
        char buf[4096];
        ssize_t k;

        if (sock ? socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0 : pipe(fds) < 0)
                abort();
        *ret = http_write_response(fds[1], status, extra, body, n);
        close(fds[1]);
        f = open_memstream(&out, &out_size);
        if (!f)
                abort();
        while ((k = read(fds[0], buf, sizeof(buf))) > 0)
                fwrite(buf, 1, (size_t) k, f);
        fclose(f);
        close(fds[0]);
        return out;
}

static void test_write_response(void) {
        int r;

        for (int sock = 0; sock <= 1; sock++) {
                _cleanup_free_ char *a = response_bytes(sock, 200, NULL, "{\"success\":true}", 16, &r);
                CHECK_INT(r, 0);
                CHECK_STR(a, "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 16\r\n"
                             "Connection: close\r\n"
                             "\r\n"
                             "{\"success\":true}");

                _cleanup_free_ char *b = response_bytes(sock, 405, "Allow: GET\r\n", "{}", 2, &r);
                CHECK_INT(r, 0);
                CHECK_STR(b, "HTTP/1.1 405 Method Not Allowed\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 2\r\n"
                             "Connection: close\r\n"
                             "Allow: GET\r\n"
                             "\r\n"
                             "{}");

                _cleanup_free_ char *c = response_bytes(sock, 204, "", NULL, 0, &r);
                CHECK_INT(r, 0);
                CHECK_STR(c, "HTTP/1.1 204 No Content\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 0\r\n"
                             "Connection: close\r\n"
                             "\r\n");
        }

        /* Response splitting through extra_headers is refused, and nothing is written. */
        static const char *const bad[] = {
                "Allow: GET",
                "Allow: GET\n",
                "Allow: GET\r\n\r\nX: y\r\n",
                "Allow: GET\rX: y\r\n",
                "\r\n",
                "A: b\nC: d\r\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *o = response_bytes(false, 200, bad[i], "{}", 2, &r);
                CHECK_INT(r, -EINVAL);
                CHECK_STR(o, "");
        }
        _cleanup_free_ char *two = response_bytes(false, 200, "A: b\r\nC: d\r\n", "{}", 2, &r);
        CHECK_INT(r, 0);
        CHECK(strstr(two, "Connection: close\r\nA: b\r\nC: d\r\n\r\n{}") != NULL);

        /* A large body goes out whole, through partial writes. */
        size_t n = 3 * 1024 * 1024;
        _cleanup_free_ char *body = malloc(n);
        CHECK(body);
        if (body) {
                for (size_t i = 0; i < n; i++)
                        body[i] = (char) ('a' + i % 26);
                int sv[2];
                CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
                pid_t pid = fork();
                if (pid == 0) {
                        close(sv[0]);
                        _exit(http_write_response(sv[1], 200, NULL, body, n) == 0 ? 0 : 1);
                }
                close(sv[1]);
                size_t got = 0, body_at = 0;
                bool same = true;
                char buf[65536];
                ssize_t k;
                _cleanup_free_ char *head = NULL;
                CHECK(asprintf(&head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "Content-Length: %zu\r\nConnection: close\r\n\r\n", n) > 0);
                body_at = strlen(head);
                while ((k = read(sv[0], buf, sizeof(buf))) > 0) {
                        for (ssize_t i = 0; i < k; i++) {
                                size_t at = got + (size_t) i;
                                char want = at < body_at ? head[at] : body[at - body_at];
                                if (buf[i] != want)
                                        same = false;
                        }
                        got += (size_t) k;
                }
                close(sv[0]);
                int status;
                CHECK(waitpid(pid, &status, 0) == pid);
                CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                CHECK_INT(got, body_at + n);
                CHECK(same);
        }

        /* A peer that went away: EPIPE, not SIGPIPE (we would be dead otherwise). */
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        close(sv[0]);
        CHECK_INT(http_write_response(sv[1], 200, NULL, "{}", 2), -EPIPE);
        close(sv[1]);

        CHECK_INT(http_write_response(1, 42, NULL, "{}", 2), -EINVAL);
}

int main(void) {
        test_simple_get();
        test_no_query_and_empty_query();
        test_post_body();
        test_incremental();
        test_pipelining();
        test_framing_refused();
        test_injection_and_syntax();
        test_versions();
        test_limits();
        test_read_request();
        test_reason();
        test_write_response();
        return test_exit_status();
}
