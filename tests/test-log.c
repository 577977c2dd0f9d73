/* SPDX-License-Identifier: MIT */
/*
 * test-log.c: the stderr line (fields, escaping, truncation, log_error_errno), captured through a
 * pipe. With --emit it is the program tests/journal.sh runs: log_setup() decides the target and
 * one structured entry plus one error entry are written there.
 */
#include <fcntl.h>
#include <stdarg.h>

#include "log.h"
#include "message-id.h"
#include "tests.h"

static int capture_fd = -1, saved_stderr = -1;

static void capture_begin(void) {
        int p[2];

        fflush(stderr);
        if (pipe2(p, O_CLOEXEC) < 0) {
                perror("pipe2");
                exit(EXIT_FAILURE);
        }
        saved_stderr = dup(STDERR_FILENO);
        if (saved_stderr < 0 || dup2(p[1], STDERR_FILENO) < 0) {
                perror("dup");
                exit(EXIT_FAILURE);
        }
        close(p[1]);
        capture_fd = p[0];
}

/* Restores stderr and returns what was written meanwhile (the output is far below a pipe's
 * capacity, so the writer never blocked). */
static char *capture_end(void) {
        char *buf = NULL;
        size_t size = 0;
        ssize_t k;

        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        buf = malloc(1);
        if (!buf)
                exit(EXIT_FAILURE);
        for (;;) {
                char chunk[4096];
                char *n;

                k = read(capture_fd, chunk, sizeof chunk);
                if (k <= 0)
                        break;
                n = realloc(buf, size + (size_t) k + 1);
                if (!n)
                        exit(EXIT_FAILURE);
                buf = n;
                memcpy(buf + size, chunk, (size_t) k);
                size += (size_t) k;
        }
        buf[size] = '\0';
        close(capture_fd);
        capture_fd = -1;
        return buf;
}

/* "vumaerp[PID]: " + rest, as the line should read. */
_printf_(1, 2)
static char *expected(const char *format, ...) {
        _cleanup_free_ char *rest = NULL;
        char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&rest, format, ap);
        va_end(ap);
        if (r < 0 || asprintf(&s, "vumaerp[%d]: %s", (int) getpid(), rest) < 0)
                exit(EXIT_FAILURE);
        return s;
}

static void test_default_target(void) {
        /* Before log_setup(): stderr, program "vumaerp". */
        CHECK_INT(log_to_journal(), 0);
}

static void test_fields(void) {
        LogContext ctx = LOG_CONTEXT_INIT;
        _cleanup_free_ char *out = NULL, *want = NULL;

        ctx.action = "status";
        ctx.db = "acme_ltd";
        ctx.request_id = "req-42";
        ctx.peer = "203.0.113.5:51234";
        ctx.outcome = "ok";
        ctx.duration_ms = 3;
        ctx.http_status = 200;

        capture_begin();
        log_event(LOG_INFO, MESSAGE_ID_REQUEST, &ctx, "answered %s", "GET /status");
        out = capture_end();
        want = expected("answered GET /status (action=status db=acme_ltd request=req-42 "
                        "peer=203.0.113.5:51234 outcome=ok duration_ms=3 http_status=200)\n");
        CHECK_STR(out, want);
}

static void test_some_fields(void) {
        LogContext ctx = LOG_CONTEXT_INIT;
        _cleanup_free_ char *out = NULL, *want = NULL, *out2 = NULL, *want2 = NULL;

        /* duration 0 is a value; http_status 0 and NULL strings are absent. */
        ctx.db = "acme_ltd";
        ctx.duration_ms = 0;
        capture_begin();
        log_event(LOG_NOTICE, NULL, &ctx, "suspended");
        out = capture_end();
        want = expected("suspended (db=acme_ltd duration_ms=0)\n");
        CHECK_STR(out, want);

        /* A context with nothing set adds nothing, not "()". */
        ctx = (LogContext) LOG_CONTEXT_INIT;
        capture_begin();
        log_event(LOG_NOTICE, NULL, &ctx, "nothing");
        log_full(LOG_INFO, "plain %d", 42);
        out2 = capture_end();
        want2 = expected("nothing\n");
        free(want);
        want = expected("plain 42\n");
        CHECK(strncmp(out2, want2, strlen(want2)) == 0);
        CHECK_STR(out2 + strlen(want2), want);
}

static void test_escaping(void) {
        LogContext ctx = LOG_CONTEXT_INIT;
        _cleanup_free_ char *out = NULL, *want = NULL;

        /* A client-chosen value cannot start a new line nor pose as another field. */
        ctx.request_id = "x\nvumaerp-api[1]: forged";
        ctx.peer = "1.2.3.4 outcome=ok";
        ctx.outcome = "bad\"quote";
        capture_begin();
        log_event(LOG_WARNING, NULL, &ctx, "a\nb\rc\td\x1b[31me\\f\x7f");
        out = capture_end();
        want = expected("a\\nb\\rc\\td\\x1b[31me\\\\f\\x7f (request=\"x\\nvumaerp-api[1]: forged\" "
                        "peer=\"1.2.3.4 outcome=ok\" outcome=\"bad\\\"quote\")\n");
        CHECK_STR(out, want);
        /* Exactly one line, whatever the input. */
        CHECK(strchr(out, '\n') == out + strlen(out) - 1);

        /* UTF-8 text passes unchanged. */
        free(out);
        free(want);
        capture_begin();
        log_full(LOG_INFO, "Ünïcødé ok");
        out = capture_end();
        want = expected("Ünïcødé ok\n");
        CHECK_STR(out, want);
}

