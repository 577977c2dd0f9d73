/* SPDX-License-Identifier: MIT */
/*
 * fuzz-http.c: libFuzzer target for http_request_parse(). The input is parsed whole, then fed in
 * two pieces split at a point taken from the input (as a reader would see it arrive), and the
 * answers must agree; a parsed request must be self-consistent.
 */
#include <stdint.h>
#include <stdlib.h>

#include "http.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const HttpRequest *req, const char *buf, size_t size) {
        size_t n;

        if (!req->method || !req->target || !req->path || !req->body)
                abort();
        if (req->version_minor != 0 && req->version_minor != 1)
                abort();
        if (req->target[0] != '/' || req->path[0] != '/')
                abort();
        /* target == path [ "?" query ] */
        n = strlen(req->path);
        if (strncmp(req->target, req->path, n) != 0)
                abort();
        if (req->query) {
                if (req->target[n] != '?' || !streq(req->target + n + 1, req->query))
                        abort();
        } else if (req->target[n] != '\0')
                abort();
        if (strchr(req->path, '?'))
                abort();
        if (req->n_headers > HTTP_MAX_HEADERS)
                abort();
        for (size_t i = 0; i < req->n_headers; i++) {
                const char *v = req->headers[i].value;
                if (!req->headers[i].name[0] || strpbrk(req->headers[i].name, ": \t\r\n"))
                        abort();
                if (strpbrk(v, "\r\n"))
                        abort();
                if (*v == ' ' || *v == '\t' || (*v && (v[strlen(v) - 1] == ' ' || v[strlen(v) - 1] == '\t')))
                        abort();
        }
        if (http_request_header(req, "Transfer-Encoding"))
                abort();
        if (req->body_size > HTTP_MAX_BODY || req->body_size > size || req->body[req->body_size] != '\0')
                abort();
        /* The body is the last body_size bytes of the request, which lies within buf. */
        if (req->body_size > 0 && !memmem(buf, size, req->body, req->body_size))
                abort();
}

static bool same_request(const HttpRequest *a, const HttpRequest *b) {
        if (!streq(a->method, b->method) || !streq(a->target, b->target) || !streq(a->path, b->path) ||
            !streq_ptr(a->query, b->query) || a->version_minor != b->version_minor ||
            a->n_headers != b->n_headers || a->body_size != b->body_size)
                return false;
        for (size_t i = 0; i < a->n_headers; i++)
                if (!streq(a->headers[i].name, b->headers[i].name) ||
                    !streq(a->headers[i].value, b->headers[i].value))
                        return false;
        return memcmp(a->body, b->body, a->body_size) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        HttpRequest whole, first, second;
        int rw, r1, r2;
        size_t split;

        rw = http_request_parse(buf, size, &whole);
        if (rw < 0 && http_status_for_parse_error(rw) < 400)
                abort();
        if (rw > 1)
                abort();
        if (rw == 1)
                check_request(&whole, buf, size);
        else if (whole.method || whole.headers || whole.body)
                abort(); /* nothing may be left allocated or half-filled */

        /* Incremental: the first part alone, then everything. A prefix can only say "more" or
         * refuse; if it parsed a whole request, the whole input must give the same one. */
        split = size > 0 ? (size_t) data[0] * 257 % (size + 1) : 0;
        r1 = http_request_parse(buf, split, &first);
        r2 = http_request_parse(buf, size, &second);
        if (r2 != rw)
                abort();
        if (r1 == 1) {
                if (rw != 1 || !same_request(&first, &whole))
                        abort();
        } else if (r1 < 0 && rw != r1)
                abort(); /* an error seen in a prefix must stand */
        if (rw == 1 && !same_request(&second, &whole))
                abort();

        if (r1 == 1)
                http_request_done(&first);
        if (r2 == 1)
                http_request_done(&second);
        if (rw == 1)
                http_request_done(&whole);
        return 0;
}
