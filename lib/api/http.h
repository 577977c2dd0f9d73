/* SPDX-License-Identifier: MIT */
/*
 * http.h: one HTTP/1.1 request in, one response out — all vumaerp-api needs, and strict.
 *
 * The parser works on a buffer holding what has arrived so far and says whether the request is
 * complete, needs more bytes, or is refused. It accepts only what WHMCS and curl send: a request
 * line "METHOD SP origin-form SP HTTP/1.x", header fields without obs-fold, a body given by exactly
 * at most one Content-Length (Transfer-Encoding of any kind is refused with 501 — see http.c for why).
 * Limits: request line and headers HTTP_MAX_HEAD together, body HTTP_MAX_BODY, HTTP_MAX_HEADERS
 * fields. Bytes after the request (pipelining) are ignored: the connection is closed after one
 * answer, always.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD    (16U * 1024U)
#define HTTP_MAX_BODY    (1024U * 1024U)
#define HTTP_MAX_HEADERS 100U

typedef struct HttpHeader {
        char *name;    /* as sent; compare case-insensitively */
        char *value;   /* leading/trailing whitespace removed */
} HttpHeader;

typedef struct HttpRequest {
        char *method;        /* "GET" */
        char *target;        /* "/api/v1/status?db_name=x", as sent */
        char *path;          /* "/api/v1/status" (not percent-decoded: our paths are plain) */
        char *query;         /* "db_name=x" without '?', NULL when there is none */
        int version_minor;   /* 0 or 1 */
        HttpHeader *headers;
        size_t n_headers;
        char *body;          /* NUL-terminated for convenience; may contain NULs: use body_size */
        size_t body_size;
} HttpRequest;

/* Parses buf[0..size). Returns:
 *   1 and fills *req (caller frees with http_request_done()) when a whole request is there;
 *   0 when more bytes are needed (and the limits are not yet exceeded);
 *   a negative errno when the request is refused, to be turned into a status by
 *   http_status_for_parse_error(): -EBADMSG malformed (400), -EMSGSIZE head too large (431→we send
 *   413 per the issue), -EFBIG body too large (413), -EOPNOTSUPP transfer-encoding (501),
 *   -EPROTONOSUPPORT not HTTP/1.x (505). A request without Content-Length has an empty body. */
int http_request_parse(const char *buf, size_t size, HttpRequest *req);

void http_request_done(HttpRequest *req);

/* The value of the first header called name (case-insensitive), or NULL. */
const char *http_request_header(const HttpRequest *req, const char *name);

/* The HTTP status for a negative errno from http_request_parse() or http_read_request(). */
int http_status_for_parse_error(int r);

/* Reads one request from fd, under the limits above, giving up timeout_ms after the call:
 * returns 1 with *req filled, or a negative errno (-ETIMEDOUT → 408, -ECONNRESET when the peer
 * closed before a whole request, or a parse error). */
int http_read_request(int fd, int timeout_ms, HttpRequest *req);

/* The reason phrase for a status ("Not Found"). */
const char *http_reason(int status);

/* Writes a whole response with Content-Type: application/json, Content-Length and
 * Connection: close. extra_headers: NULL or "Name: value\r\n…" lines (e.g. "Allow: GET\r\n").
 * Returns 0 or a negative errno. */
int http_write_response(int fd, int status, const char *extra_headers, const char *body, size_t body_size);