/* The message part of a captured line: after "vumaerp[PID]: ", without the newline. */
static char *message_of(const char *line) {
        const char *p = strstr(line, "]: ");
        size_t n;

        if (!p)
                return strdup("");
        p += 3;
        n = strlen(p);
        if (n > 0 && p[n - 1] == '\n')
                n--;
        return strndup(p, n);
}

static void test_truncation(void) {
        _cleanup_free_ char *big = malloc(6001), *out = NULL, *msg = NULL;
        size_t n;

        if (!big)
                exit(EXIT_FAILURE);

        memset(big, 'a', 6000);
        big[6000] = '\0';
        capture_begin();
        log_full(LOG_INFO, "%s", big);
        out = capture_end();
        msg = message_of(out);
        n = strlen(msg);
        CHECK_INT(n, 4096);
        CHECK(n >= 3 && streq(msg + n - 3, "\xe2\x80\xa6"));
        CHECK(strspn(msg, "a") == n - 3);

        /* Two-byte characters: the cut never splits one. */
        for (size_t i = 0; i < 6000; i += 2) {
                big[i] = (char) 0xc3;
                big[i + 1] = (char) 0xa9;
        }
        free(out);
        free(msg);
        capture_begin();
        log_full(LOG_INFO, "%s", big);
        out = capture_end();
        msg = message_of(out);
        n = strlen(msg);
        CHECK(n <= 4096 && n >= 4090);
        CHECK(n >= 3 && streq(msg + n - 3, "\xe2\x80\xa6"));
        CHECK(n % 2 == 1);      /* whole "é"s, then the 3-byte "…" */
        CHECK(n >= 4 && (unsigned char) msg[n - 4] == 0xa9);

        /* A short message is left alone, "…" only when something was cut. */
        free(out);
        free(msg);
        memset(big, 'z', 4096);
        big[4096] = '\0';
        capture_begin();
        log_full(LOG_INFO, "%s", big);
        out = capture_end();
        msg = message_of(out);
        CHECK_STR(msg, big);
}

static void test_field_cap(void) {
        LogContext ctx = LOG_CONTEXT_INIT;
        _cleanup_free_ char *long_db = malloc(3001), *out = NULL;
        const char *p, *end;

        if (!long_db)
                exit(EXIT_FAILURE);
        memset(long_db, 'd', 3000);
        long_db[3000] = '\0';
        ctx.db = long_db;
        capture_begin();
        log_event(LOG_INFO, NULL, &ctx, "m");
        out = capture_end();
        p = strstr(out, "(db=");
        CHECK(p != NULL);
        if (p) {
                p += 4;
                end = strstr(p, "\xe2\x80\xa6)\n");
                CHECK(end != NULL);
                CHECK(end && (size_t) (end - p) == 1024 - 3);
                CHECK(end && strspn(p, "d") == (size_t) (end - p));
        }
}

static void test_error_errno(void) {
        _cleanup_free_ char *out = NULL, *want = NULL, *msg = NULL, *big = malloc(5001);
        char suffix[256];
        int r;

        if (!big)
                exit(EXIT_FAILURE);

        errno = EAGAIN;
        capture_begin();
        r = log_error_errno(-ENOENT, "cannot open %s", "/etc/x");
        out = capture_end();
        CHECK_INT(r, -ENOENT);
        CHECK_INT(errno, EAGAIN);   /* logging does not clobber errno */
        want = expected("cannot open /etc/x: %s\n", strerror(ENOENT));
        CHECK_STR(out, want);

        /* A positive value works as well, and the returned value is r as given. */
        free(out);
        free(want);
        capture_begin();
        r = log_error_errno(EACCES, "denied");
        out = capture_end();
        CHECK_INT(r, EACCES);
        want = expected("denied: %s\n", strerror(EACCES));
        CHECK_STR(out, want);

        /* On a long message the reason survives the cut. */
        memset(big, 'b', 5000);
        big[5000] = '\0';
        free(out);
        capture_begin();
        r = log_error_errno(-EPIPE, "%s", big);
        out = capture_end();
        CHECK_INT(r, -EPIPE);
        msg = message_of(out);
        snprintf(suffix, sizeof suffix, "\xe2\x80\xa6: %s", strerror(EPIPE));
        CHECK_INT(strlen(msg), 4096);
        CHECK(strlen(msg) > strlen(suffix) && streq(msg + strlen(msg) - strlen(suffix), suffix));
}

/* For tests/journal.sh: decide the target as a service would, then write one entry of each kind. */
static int emit(void) {
        LogContext ctx = LOG_CONTEXT_INIT;
        int r;

        log_setup("vumaerp-test");
        printf("journal=%d\n", log_to_journal());
        fflush(stdout);

        ctx.action = "status";
        ctx.db = "acme_ltd";
        ctx.request_id = "req-42";
        ctx.peer = "203.0.113.5:51234";
        ctx.outcome = "ok";
        ctx.duration_ms = 3;
        ctx.http_status = 200;
        log_event(LOG_INFO, MESSAGE_ID_REQUEST, &ctx, "request answered\nsecond %s", "line");

        r = log_error_errno(-ENOENT, "cannot open %s", "/nonexistent");
        return r == -ENOENT ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char *argv[]) {
        if (argc > 1 && streq(argv[1], "--emit"))
                return emit();

        test_default_target();
        test_fields();
        test_some_fields();
        test_escaping();
        test_truncation();
        test_field_cap();
        test_error_errno();
        return test_exit_status();
}
