/* SPDX-License-Identifier: MIT */
/*
 * odoo.c: owns vumaerp's side of Odoo's JSON-RPC protocol (odoo.h): the request envelope, the
 * transport (libcurl, bounded in time and size, TLS verified, no redirects), turning Odoo's
 * answers and error objects into results and one-line messages, and the master password file.
 */
#include <stdarg.h>
#include <strings.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "credential.h"
#include "curl-dlopen.h"
#include "fileio.h"
#include "macro.h"
#include "odoo.h"
#include "result.h"

#define ODOO_ERROR_MAX 1024
#define ODOO_SECRET_MAX 1024

void odoo_secret_free(char *s) {
        if (s)
                wipe_free(s, strlen(s));
}

typedef struct Buffer {
        char *data;
        size_t size;
        size_t allocated;
        bool too_large;
} Buffer;

static void buffer_done(Buffer *b) {
        free(b->data);
        b->data = NULL;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Buffer *b = userdata;
        size_t n = size * nmemb;
        char *p;

        if (n > ODOO_MAX_RESPONSE - b->size) {
                b->too_large = true;
                return 0;   /* curl aborts the transfer with CURLE_WRITE_ERROR */
        }
        if (b->size + n + 1 > b->allocated) {
                /* Doubling: answers arrive in 16 KiB pieces, and one realloc per piece would copy
                 * a large answer hundreds of times. */
                size_t want = b->allocated ? b->allocated : 16384;

                while (want < b->size + n + 1)
                        want *= 2;
                p = realloc(b->data, want);
                if (!p)
                        return 0;
                b->data = p;
                b->allocated = want;
        }
        memcpy(b->data + b->size, ptr, n);
        b->size += n;
        b->data[b->size] = '\0';
        return n;
}

_printf_(3, 4)
static int set_error(char **ret_error, int r, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return r;
        free(*ret_error);
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return r;
}

/* A message from the other side, fit for one log line and a JSON answer: control characters
 * (psycopg2's messages end in newlines, tracebacks are full of them) become spaces, runs of
 * spaces stay as Odoo wrote them, trailing ones go, and the length is capped. */
static void clean_line(char *s) {
        size_t n = 0;

        for (char *p = s; *p; p++, n++) {
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        *p = ' ';
                if (n == ODOO_ERROR_MAX) {
                        *p = '\0';
                        break;
                }
        }
        n = strlen(s);
        while (n > 0 && s[n - 1] == ' ')
                s[--n] = '\0';
}

char *odoo_error_message(json_t *error) {
        json_t *data = json_object_get(error, "data");
        const char *name = json_string_value(json_object_get(data, "name"));
        const char *msg = json_string_value(json_object_get(data, "message"));
        _cleanup_free_ char *text = NULL;
        char *out;
        int k;

        /* data.message is the exception's text; "Odoo Server Error" (error.message) says nothing
         * and is the fallback only. */
        if (isempty(msg))
                msg = json_string_value(json_object_get(error, "message"));
        if (isempty(msg))
                msg = "unknown error";
        text = strdup(msg);
        if (!text)
                return NULL;
        clean_line(text);
        if (!isempty(name))
                k = asprintf(&out, "%s (%s)", text, name);
        else
                k = asprintf(&out, "%s", text);
        if (k < 0)
                return NULL;
        clean_line(out);
        return out;
}

/* What every request to Odoo sets: only http and https, no redirect followed (a JSON-RPC POST
 * redirected becomes a GET, and a redirect could point anywhere); TLS peers verified (libcurl's
 * defaults, set explicitly so no build or environment can turn them off); bounded in time and
 * size. Returns whether libcurl took them all. */
static bool curl_set_common(CURL *curl, const char *url, long timeout_sec, struct curl_slist *headers,
                            Buffer *buf, char *curl_error) {
        return sym_curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long) ODOO_CONNECT_TIMEOUT_SEC) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_sec) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) ODOO_MAX_RESPONSE) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_WRITEDATA, buf) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error) == CURLE_OK &&
               sym_curl_easy_setopt(curl, CURLOPT_USERAGENT, "vumaerp") == CURLE_OK;
}

