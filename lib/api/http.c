/* SPDX-License-Identifier: MIT */
/*
 * http.c: owns the wire side of vumaerp-api — parsing one HTTP/1.1 request (strictly) and writing
 * one response.
 *
 * Strictness is the point: the API sits behind nginx or is reached directly by WHMCS, and every
 * place where two HTTP parsers could disagree about where a request ends (request smuggling) is
 * refused rather than interpreted:
 *   - line endings are CRLF only; a bare LF or a bare CR is 400 (RFC 9112 lets a server accept a
 *     bare LF; we do not, because nginx and curl never send one);
 *   - no obs-fold, no whitespace before the colon, no control bytes or NUL anywhere in the head;
 *   - the body length comes from exactly one Content-Length of plain digits (a second one, even
 *     with the same value, is 400);
 *   - Transfer-Encoding of any kind is 501: we never need chunked bodies (WHMCS and curl send a
 *     Content-Length), and not implementing it removes the CL/TE disagreement class entirely;
 *   - HTTP/1.1 requests need exactly one Host (RFC 9112 §3.2 says 400 otherwise), and the fields
 *     that decide anything (Host, Content-Length, Content-Type, Authorization, X-API-Token) may
 *     appear only once;
 *   - only origin-form targets ("/path?query"); absolute-form and '*' are 400.
 * The method is a token, kept as sent: methods are case-sensitive, so "get" is not GET and the
 * router answers it like any other method it does not serve.
 */
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "http.h"
#include "macro.h"

