/* SPDX-License-Identifier: MIT */
/*
 * log.c: where entries go (journald or stderr, decided once by log_setup()), the structured
 * journal entry, and the readable stderr line. Every message and field is capped and, on
 * stderr, escaped, so a client-supplied value can neither flood the log nor forge a line.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/uio.h>
/* Without this, sd_journal_sendv() adds CODE_FILE/CODE_LINE of log.c itself: noise. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "log.h"

#define LOG_MESSAGE_MAX 4096    /* bytes of MESSAGE, "…" included */
#define LOG_FIELD_MAX 1024      /* bytes of each context value */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define ELLIPSIS "\xe2\x80\xa6" /* "…" */

static const char *log_program = "vumaerp";
static bool log_journal;

/* Whether $JOURNAL_STREAM ("DEV:INO", as systemd sets it) names the file stderr is. */
static bool stderr_is_journal_stream(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;
        char *end;

        if (isempty(e) || !(*e >= '0' && *e <= '9'))
                return false;
        errno = 0;
        dev = strtoull(e, &end, 10);
        if (errno != 0 || *end != ':' || !(end[1] >= '0' && end[1] <= '9'))
                return false;
        ino = strtoull(end + 1, &end, 10);
        if (errno != 0 || *end != '\0')
                return false;

        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static bool journal_socket_exists(void) {
        struct stat st;

        return stat(JOURNAL_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode);
}

void log_setup(const char *program) {
        int saved_errno = errno;

        /* Not copied: callers pass a literal or argv[0]'s name, which live as long as we do. */
        if (!isempty(program))
                log_program = program;
        log_journal = stderr_is_journal_stream() || journal_socket_exists();
        errno = saved_errno;
}

int log_to_journal(void) {
        return log_journal;
}

/* Cuts s (of length n, NUL-terminated in a buffer of at least max + 1 bytes) to at most max
 * bytes ending in "…", never in the middle of a UTF-8 sequence. */
static size_t truncate_utf8(char *s, size_t n, size_t max) {
        size_t cut;

        if (n <= max)
                return n;
        cut = max - STRLEN(ELLIPSIS);
        while (cut > 0 && ((unsigned char) s[cut] & 0xC0) == 0x80)
                cut--;
        memcpy(s + cut, ELLIPSIS, STRLEN(ELLIPSIS) + 1);
        return cut + STRLEN(ELLIPSIS);
}

/* A context value, capped: points at the original when short enough, else at buf. */
static const char *capped_field(const char *value, char buf[static LOG_FIELD_MAX + 1]) {
        size_t n = strnlen(value, LOG_FIELD_MAX + 1);

        if (n <= LOG_FIELD_MAX)
                return value;
        memcpy(buf, value, LOG_FIELD_MAX);
        buf[LOG_FIELD_MAX] = '\0';
        truncate_utf8(buf, LOG_FIELD_MAX + 1, LOG_FIELD_MAX);
        return buf;
}

/* Writes s with control characters and backslashes escaped; with quote, the value is put in
 * double quotes when it holds a space, a quote, '=' or ')' so it cannot pose as another field. */
static void put_escaped(FILE *f, const char *s, bool quote) {
        bool quoted = quote && (*s == '\0' || strpbrk(s, " \"=()") != NULL);

        if (quoted)
                fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                switch (*p) {
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                case '\\': fputs("\\\\", f); break;
                case '"':
                        fputs(quoted ? "\\\"" : "\"", f);
                        break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\x%02x", *p);
                        else
                                fputc(*p, f);
                }
        if (quoted)
                fputc('"', f);
}

typedef struct Fields {
        const char *action, *db, *request_id, *peer, *outcome;
        int64_t duration_ms;
        int http_status;
} Fields;

static void write_stderr_line(const char *message, const Fields *fl) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        bool any = false;
        FILE *f;

        f = open_memstream(&line, &size);
        if (!f) {
                /* Out of memory: still say something, escaped the cheap way. */
                fprintf(stderr, "%s[%d]: ", log_program, (int) getpid());
                put_escaped(stderr, message, false);
                fputc('\n', stderr);
                return;
        }

        fprintf(f, "%s[%d]: ", log_program, (int) getpid());
        put_escaped(f, message, false);

        const struct { const char *key, *value; } strs[] = {
                { "action", fl->action },
                { "db", fl->db },
                { "request", fl->request_id },
                { "peer", fl->peer },
                { "outcome", fl->outcome },
        };
        for (size_t i = 0; i < ELEMENTSOF(strs); i++) {
                if (!strs[i].value)
                        continue;
                fprintf(f, "%s%s=", any ? " " : " (", strs[i].key);
                put_escaped(f, strs[i].value, true);
                any = true;
        }
        if (fl->duration_ms >= 0) {
                fprintf(f, "%sduration_ms=%" PRId64, any ? " " : " (", fl->duration_ms);
                any = true;
        }
        if (fl->http_status > 0) {
                fprintf(f, "%shttp_status=%d", any ? " " : " (", fl->http_status);
                any = true;
        }
        if (any)
                fputc(')', f);
        fputc('\n', f);
        if (fclose(f) != 0 || !line)
                return;

        /* One write, so lines of concurrent processes sharing stderr do not interleave. */
        fflush(stderr);
        for (const char *p = line; size > 0;) {
                ssize_t k = write(STDERR_FILENO, p, size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                p += k;
                size -= (size_t) k;
        }
}

static int send_journal(int priority, const char *message_id, const char *message, const Fields *fl) {
        /* Each "KEY=value" built here; values are capped, so the whole fits in a few KiB. */
        _cleanup_free_ char *m = NULL, *prio = NULL, *ident = NULL, *mid = NULL, *action = NULL,
                            *db = NULL, *req = NULL, *peer = NULL, *outcome = NULL, *dur = NULL,
                            *status = NULL;
        struct iovec iov[11];
        size_t n = 0;

#define ADD(var, ...)                                                   \
        do {                                                            \
                if (asprintf(&var, __VA_ARGS__) < 0) {                  \
                        var = NULL;                                     \
                        return -ENOMEM;                                 \
                }                                                       \
                iov[n++] = (struct iovec) { .iov_base = var, .iov_len = strlen(var) }; \
        } while (0)

        ADD(m, "MESSAGE=%s", message);
        ADD(prio, "PRIORITY=%d", priority & LOG_PRIMASK);
        ADD(ident, "SYSLOG_IDENTIFIER=%s", log_program);
        if (message_id)
                ADD(mid, "MESSAGE_ID=%s", message_id);
        if (fl->action)
                ADD(action, "VUMAERP_ACTION=%s", fl->action);
        if (fl->db)
                ADD(db, "VUMAERP_DB=%s", fl->db);
        if (fl->request_id)
                ADD(req, "VUMAERP_REQUEST_ID=%s", fl->request_id);
        if (fl->peer)
                ADD(peer, "VUMAERP_PEER=%s", fl->peer);
        if (fl->outcome)
                ADD(outcome, "VUMAERP_OUTCOME=%s", fl->outcome);
        if (fl->duration_ms >= 0)
                ADD(dur, "VUMAERP_DURATION_MS=%" PRId64, fl->duration_ms);
        if (fl->http_status > 0)
                ADD(status, "VUMAERP_HTTP_STATUS=%d", fl->http_status);
#undef ADD

        return sd_journal_sendv(iov, (int) n);
}

_printf_(5, 0)
static void log_internal(int priority, const char *message_id, const LogContext *ctx, int error,
                         const char *format, va_list ap) {
        char message[LOG_MESSAGE_MAX + 1], suffix[256] = "";
        char b[5][LOG_FIELD_MAX + 1];
        size_t avail, len;
        int saved_errno = errno, k;
        Fields fl = { .duration_ms = -1 };

        if (error != 0) {
                char e[128];
                int code = error == INT_MIN ? EIO : error < 0 ? -error : error;
                /* GNU strerror_r: returns the text, maybe not in e. */
                snprintf(suffix, sizeof suffix, ": %s", strerror_r(code, e, sizeof e));
        }

        /* The suffix is never cut: the reason is worth more than the tail of the text. */
        avail = LOG_MESSAGE_MAX - strlen(suffix);
        k = vsnprintf(message, avail + 1, format, ap);
        if (k < 0) {
                /* Only an invalid multibyte argument gets here; keep the entry, say so. */
                strcpy(message, "(unformattable message)");
                k = (int) strlen(message);
        }
        len = truncate_utf8(message, (size_t) k, avail);
        memcpy(message + len, suffix, strlen(suffix) + 1);

        if (ctx) {
                fl.action = ctx->action ? capped_field(ctx->action, b[0]) : NULL;
                fl.db = ctx->db ? capped_field(ctx->db, b[1]) : NULL;
                fl.request_id = ctx->request_id ? capped_field(ctx->request_id, b[2]) : NULL;
                fl.peer = ctx->peer ? capped_field(ctx->peer, b[3]) : NULL;
                fl.outcome = ctx->outcome ? capped_field(ctx->outcome, b[4]) : NULL;
                fl.duration_ms = ctx->duration_ms;
                fl.http_status = ctx->http_status;
        }

        /* libsystemd reports success and drops the entry when the socket is missing (stderr
         * may be a journal stream without one): check, so that the line reaches stderr then. */
        if (!log_journal || !journal_socket_exists() ||
            send_journal(priority, message_id, message, &fl) < 0)
                write_stderr_line(message, &fl);

        errno = saved_errno;
}

void log_event(int priority, const char *message_id, const LogContext *ctx, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        log_internal(priority, message_id, ctx, 0, format, ap);
        va_end(ap);
}

void log_full(int priority, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        log_internal(priority, NULL, NULL, 0, format, ap);
        va_end(ap);
}

int log_error_errno(int r, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        log_internal(LOG_ERR, NULL, NULL, r, format, ap);
        va_end(ap);
        return r;
}