static char *jsonrpc_url(const char *base) {
        size_t n = strlen(base);
        char *url;

        while (n > 0 && base[n - 1] == '/')
                n--;
        if (asprintf(&url, "%.*s/jsonrpc", (int) n, base) < 0)
                return NULL;
        return url;
}

int odoo_call_timeout(const Config *c, const char *service, const char *method, json_t *args,
                      long timeout_sec, json_t **ret_result, char **ret_error) {
        static json_int_t counter;
        _cleanup_(curl_easy_cleanupp) CURL *curl = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_json_ json_t *request = NULL, *response = NULL;
        _cleanup_free_ char *url = NULL;
        _cleanup_secret_ char *body = NULL;
        _cleanup_(buffer_done) Buffer buf = {};
        char curl_error[CURL_ERROR_SIZE] = "";
        json_t *error, *result, *id;
        json_int_t my_id;
        json_error_t jerr;
        long http_status = 0;
        CURLcode cr;

        if (ret_error)
                *ret_error = NULL;
        if (isempty(c->odoo_url))
                return set_error(ret_error, -EDESTADDRREQ, "odoo.url is not configured");
        if (!json_is_array(args))
                return set_error(ret_error, -EINVAL, "the arguments of %s.%s are not a list", service, method);

        my_id = ++counter + (json_int_t) getpid() * 1000;
        request = json_pack("{s:s, s:s, s:{s:s, s:s, s:O}, s:I}",
                            "jsonrpc", "2.0", "method", "call",
                            "params", "service", service, "method", method, "args", args,
                            "id", my_id);
        url = jsonrpc_url(c->odoo_url);
        if (!request || !url)
                return set_error(ret_error, -ENOMEM, "out of memory");
        body = json_dumps(request, JSON_COMPACT);
        /* The request holds passwords; the dump is what we wipe (odoo_secret_freep). */
        json_decref(TAKE_PTR(request));
        if (!body)
                return set_error(ret_error, -ENOMEM, "out of memory");

        {
                _cleanup_free_ char *why = NULL;
                int k = dlopen_curl(&why);
                if (k < 0)
                        return set_error(ret_error, k, "%s", why ? why : "cannot load libcurl");
        }
        curl = sym_curl_easy_init();
        headers = sym_curl_slist_append(NULL, "Content-Type: application/json");
        if (!curl || !headers)
                return set_error(ret_error, -ENOMEM, "cannot set up libcurl");

        if (!curl_set_common(curl, url, timeout_sec > 0 ? timeout_sec : (long) ODOO_CALL_TIMEOUT_SEC, headers, &buf, curl_error) ||
            sym_curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
            sym_curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(body)) != CURLE_OK)
                return set_error(ret_error, -ENOMEM, "cannot set up libcurl");

        cr = sym_curl_easy_perform(curl);
        if (cr != CURLE_OK) {
                const char *what = curl_error[0] ? curl_error : sym_curl_easy_strerror(cr);

                if (buf.too_large || cr == CURLE_FILESIZE_EXCEEDED)
                        return set_error(ret_error, -EPROTO, "Odoo's answer to %s.%s is larger than %u bytes",
                                         service, method, ODOO_MAX_RESPONSE);
                if (cr == CURLE_OPERATION_TIMEDOUT) {
                        curl_off_t connect_us = 0;

                        /* Timed out before the connection was up: unreachable, not slow. */
                        (void) sym_curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_us);
                        if (connect_us == 0)
                                return set_error(ret_error, -ECONNREFUSED, "cannot reach Odoo at %s: %s", url, what);
                        return set_error(ret_error, -ETIMEDOUT, "Odoo did not answer %s.%s within %ld s: %s",
                                         service, method, timeout_sec, what);
                }
                if (cr == CURLE_COULDNT_CONNECT || cr == CURLE_COULDNT_RESOLVE_HOST ||
                    cr == CURLE_COULDNT_RESOLVE_PROXY || cr == CURLE_SSL_CONNECT_ERROR ||
                    cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_UNSUPPORTED_PROTOCOL)
                        return set_error(ret_error, -ECONNREFUSED, "cannot reach Odoo at %s: %s", url, what);
                return set_error(ret_error, -EPROTO, "calling %s.%s on Odoo at %s failed: %s", service, method, url, what);
        }
        (void) sym_curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
        if (http_status != 200)
                return set_error(ret_error, -EPROTO, "Odoo at %s answered %s.%s with HTTP status %ld",
                                 url, service, method, http_status);

        response = json_loadb(buf.data ? buf.data : "", buf.size, 0, &jerr);
        if (!json_is_object(response))
                return set_error(ret_error, -EPROTO, "Odoo's answer to %s.%s is not a JSON-RPC response%s%s",
                                 service, method, response ? "" : ": ", response ? "" : jerr.text);
        id = json_object_get(response, "id");
        if (!json_is_integer(id) || json_integer_value(id) != my_id)
                return set_error(ret_error, -EPROTO, "Odoo's answer to %s.%s carries the wrong id", service, method);

        error = json_object_get(response, "error");
        if (error && !json_is_null(error)) {
                const char *name = json_string_value(json_object_get(json_object_get(error, "data"), "name"));
                _cleanup_free_ char *msg = odoo_error_message(error);

                return set_error(ret_error, streq_ptr(name, "odoo.exceptions.AccessDenied") ? -EACCES : -EREMOTEIO,
                                 "Odoo: %s.%s: %s", service, method, msg ? msg : "out of memory");
        }
        result = json_object_get(response, "result");
        if (!result)
                return set_error(ret_error, -EPROTO, "Odoo's answer to %s.%s has neither a result nor an error",
                                 service, method);
        *ret_result = json_incref(result);
        return 0;
}