/* tchar from RFC 9110 §5.6.2. */
static bool is_tchar(unsigned char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
                return true;
        return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* field-vchar / SP / HTAB, obs-text included (RFC 9110 §5.5): no CTLs, no DEL. */
static bool is_value_char(unsigned char c) {
        return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* What may appear in an origin-form target: visible ASCII, no fragment. */
static bool is_target_char(unsigned char c) {
        return c > 0x20 && c < 0x7f && c != '#';
}

/* strndup() for bytes that are not NUL-terminated: strndup() may look past n for a NUL. */
static char *memdup_str(const char *p, size_t n) {
        char *s = malloc(n + 1);

        if (!s)
                return NULL;
        memcpy(s, p, n);
        s[n] = '\0';
        return s;
}

void http_request_done(HttpRequest *req) {
        if (!req)
                return;
        free(req->method);
        free(req->target);
        free(req->path);
        free(req->query);
        for (size_t i = 0; i < req->n_headers; i++) {
                free(req->headers[i].name);
                free(req->headers[i].value);
        }
        free(req->headers);
        free(req->body);
        *req = (HttpRequest) {};
}

const char *http_request_header(const HttpRequest *req, const char *name) {
        if (!req || !name)
                return NULL;
        for (size_t i = 0; i < req->n_headers; i++)
                if (strcasecmp(req->headers[i].name, name) == 0)
                        return req->headers[i].value;
        return NULL;
}

/* Finds the end of the head (the byte after CRLFCRLF) and refuses, as early as the bytes allow,
 * what can never become a valid head: NUL, bare LF, bare CR, or too many bytes. Returns 1 with
 * *ret_len set, 0 when more bytes are needed, or a negative errno. */
static int head_scan(const char *buf, size_t size, size_t *ret_len) {
        size_t n = size < HTTP_MAX_HEAD ? size : HTTP_MAX_HEAD;

        for (size_t i = 0; i < n; i++) {
                char c = buf[i];

                if (c == '\0')
                        return -EBADMSG;
                if (c == '\r' && i + 1 < size && buf[i + 1] != '\n')
                        return -EBADMSG;
                if (c == '\n') {
                        if (i == 0 || buf[i - 1] != '\r')
                                return -EBADMSG;
                        if (i >= 3 && buf[i - 2] == '\n') {
                                *ret_len = i + 1;
                                return 1;
                        }
                }
        }
        return size >= HTTP_MAX_HEAD ? -EMSGSIZE : 0;
}

/* Content-Length: 1*DIGIT, nothing else (no sign, no list, no inner space). Values past
 * HTTP_MAX_BODY, however long, are -EFBIG, so nothing here can overflow. */
static int parse_content_length(const char *v, size_t *ret) {
        size_t n = 0;
        bool big = false;

        if (!*v)
                return -EBADMSG;
        for (const char *p = v; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EBADMSG;
                if (!big) {
                        n = n * 10 + (size_t) (*p - '0');
                        if (n > HTTP_MAX_BODY)
                                big = true;
                }
        }
        if (big)
                return -EFBIG;
        *ret = n;
        return 0;
}

static int parse_request_line(const char *line, size_t len, HttpRequest *req) {
        const char *sp1, *sp2, *end = line + len, *v;
        size_t vlen;

        sp1 = memchr(line, ' ', len);
        if (!sp1 || sp1 == line)
                return -EBADMSG;
        sp2 = memchr(sp1 + 1, ' ', (size_t) (end - sp1 - 1));
        if (!sp2 || sp2 == sp1 + 1)
                return -EBADMSG;

        /* The version first: a client speaking another protocol deserves 505, not 400 for a
         * target we would not understand anyway ("PRI * HTTP/2.0"). */
        v = sp2 + 1;
        vlen = (size_t) (end - v);
        if (vlen != STRLEN("HTTP/1.1") || memcmp(v, "HTTP/", 5) != 0 ||
            v[5] < '0' || v[5] > '9' || v[6] != '.' || v[7] < '0' || v[7] > '9')
                return -EBADMSG;
        if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
                return -EPROTONOSUPPORT;

        for (const char *p = line; p < sp1; p++)
                if (!is_tchar((unsigned char) *p))
                        return -EBADMSG;
        if (sp1[1] != '/')
                return -EBADMSG;
        for (const char *p = sp1 + 1; p < sp2; p++)
                if (!is_target_char((unsigned char) *p))
                        return -EBADMSG;

        req->version_minor = v[7] - '0';
        req->method = memdup_str(line, (size_t) (sp1 - line));
        req->target = memdup_str(sp1 + 1, (size_t) (sp2 - sp1 - 1));
        if (!req->method || !req->target)
                return -ENOMEM;

        const char *q = strchr(req->target, '?');
        req->path = q ? memdup_str(req->target, (size_t) (q - req->target)) : strdup(req->target);
        if (!req->path)
                return -ENOMEM;
        if (q) {
                req->query = strdup(q + 1);
                if (!req->query)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_header_line(const char *line, size_t len, HttpRequest *req) {
        const char *colon, *v, *end = line + len;

        /* obs-fold (a line starting with whitespace) and "Name :" are both refused. */
        colon = memchr(line, ':', len);
        if (!colon || colon == line)
                return -EBADMSG;
        for (const char *p = line; p < colon; p++)
                if (!is_tchar((unsigned char) *p))
                        return -EBADMSG;
        for (const char *p = colon + 1; p < end; p++)
                if (!is_value_char((unsigned char) *p))
                        return -EBADMSG;

        v = colon + 1;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
                end--;

        if (req->n_headers >= HTTP_MAX_HEADERS)
                return -EMSGSIZE;
        if (!req->headers) {
                req->headers = calloc(HTTP_MAX_HEADERS, sizeof(HttpHeader));
                if (!req->headers)
                        return -ENOMEM;
        }
        HttpHeader *h = &req->headers[req->n_headers];
        h->name = memdup_str(line, (size_t) (colon - line));
        h->value = memdup_str(v, (size_t) (end - v));
        if (!h->name || !h->value) {
                free(h->name);
                free(h->value);
                *h = (HttpHeader) {};
                return -ENOMEM;
        }
        req->n_headers++;
        return 0;
}

static size_t header_count(const HttpRequest *req, const char *name) {
        size_t n = 0;

        for (size_t i = 0; i < req->n_headers; i++)
                if (strcasecmp(req->headers[i].name, name) == 0)
                        n++;
        return n;
}

/* Parses the head of buf into *req (which must be empty) and works out the body length.
 * Returns 1 with *ret_head and *ret_body set, 0 when the head is incomplete, or a negative errno
 * (with *req emptied). */
static int parse_head(const char *buf, size_t size, HttpRequest *req, size_t *ret_head, size_t *ret_body) {
        static const char *const singletons[] = {
                "Host", "Content-Length", "Content-Type", "Authorization", "X-API-Token",
        };
        size_t head_len = 0, body_len = 0, pos;
        const char *cl;
        int r;

        r = head_scan(buf, size, &head_len);
        if (r <= 0)
                return r;

        /* head_scan() guarantees every line ends in CRLF and holds no NUL or stray CR/LF. */
        for (pos = 0;;) {
                const char *line = buf + pos;
                const char *eol = memmem(line, head_len - pos, "\r\n", 2);
                size_t len = (size_t) (eol - line);

                if (pos == 0) {
                        r = parse_request_line(line, len, req);
                        if (r < 0)
                                goto fail;
                } else if (len == 0)
                        break;
                else {
                        r = parse_header_line(line, len, req);
                        if (r < 0)
                                goto fail;
                }
                pos += len + 2;
        }

        if (header_count(req, "Transfer-Encoding") > 0) {
                r = -EOPNOTSUPP;
                goto fail;
        }
        /* Fields we act on appear once: with two, this parser and a proxy in front of it could
         * each pick a different one. */
        for (size_t i = 0; i < ELEMENTSOF(singletons); i++)
                if (header_count(req, singletons[i]) > 1) {
                        r = -EBADMSG;
                        goto fail;
                }
        if (req->version_minor == 1 && header_count(req, "Host") == 0) {
                r = -EBADMSG;
                goto fail;
        }
        cl = http_request_header(req, "Content-Length");
        /* Without Content-Length (and Transfer-Encoding is refused above) the body is empty
         * (RFC 9112 6.3): that is what `curl -X POST` and the original API's clients send. */
        if (cl) {
                r = parse_content_length(cl, &body_len);
                if (r < 0)
                        goto fail;
        }

        *ret_head = head_len;
        *ret_body = body_len;
        return 1;

fail:
        http_request_done(req);
        return r;
}

static int attach_body(HttpRequest *req, const char *body, size_t size) {
        req->body = malloc(size + 1);
        if (!req->body)
                return -ENOMEM;
        memcpy(req->body, body, size);
        req->body[size] = '\0';
        req->body_size = size;
        return 0;
}

int http_request_parse(const char *buf, size_t size, HttpRequest *req) {
        size_t head_len, body_len;
        int r;

        *req = (HttpRequest) {};
        r = parse_head(buf, size, req, &head_len, &body_len);
        if (r <= 0)
                return r;

        if (size - head_len < body_len) {
                http_request_done(req);
                return 0;
        }
        /* Anything after head_len + body_len is a pipelined request: ignored, the connection is
         * closed after our answer. */
        r = attach_body(req, buf + head_len, body_len);
        if (r < 0) {
                http_request_done(req);
                return r;
        }
        return 1;
}

int http_status_for_parse_error(int r) {
        switch (r) {
        case -EMSGSIZE:
        case -EFBIG:
                return 413;
        case -EOPNOTSUPP:
                return 501;
        case -EPROTONOSUPPORT:
                return 505;
        case -ETIMEDOUT:
                return 408;
        case -ENOMEM:
                return 500;
        default:
                return 400;
        }
}

static int64_t now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the deadline passes (deadline < 0: never). */
static int wait_readable(int fd, int64_t deadline) {
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int timeout = -1, r;

                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();
                        if (left <= 0)
                                return -ETIMEDOUT;
                        timeout = left > INT32_MAX ? INT32_MAX : (int) left;
                }
                r = poll(&p, 1, timeout);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (r == 0)
                        continue; /* the deadline check above decides */
                /* POLLHUP/POLLERR: let read() say what happened (EOF or the error). */
                return 0;
        }
}

/* Reads at most max bytes into buf, after waiting for them within the deadline. Returns the count
 * (> 0), -ECONNRESET at EOF, or a negative errno. */
static ssize_t read_some(int fd, char *buf, size_t max, int64_t deadline) {
        for (;;) {
                ssize_t n;
                int r;

                r = wait_readable(fd, deadline);
                if (r < 0)
                        return r;
                n = read(fd, buf, max);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -ECONNRESET;
                return n;
        }
}

int http_read_request(int fd, int timeout_ms, HttpRequest *req) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, head_len = 0, body_len = 0;
        int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
        int r;

        *req = (HttpRequest) {};

        /* The head: never more than HTTP_MAX_HEAD bytes are read before it is complete. Reads may
         * take in part of the body too, which is fine: it is accounted for below. */
        buf = malloc(HTTP_MAX_HEAD + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read_some(fd, buf + size, HTTP_MAX_HEAD - size, deadline);
                if (n < 0)
                        return (int) n;
                size += (size_t) n;

                /* head_scan() is linear; a client trickling bytes costs at most HTTP_MAX_HEAD²/2
                 * byte compares in total, which is bounded and small. */
                r = parse_head(buf, size, req, &head_len, &body_len);
                if (r < 0)
                        return r;
                if (r > 0)
                        break;
        }

        /* The body: exactly body_len bytes, in a buffer of exactly that size. */
        if (size - head_len < body_len) {
                size_t want = head_len + body_len;
                char *nbuf = realloc(buf, want + 1);
                if (!nbuf) {
                        http_request_done(req);
                        return -ENOMEM;
                }
                buf = nbuf;
                while (size < want) {
                        ssize_t n = read_some(fd, buf + size, want - size, deadline);
                        if (n < 0) {
                                http_request_done(req);
                                return (int) n;
                        }
                        size += (size_t) n;
                }
        }

        r = attach_body(req, buf + head_len, body_len);
        if (r < 0) {
                http_request_done(req);
                return r;
        }
        return 1;
}

const char *http_reason(int status) {
        static const struct {
                int status;
                const char *reason;
        } table[] = {
                { 200, "OK" },
                { 201, "Created" },
                { 202, "Accepted" },
                { 204, "No Content" },
                { 303, "See Other" },
                { 400, "Bad Request" },
                { 401, "Unauthorized" },
                { 403, "Forbidden" },
                { 404, "Not Found" },
                { 405, "Method Not Allowed" },
                { 408, "Request Timeout" },
                { 409, "Conflict" },
                { 411, "Length Required" },
                { 413, "Content Too Large" },
                { 415, "Unsupported Media Type" },
                { 422, "Unprocessable Content" },
                { 429, "Too Many Requests" },
                { 431, "Request Header Fields Too Large" },
                { 500, "Internal Server Error" },
                { 501, "Not Implemented" },
                { 502, "Bad Gateway" },
                { 503, "Service Unavailable" },
                { 504, "Gateway Timeout" },
                { 505, "HTTP Version Not Supported" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (table[i].status == status)
                        return table[i].reason;
        return "Unknown";
}

/* extra_headers must be whole "Name: value\r\n" lines: a caller mistake must not be able to end
 * the head early or split a line (response splitting). */
static bool extra_headers_valid(const char *h) {
        size_t n = strlen(h);

        if (n == 0)
                return true;
        if (n < 2 || h[n - 2] != '\r' || h[n - 1] != '\n')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (h[i] == '\r' && h[i + 1] != '\n')
                        return false;
                if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r'))
                        return false;
                /* An empty line would end the head. */
                if (h[i] == '\n' && i + 2 < n && h[i + 1] == '\r')
                        return false;
        }
        return h[0] != '\r';
}

static int write_all(int fd, const char *p, size_t n) {
        struct stat st;
        bool sock;

        /* send(MSG_NOSIGNAL) on sockets: a client that went away must give us EPIPE, not kill
         * the process with SIGPIPE before it can log anything. */
        sock = fstat(fd, &st) >= 0 && S_ISSOCK(st.st_mode);
        while (n > 0) {
                ssize_t k = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK) {
                                struct pollfd pfd = { .fd = fd, .events = POLLOUT };
                                (void) poll(&pfd, 1, -1);
                                continue;
                        }
                        return negative_errno();
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

int http_write_response(int fd, int status, const char *extra_headers, const char *body, size_t body_size) {
        _cleanup_free_ char *msg = NULL;
        int head;

        if (status < 100 || status > 999)
                return -EINVAL;
        if (extra_headers && !extra_headers_valid(extra_headers))
                return -EINVAL;
        if (!body && body_size > 0)
                return -EINVAL;

        head = asprintf(&msg,
                        "HTTP/1.1 %d %s\r\n"
                        "Content-Type: application/json\r\n"
                        "Content-Length: %zu\r\n"
                        "Connection: close\r\n"
                        "%s"
                        "\r\n",
                        status, http_reason(status), body_size, strempty(extra_headers));
        if (head < 0)
                return -ENOMEM;

        /* One buffer, so a small response leaves in one segment. */
        if (body_size > 0) {
                char *all = realloc(msg, (size_t) head + body_size);
                if (!all)
                        return -ENOMEM;
                msg = all;
                memcpy(msg + head, body, body_size);
        }
        return write_all(fd, msg, (size_t) head + body_size);
}