int odoo_call(const Config *c, const char *service, const char *method, json_t *args,
              json_t **ret_result, char **ret_error) {
        return odoo_call_timeout(c, service, method, args, ODOO_CALL_TIMEOUT_SEC, ret_result, ret_error);
}

int odoo_authenticate(const Config *c, const char *db, const char *login, const char *password,
                      int *ret_uid, char **ret_error) {
        _cleanup_json_ json_t *args = NULL, *result = NULL;
        int r;

        args = json_pack("[s, s, s, {}]", db, login, password);
        if (!args)
                return set_error(ret_error, -ENOMEM, "out of memory");
        r = odoo_call(c, "common", "authenticate", args, &result, ret_error);
        if (r < 0)
                return r;
        /* Odoo 17 answers a wrong login or password with false, not an error. */
        if (json_is_false(result))
                return set_error(ret_error, -EACCES, "Odoo refused the login \"%s\" on database %s", login, db);
        if (!json_is_integer(result) || json_integer_value(result) <= 0 || json_integer_value(result) > INT32_MAX)
                return set_error(ret_error, -EPROTO, "Odoo's common.authenticate answered neither a user id nor false");
        *ret_uid = (int) json_integer_value(result);
        return 0;
}

int odoo_master_password(const Config *c, char **ret, char **ret_error) {
        const char *name = c->odoo_master_password_file;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (isempty(name))
                return set_error(ret_error, -ENOKEY, "odoo.master_password_file is not configured");
        r = credential_read("odoo master password", name, ODOO_SECRET_MAX,
                            CREDENTIAL_TRIM_NEWLINES | CREDENTIAL_NOT_EMPTY, ret, NULL, ret_error);
        if (r == -ENOMEM)
                return set_error(ret_error, r, "out of memory");
        if (r < 0)
                return -ENOKEY;
        return 0;
}

typedef struct SigninHeaders {
        char *location;
        char *session_cookie;
} SigninHeaders;

/* A header line's value when its name is name (case-insensitive), without the line's end; only
 * printable ASCII and spaces pass (what reaches our own answer's headers must not split them). */
static char *header_value(const char *line, size_t n, const char *name) {
        size_t k = strlen(name);

        if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
                return NULL;
        line += k + 1, n -= k + 1;
        while (n > 0 && (*line == ' ' || *line == '\t'))
                line++, n--;
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
                n--;
        if (n == 0 || n > ODOO_SIGNIN_HEADER_MAX)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) line[i] < 0x20 || (unsigned char) line[i] > 0x7e)
                        return NULL;
        return strndup(line, n);
}

static size_t signin_header_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        SigninHeaders *h = userdata;
        size_t n = size * nmemb;
        char *v;

        if (!h->location && (v = header_value(ptr, n, "Location")))
                h->location = v;
        else if (!h->session_cookie && (v = header_value(ptr, n, "Set-Cookie"))) {
                if (strncmp(v, "session_id=", strlen("session_id=")) == 0)
                        h->session_cookie = v;
                else
                        free(v);
        }
        return n;
}

void odoo_signin_done(OdooSignin *s) {
        free(s->location);
        free(s->session_cookie);
        *s = (OdooSignin) {};
}

int odoo_signin(const Config *c, const char *host, const char *proto, const char *path_and_query,
                OdooSignin *ret, char **ret_error) {
        _cleanup_(curl_easy_cleanupp) CURL *curl = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = NULL, *host_header = NULL, *forwarded_host = NULL, *forwarded_proto = NULL;
        _cleanup_(buffer_done) Buffer buf = {};
        char curl_error[CURL_ERROR_SIZE] = "";
        SigninHeaders h = {};
        long http_status = 0;
        CURLcode cr;
        size_t n;

        if (!c->odoo_url)
                return set_error(ret_error, -EDESTADDRREQ, "odoo.url is not configured");
        n = strlen(c->odoo_url);
        while (n > 0 && c->odoo_url[n - 1] == '/')
                n--;
        /* The path holds a token: the URL is wiped below, and no message here quotes it. */
        if (asprintf(&url, "%.*s%s", (int) n, c->odoo_url, path_and_query) < 0 ||
            asprintf(&host_header, "Host: %s", host) < 0 ||
            asprintf(&forwarded_host, "X-Forwarded-Host: %s", host) < 0 ||
            asprintf(&forwarded_proto, "X-Forwarded-Proto: %s", proto) < 0)
                return set_error(ret_error, -ENOMEM, "out of memory");

        {
                _cleanup_free_ char *why = NULL;
                int k = dlopen_curl(&why);
                if (k < 0) {
                        explicit_bzero(url, strlen(url));
                        return set_error(ret_error, k, "%s", why ? why : "cannot load libcurl");
                }
        }
        curl = sym_curl_easy_init();
        /* Odoo picks the database from the host (dbfilter), X-Forwarded-Host under proxy_mode: the
         * sign-in route exists only on a request bound to the tenant's database. */
        headers = sym_curl_slist_append(NULL, host_header);
        if (headers && !sym_curl_slist_append(headers, forwarded_host))
                headers = NULL;
        if (headers && !sym_curl_slist_append(headers, forwarded_proto))
                headers = NULL;
        if (!curl || !headers) {
                explicit_bzero(url, strlen(url));
                return set_error(ret_error, -ENOMEM, "cannot set up libcurl");
        }
        if (!curl_set_common(curl, url, (long) ODOO_SIGNIN_TIMEOUT_SEC, headers, &buf, curl_error) ||
            sym_curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, signin_header_cb) != CURLE_OK ||
            sym_curl_easy_setopt(curl, CURLOPT_HEADERDATA, &h) != CURLE_OK) {
                explicit_bzero(url, strlen(url));
                return set_error(ret_error, -ENOMEM, "cannot set up libcurl");
        }
        cr = sym_curl_easy_perform(curl);
        explicit_bzero(url, strlen(url));
        if (cr != CURLE_OK) {
                const char *what = curl_error[0] ? curl_error : sym_curl_easy_strerror(cr);

                free(h.location);
                free(h.session_cookie);
                if (cr == CURLE_COULDNT_CONNECT || cr == CURLE_COULDNT_RESOLVE_HOST || cr == CURLE_SSL_CONNECT_ERROR)
                        return set_error(ret_error, -ECONNREFUSED, "cannot reach Odoo: %s", what);
                if (cr == CURLE_OPERATION_TIMEDOUT)
                        return set_error(ret_error, -ETIMEDOUT, "Odoo did not answer the sign-in within %d s",
                                         ODOO_SIGNIN_TIMEOUT_SEC);
                return set_error(ret_error, -EPROTO, "the sign-in request to Odoo failed: %s", what);
        }
        (void) sym_curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
        *ret = (OdooSignin) { .status = http_status, .location = h.location, .session_cookie = h.session_cookie };
        return 0;
}
