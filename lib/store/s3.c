/* SPDX-License-Identifier: MIT */
/*
 * s3.c: owns vumaerp's side of the S3 protocol (s3.h): requests signed by libcurl (SigV4), their
 * retries, single and multipart uploads and the check of what was stored, downloads, listings,
 * deletions, and the reading of S3's XML answers and of the credentials file.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "credential.h"
#include "curl-dlopen.h"
#include "fileio.h"
#include "result.h"
#include "s3.h"

#define S3_CREDENTIALS_MAX 4096
#define S3_ANSWER_MAX (8 * 1024 * 1024)   /* a listing page of 1,000 keys is ~350 KiB */
#define S3_CONNECT_TIMEOUT_SEC 10L
#define S3_LOW_SPEED_TIME_SEC 60L         /* less than 1 KiB/s for this long: the transfer is dead */
#define S3_BACKOFF_MAX_SEC 30
#define S3_HASH_BUFFER (1024 * 1024)
/* The sha256 of nothing: the payload hash of a request without a body. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct S3 {
        char *endpoint;          /* without a trailing '/' */
        char *bucket;
        char *sigv4;             /* "aws:amz:<region>:s3" */
        char *key_id;
        char *secret;            /* wiped when freed */
        int64_t part_size;
        int retries;
};

static void md_ctx_freep(EVP_MD_CTX **p) {
        EVP_MD_CTX_free(*p);
}

/* error_set(), and r for "return fail(…)". */
#define fail(ret_error, r, ...) (error_set((ret_error), __VA_ARGS__), (r))

/* --- the pure parts --- */

bool s3_key_is_valid(const char *key) {
        size_t n = key ? strlen(key) : 0;

        if (n == 0 || n > S3_KEY_MAX || key[0] == '/' || strstr(key, "//"))
                return false;
        for (const char *seg = key; *seg; ) {
                const char *end = strchrnul(seg, '/');

                if ((end - seg == 1 && seg[0] == '.') || (end - seg == 2 && seg[0] == '.' && seg[1] == '.'))
                        return false;
                seg = *end ? end + 1 : end;
        }
        for (const char *p = key; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      *p == '-' || *p == '_' || *p == '.' || *p == '/'))
                        return false;
        return true;
}

char *s3_query_escape(const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '_' || *p == '.' || *p == '~')
                        *o++ = (char) *p;
                else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 15];
                }
        }
        *o = '\0';
        return out;
}

static char *strip(char *s) {
        size_t n;

        while (*s == ' ' || *s == '\t')
                s++;
        n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

int s3_credentials_parse(const char *text, char **ret_key_id, char **ret_secret, char **ret_error) {
        _cleanup_free_ char *key_id = NULL;
        char *secret = NULL, *copy;
        size_t copy_size = strlen(text) + 1;
        unsigned line_no = 0;
        bool header = false;
        int r = 0;

        copy = strdup(text);
        if (!copy)
                return -ENOMEM;
        for (char *line = copy, *next; line && r == 0; line = next) {
                char *eq, *name, *value;

                line_no++;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                line = strip(line);
                if (*line == '\0' || *line == '#')
                        continue;
                if (streq(line, "[default]") && !header && !key_id && !secret) {
                        header = true;
                        continue;
                }
                eq = strchr(line, '=');
                if (!eq) {
                        r = fail(ret_error, -EINVAL, "line %u is not \"name = value\"", line_no);
                        break;
                }
                *eq = '\0';
                name = strip(line);
                value = strip(eq + 1);
                if (*value == '\0')
                        r = fail(ret_error, -EINVAL, "line %u: %s is empty", line_no, name);
                else if (streq(name, "aws_access_key_id")) {
                        if (key_id)
                                r = fail(ret_error, -EINVAL, "line %u: aws_access_key_id given twice", line_no);
                        else if (!(key_id = strdup(value)))
                                r = -ENOMEM;
                } else if (streq(name, "aws_secret_access_key")) {
                        if (secret)
                                r = fail(ret_error, -EINVAL, "line %u: aws_secret_access_key given twice", line_no);
                        else if (!(secret = strdup(value)))
                                r = -ENOMEM;
                } else
                        r = fail(ret_error, -EINVAL,
                                 "line %u: unknown name (only aws_access_key_id and aws_secret_access_key)", line_no);
        }
        wipe_free(copy, copy_size);
        if (r == 0 && (!key_id || !secret))
                r = fail(ret_error, -EINVAL, "%s is missing", !key_id ? "aws_access_key_id" : "aws_secret_access_key");
        if (r < 0) {
                if (secret)
                        wipe_free(secret, strlen(secret));
                return r;
        }
        /* They go into a signed header line as they are. */
        for (const char *p = key_id; *p; p++)
                if (*p < 0x21 || *p > 0x7e || *p == '/' || *p == ',') {
                        wipe_free(secret, strlen(secret));
                        return fail(ret_error, -EINVAL, "aws_access_key_id holds a character it cannot hold");
                }
        *ret_key_id = TAKE_PTR(key_id);
        *ret_secret = secret;
        return 0;
}

static char *xml_unescape(const char *s, size_t n) {
        static const struct { const char *entity; char c; } entities[] = {
                { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
        };
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n; ) {
                bool done = false;

                if (s[i] == '&')
                        for (size_t e = 0; e < ELEMENTSOF(entities) && !done; e++) {
                                size_t len = strlen(entities[e].entity);

                                if (i + len <= n && memcmp(s + i, entities[e].entity, len) == 0) {
                                        *o++ = entities[e].c;
                                        i += len;
                                        done = true;
                                }
                        }
                if (!done)
                        *o++ = s[i++];
        }
        *o = '\0';
        return out;
}

static char *xml_tag(const char *xml, size_t *pos, const char *tag, bool decode) {
        _cleanup_free_ char *open = NULL, *close = NULL;
        const char *start, *end;

        if (asprintf(&open, "<%s>", tag) < 0 || asprintf(&close, "</%s>", tag) < 0) {
                open = close = NULL;
                errno = ENOMEM;
                return NULL;
        }
        start = strstr(xml + *pos, open);
        if (!start) {
                errno = 0;
                return NULL;
        }
        start += strlen(open);
        end = strstr(start, close);
        if (!end) {
                errno = 0;
                return NULL;
        }
        *pos = (size_t) (end - xml) + strlen(close);
        return decode ? xml_unescape(start, (size_t) (end - start)) : strndup(start, (size_t) (end - start));
}

char *s3_xml_tag(const char *xml, size_t *pos, const char *tag) {
        return xml_tag(xml, pos, tag, true);
}

int64_t s3_part_size_for(int64_t size, int64_t part_size) {
        const int64_t mib = 1024 * 1024;

        if (part_size < S3_MIN_PART_SIZE)
                part_size = S3_MIN_PART_SIZE;
        if ((size + part_size - 1) / part_size > S3_MAX_PARTS)
                part_size = ((size + S3_MAX_PARTS - 1) / S3_MAX_PARTS + mib - 1) / mib * mib;
        return part_size;
}

static void hex_of(const unsigned char *d, size_t n, char *out) {
        static const char hex[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = hex[d[i] >> 4];
                out[2 * i + 1] = hex[d[i] & 15];
        }
        out[2 * n] = '\0';
}

int s3_multipart_etag(const unsigned char (*part_md5s)[16], size_t n, char ret[static 48]) {
        unsigned char d[16];
        char hex[33];

        if (EVP_Digest(part_md5s, n * 16, d, NULL, EVP_md5(), NULL) != 1)
                return -EIO;
        hex_of(d, 16, hex);
        (void) snprintf(ret, 48, "%s-%zu", hex, n);
        return 0;
}

void s3_object_done(S3Object *o) {
        free(o->key);
        free(o->etag);
        free(o->sha256);
        free(o->filestore_sha256);
        free(o->last_modified);
        *o = (S3Object) {};
}

void s3_object_list_done(S3ObjectList *l) {
        for (size_t i = 0; i < l->n; i++)
                s3_object_done(&l->objects[i]);
        free(l->objects);
        *l = (S3ObjectList) {};
}

/* --- the client --- */

int s3_new(const Config *c, S3 **ret, char **ret_error) {
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_free_ char *why = NULL;
        char *text = NULL;
        size_t len = 0;
        size_t n;
        int r;

        if (isempty(c->offsite_endpoint) || isempty(c->offsite_region) || isempty(c->offsite_bucket))
                return fail(ret_error, -EDESTADDRREQ, "offsite: is not configured");
        r = dlopen_curl(&why);
        if (r < 0)
                return fail(ret_error, r, "%s", why ? why : "cannot load libcurl");
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        n = strlen(c->offsite_endpoint);
        while (n > 0 && c->offsite_endpoint[n - 1] == '/')
                n--;
        s->endpoint = strndup(c->offsite_endpoint, n);
        s->bucket = strdup(c->offsite_bucket);
        if (!s->endpoint || !s->bucket || asprintf(&s->sigv4, "aws:amz:%s:s3", c->offsite_region) < 0)
                return -ENOMEM;
        s->part_size = (int64_t) c->offsite_part_size_mib * 1024 * 1024;
        s->retries = c->offsite_retries;

        r = credential_read("offsite credentials", c->offsite_credentials_file, S3_CREDENTIALS_MAX,
                            CREDENTIAL_NOT_EMPTY, &text, &len, ret_error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -ENOKEY;
        free(why);
        why = NULL;
        r = s3_credentials_parse(text, &s->key_id, &s->secret, &why);
        credential_free(text, len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return fail(ret_error, -ENOKEY, "offsite credentials file %s: %s", c->offsite_credentials_file, strempty(why));
        *ret = TAKE_PTR(s);
        return 0;
}

S3 *s3_free(S3 *s) {
        if (!s)
                return NULL;
        free(s->endpoint);
        free(s->bucket);
        free(s->sigv4);
        free(s->key_id);
        if (s->secret)
                wipe_free(s->secret, strlen(s->secret));
        free(s);
        return NULL;
}

/* One request: what goes, and where what comes back goes. */
typedef struct Request {
        const char *method;             /* GET HEAD PUT POST DELETE */
        const char *key;                /* NULL: the bucket */
        const char *query;              /* encoded, its names in order; NULL: none */
        int in_fd;                      /* PUT: the body is [in_offset, in_offset + in_length) of this file */
        int64_t in_offset, in_length;
        const char *body;               /* POST: the body; NULL: none */
        const char *payload_sha256;     /* NULL: the empty body's */
        const char *const *headers;     /* further header lines; NULL-terminated, may be NULL */
        int out_fd;                     /* GET: the body goes to this file; -1: to the answer */
        int64_t out_max;
} Request;

typedef struct Response {
        long status;
        char *body;                     /* NUL-terminated; only for out_fd < 0 */
        size_t size;
        bool too_large;
        int64_t written;                /* out_fd */
        int write_errno;
        int64_t read_pos;               /* the upload's next offset */
        const Request *request;
        S3Object head;                  /* from the headers */
} Response;

static void response_reset(Response *a) {
        free(a->body);
        s3_object_done(&a->head);
        *a = (Response) { .request = a->request };
}

static void response_done(Response *a) {
        free(a->body);
        s3_object_done(&a->head);
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userdata) {
        Response *a = userdata;
        const Request *q = a->request;
        size_t n = size * nmemb;

        if (q->out_fd >= 0) {
                if ((int64_t) n > q->out_max - a->written) {
                        a->too_large = true;
                        return 0;
                }
                for (size_t done = 0; done < n; ) {
                        ssize_t k = write(q->out_fd, ptr + done, n - done);

                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                a->write_errno = errno;
                                return 0;
                        }
                        done += (size_t) k;
                }
                a->written += (int64_t) n;
                return n;
        }
        if (n > S3_ANSWER_MAX - a->size) {
                a->too_large = true;
                return 0;
        }
        {
                char *p = realloc(a->body, a->size + n + 1);

                if (!p)
                        return 0;
                a->body = p;
        }
        memcpy(a->body + a->size, ptr, n);
        a->size += n;
        a->body[a->size] = '\0';
        return n;
}

static size_t read_cb(char *buffer, size_t size, size_t nitems, void *userdata) {
        Response *a = userdata;
        const Request *q = a->request;
        int64_t left = q->in_offset + q->in_length - a->read_pos;
        size_t want = size * nitems;
        ssize_t k;

        if (left <= 0)
                return 0;
        if ((int64_t) want > left)
                want = (size_t) left;
        do
                k = pread(q->in_fd, buffer, want, a->read_pos);
        while (k < 0 && errno == EINTR);
        if (k <= 0)
                return CURL_READFUNC_ABORT;   /* the file shrank or cannot be read */
        a->read_pos += k;
        return (size_t) k;
}

static int seek_cb(void *userdata, curl_off_t offset, int origin) {
        Response *a = userdata;

        if (origin != SEEK_SET || offset < 0 || offset > a->request->in_length)
                return CURL_SEEKFUNC_CANTSEEK;
        a->read_pos = a->request->in_offset + offset;
        return CURL_SEEKFUNC_OK;
}

/* The headers HEAD (and PUT, and a part) answers with that we read. */
static size_t header_cb(char *buffer, size_t size, size_t nitems, void *userdata) {
        Response *a = userdata;
        size_t n = size * nitems;
        static const struct { const char *name; size_t offset; } wanted[] = {
                { "etag", offsetof(S3Object, etag) },
                { "x-amz-meta-sha256", offsetof(S3Object, sha256) },
                { "x-amz-meta-filestore-sha256", offsetof(S3Object, filestore_sha256) },
                { "last-modified", offsetof(S3Object, last_modified) },
        };
        const char *colon = memchr(buffer, ':', n);
        size_t name_len;

        if (!colon)
                return n;
        name_len = (size_t) (colon - buffer);
        for (size_t i = 0; i < ELEMENTSOF(wanted) + 1; i++) {
                const char *name = i < ELEMENTSOF(wanted) ? wanted[i].name : "content-length";
                _cleanup_free_ char *value = NULL;
                char *v;

                if (strlen(name) != name_len || strncasecmp(buffer, name, name_len) != 0)
                        continue;
                value = strndup(colon + 1, n - name_len - 1);
                if (!value)
                        return 0;
                v = strip(value);
                v[strcspn(v, "\r\n")] = '\0';
                if (i == ELEMENTSOF(wanted)) {
                        a->head.size = strtoll(v, NULL, 10);
                        return n;
                }
                if (i == 0 && v[0] == '"' && strlen(v) >= 2 && v[strlen(v) - 1] == '"') {
                        v[strlen(v) - 1] = '\0';
                        v++;
                }
                {
                        char **field = (char **) ((uint8_t *) &a->head + wanted[i].offset);

                        free(*field);
                        *field = strdup(v);
                        if (!*field)
                                return 0;
                }
                return n;
        }
        return n;
}

/* Whether a failed transfer is worth another try: the connection, not our side. */
static bool transfer_retryable(CURLcode cr) {
        return cr == CURLE_COULDNT_CONNECT || cr == CURLE_COULDNT_RESOLVE_HOST || cr == CURLE_OPERATION_TIMEDOUT ||
               cr == CURLE_SEND_ERROR || cr == CURLE_RECV_ERROR || cr == CURLE_GOT_NOTHING ||
               cr == CURLE_PARTIAL_FILE || cr == CURLE_SSL_CONNECT_ERROR || cr == CURLE_HTTP2 ||
               cr == CURLE_HTTP2_STREAM;
}

static char *request_url(S3 *s, const Request *q) {
        char *url;

        if (asprintf(&url, "%s/%s%s%s%s%s", s->endpoint, s->bucket, q->key ? "/" : "", strempty(q->key),
                     q->query ? "?" : "", strempty(q->query)) < 0)
                return NULL;
        return url;
}

/* One try. Returns 0 when an answer came (whatever its status, in a->status), or a negative errno
 * with *ret_retry saying whether another try may do better. */
static int perform_once(S3 *s, const Request *q, Response *a, bool *ret_retry, char **ret_error) {
        _cleanup_(curl_easy_cleanupp) CURL *curl = NULL;
        _cleanup_(curl_slist_free_allp) struct curl_slist *headers = NULL;
        _cleanup_free_ char *url = request_url(s, q), *sha_line = NULL;
        char curl_error[CURL_ERROR_SIZE] = "";
        bool ok = true;
        CURLcode cr;

        *ret_retry = false;
        if (!url || asprintf(&sha_line, "x-amz-content-sha256: %s", q->payload_sha256 ?: EMPTY_SHA256) < 0) {
                sha_line = NULL;
                return -ENOMEM;
        }
        curl = sym_curl_easy_init();
        headers = sym_curl_slist_append(NULL, sha_line);
        if (!curl || !headers)
                return fail(ret_error, -ENOMEM, "cannot set up libcurl");
        for (const char *const *h = q->headers; h && *h; h++) {
                struct curl_slist *l = sym_curl_slist_append(headers, *h);

                if (!l)
                        return fail(ret_error, -ENOMEM, "cannot set up libcurl");
                headers = l;
        }

        /* As odoo.c: http and https only, no redirect (a signed request goes nowhere else), TLS
         * peers verified whatever the build's or environment's defaults. */
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_URL, url) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, S3_CONNECT_TIMEOUT_SEC) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, S3_LOW_SPEED_TIME_SEC) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, s->sigv4) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_USERNAME, s->key_id) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_PASSWORD, s->secret) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_WRITEDATA, a) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_HEADERDATA, a) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error) == CURLE_OK;
        ok = ok && sym_curl_easy_setopt(curl, CURLOPT_USERAGENT, "vumaerp") == CURLE_OK;
        if (streq(q->method, "HEAD"))
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_NOBODY, 1L) == CURLE_OK;
        else if (streq(q->method, "PUT")) {
                a->read_pos = q->in_offset;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L) == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb) == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_READDATA, a) == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, seek_cb) == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_SEEKDATA, a) == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) q->in_length) == CURLE_OK;
        } else if (streq(q->method, "POST")) {
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_POSTFIELDS, q->body ?: "") == CURLE_OK;
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(q->body ?: "")) == CURLE_OK;
        } else if (!streq(q->method, "GET"))
                ok = ok && sym_curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, q->method) == CURLE_OK;
        if (!ok)
                return fail(ret_error, -ENOMEM, "cannot set up libcurl");

        cr = sym_curl_easy_perform(curl);
        if (cr != CURLE_OK) {
                const char *what = curl_error[0] ? curl_error : sym_curl_easy_strerror(cr);

                if (a->too_large)
                        return fail(ret_error, -EFBIG, "%s %s: the answer is larger than expected", q->method, url);
                if (a->write_errno)
                        return fail(ret_error, -a->write_errno, "%s %s: cannot write what came: %s", q->method, url,
                                    strerror(a->write_errno));
                *ret_retry = transfer_retryable(cr);
                return fail(ret_error, *ret_retry ? -ECONNREFUSED : -EPROTO, "%s %s: %s", q->method, url, what);
        }
        (void) sym_curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
        *ret_retry = a->status >= 500 || a->status == 429;
        return 0;
}

/* Tries q until an answer that is not a 5xx (or a 429) comes, or the retries run out; a 2xx is
 * 0, anything else a negative errno and S3's <Code> and <Message> in *ret_error. */
static int perform(S3 *s, const Request *q, Response *a, char **ret_error) {
        int r = 0;

        a->request = q;
        for (int attempt = 0; ; attempt++) {
                bool retry;

                response_reset(a);
                if (q->out_fd >= 0 && (ftruncate(q->out_fd, 0) < 0 || lseek(q->out_fd, 0, SEEK_SET) < 0)) {
                        int e = negative_errno();

                        return fail(ret_error, e, "cannot truncate the download: %s", strerror(-e));
                }
                r = perform_once(s, q, a, &retry, ret_error);
                if (!retry || attempt >= s->retries)
                        break;
                (void) sleep((unsigned) MIN(1 << attempt, S3_BACKOFF_MAX_SEC));
        }
        if (r < 0)
                return r;
        if (a->status >= 200 && a->status < 300)
                return 0;
        {
                size_t pos = 0, pos2 = 0;
                _cleanup_free_ char *code = a->body ? s3_xml_tag(a->body, &pos, "Code") : NULL;
                _cleanup_free_ char *message = a->body ? s3_xml_tag(a->body, &pos2, "Message") : NULL;
                int e = a->status == 403 || a->status == 401 ? -EACCES :
                        a->status == 404 ? -ENOENT : -EIO;

                if (code)
                        for (char *p = code; *p; p++)
                                if ((unsigned char) *p < 0x20)
                                        *p = ' ';
                if (message)
                        for (char *p = message; *p; p++)
                                if ((unsigned char) *p < 0x20)
                                        *p = ' ';
                return fail(ret_error, e, "%s %s%s%s: HTTP %ld%s%s%s%s", q->method, s->bucket, q->key ? "/" : "",
                            strempty(q->key), a->status, code ? " " : "", strempty(code), message ? ": " : "",
                            message ? message : (a->status == 403 ? " (the credentials or the signature were refused)" : ""));
        }
}

/* md5 (binary) and sha256 (hex) of [offset, offset + length) of fd; whole, when non-NULL, is fed
 * the same bytes. */
static int hash_range(int fd, int64_t offset, int64_t length, unsigned char md5[16], char sha256[65], EVP_MD_CTX *whole) {
        _cleanup_(md_ctx_freep) EVP_MD_CTX *m = EVP_MD_CTX_new(), *h = EVP_MD_CTX_new();
        _cleanup_free_ unsigned char *buf = malloc(S3_HASH_BUFFER);
        unsigned char d[32];

        if (!m || !h || !buf)
                return -ENOMEM;
        if (EVP_DigestInit_ex(m, EVP_md5(), NULL) != 1 || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
                return -EIO;
        while (length > 0) {
                ssize_t k = pread(fd, buf, (size_t) MIN(length, (int64_t) S3_HASH_BUFFER), offset);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return -ENODATA;
                if (EVP_DigestUpdate(m, buf, (size_t) k) != 1 || EVP_DigestUpdate(h, buf, (size_t) k) != 1 ||
                    (whole && EVP_DigestUpdate(whole, buf, (size_t) k) != 1))
                        return -EIO;
                offset += k;
                length -= k;
        }
        if (EVP_DigestFinal_ex(m, md5, NULL) != 1 || EVP_DigestFinal_ex(h, d, NULL) != 1)
                return -EIO;
        hex_of(d, 32, sha256);
        return 0;
}

static char *content_md5_line(const unsigned char md5[16]) {
        unsigned char b64[32];
        char *line;

        (void) EVP_EncodeBlock(b64, md5, 16);
        if (asprintf(&line, "Content-MD5: %s", (char *) b64) < 0)
                return NULL;
        return line;
}

/* The header lines of an upload: sha256 metadata, the caller's, and one more (Content-MD5 or
 * NULL), NULL-terminated; the strings are borrowed but the first. */
static const char **upload_headers(const char *sha256, const char *const *meta, const char *extra, char **ret_sha_line) {
        size_t n = 0;
        const char **h;

        while (meta && meta[n])
                n++;
        h = calloc(n + 3, sizeof *h);
        if (!h || asprintf(ret_sha_line, "x-amz-meta-sha256: %s", sha256) < 0) {
                free(h);
                *ret_sha_line = NULL;
                return NULL;
        }
        h[0] = *ret_sha_line;
        for (size_t i = 0; i < n; i++)
                h[i + 1] = meta[i];
        h[n + 1] = extra;
        return h;
}

static int put_single(S3 *s, const char *key, int fd, int64_t size, const char *sha256, const char *const *meta,
                      char md5_hex[static 33], char **ret_error) {
        _cleanup_(response_done) Response a = {};
        _cleanup_free_ char *md5_line = NULL, *sha_line = NULL;
        _cleanup_free_ const char **headers = NULL;
        unsigned char md5[16];
        char payload[65];
        int r;

        r = hash_range(fd, 0, size, md5, payload, NULL);
        if (r < 0)
                return fail(ret_error, r, "cannot read what is to be uploaded as %s: %s", key, strerror(-r));
        if (!streq(payload, sha256))
                return fail(ret_error, -EBADMSG, "the file to be uploaded as %s does not match its sha256", key);
        hex_of(md5, 16, md5_hex);
        md5_line = content_md5_line(md5);
        headers = md5_line ? upload_headers(sha256, meta, md5_line, &sha_line) : NULL;
        if (!headers)
                return -ENOMEM;
        return perform(s, &(Request) { .method = "PUT", .key = key, .in_fd = fd, .in_length = size,
                                       .payload_sha256 = payload, .headers = headers, .out_fd = -1 }, &a, ret_error);
}

static void abort_upload(S3 *s, const char *key, const char *upload_query) {
        _cleanup_(response_done) Response a = {};

        (void) perform(s, &(Request) { .method = "DELETE", .key = key, .query = upload_query, .out_fd = -1 }, &a, NULL);
}

/* Create, the parts, complete; aborted on any failure. ret_etag: what S3 computes for it. */
static int put_multipart(S3 *s, const char *key, int fd, int64_t size, const char *sha256, const char *const *meta,
                         char ret_etag[static 48], char whole_md5_hex[static 33], char **ret_error) {
        _cleanup_(response_done) Response a = {};
        _cleanup_free_ char *sha_line = NULL, *upload_id = NULL, *escaped = NULL, *upload_query = NULL, *complete = NULL;
        _cleanup_free_ const char **headers = NULL;
        _cleanup_free_ unsigned char (*md5s)[16] = NULL;
        _cleanup_free_ char **etags = NULL;
        _cleanup_(md_ctx_freep) EVP_MD_CTX *whole = EVP_MD_CTX_new();
        int64_t part_size = s3_part_size_for(size, s->part_size);
        size_t n_parts = (size_t) ((size + part_size - 1) / part_size), pos = 0, len = 0;
        FILE *f = NULL;
        unsigned char whole_md5[16];
        char body_sha[65];
        int r;

        headers = upload_headers(sha256, meta, NULL, &sha_line);
        md5s = calloc(n_parts, sizeof *md5s);
        etags = calloc(n_parts, sizeof *etags);
        if (!headers || !md5s || !etags || !whole || EVP_DigestInit_ex(whole, EVP_md5(), NULL) != 1)
                return -ENOMEM;
        r = perform(s, &(Request) { .method = "POST", .key = key, .query = "uploads=", .headers = headers, .out_fd = -1 },
                    &a, ret_error);
        if (r < 0)
                return r;
        upload_id = a.body ? s3_xml_tag(a.body, &pos, "UploadId") : NULL;
        if (!upload_id || isempty(upload_id))
                return fail(ret_error, -EPROTO, "POST %s/%s?uploads: the answer names no UploadId", s->bucket, key);
        escaped = s3_query_escape(upload_id);
        if (!escaped || asprintf(&upload_query, "uploadId=%s", escaped) < 0) {
                upload_query = NULL;
                return -ENOMEM;
        }

        for (size_t i = 0; i < n_parts && r >= 0; i++) {
                _cleanup_free_ char *query = NULL, *md5_line = NULL;
                int64_t offset = (int64_t) i * part_size, length = MIN(part_size, size - offset);
                const char *part_headers[2] = {};
                char payload[65];

                r = hash_range(fd, offset, length, md5s[i], payload, whole);
                if (r < 0) {
                        r = fail(ret_error, r, "cannot read what is to be uploaded as %s: %s", key, strerror(-r));
                        break;
                }
                md5_line = content_md5_line(md5s[i]);
                if (!md5_line || asprintf(&query, "partNumber=%zu&%s", i + 1, upload_query) < 0) {
                        query = NULL;
                        r = -ENOMEM;
                        break;
                }
                part_headers[0] = md5_line;
                r = perform(s, &(Request) { .method = "PUT", .key = key, .query = query, .in_fd = fd, .in_offset = offset,
                                            .in_length = length, .payload_sha256 = payload, .headers = part_headers,
                                            .out_fd = -1 }, &a, ret_error);
                if (r >= 0 && (!a.head.etag || !(etags[i] = strdup(a.head.etag))))
                        r = a.head.etag ? -ENOMEM : fail(ret_error, -EPROTO, "part %zu of %s came back without an ETag", i + 1, key);
        }
        if (r >= 0) {
                f = open_memstream(&complete, &len);
                if (!f)
                        r = -ENOMEM;
                else {
                        fputs("<CompleteMultipartUpload>", f);
                        for (size_t i = 0; i < n_parts; i++)
                                fprintf(f, "<Part><PartNumber>%zu</PartNumber><ETag>\"%s\"</ETag></Part>", i + 1, etags[i]);
                        fputs("</CompleteMultipartUpload>", f);
                        if (fclose(f) != 0)
                                r = -ENOMEM;
                }
        }
        if (r >= 0) {
                unsigned char d[32];
                static const char *const xml_headers[] = { "Content-Type: application/xml", NULL };

                if (EVP_Digest(complete, len, d, NULL, EVP_sha256(), NULL) != 1)
                        r = -EIO;
                hex_of(d, 32, body_sha);
                if (r >= 0)
                        r = perform(s, &(Request) { .method = "POST", .key = key, .query = upload_query, .body = complete,
                                                    .payload_sha256 = body_sha, .headers = xml_headers, .out_fd = -1 },
                                    &a, ret_error);
                /* S3 may answer 200 and put its error in the body. */
                if (r >= 0 && a.body && strstr(a.body, "<Error>")) {
                        size_t p1 = 0;
                        _cleanup_free_ char *code = s3_xml_tag(a.body, &p1, "Code");

                        r = fail(ret_error, -EIO, "completing the upload of %s failed: %s", key, code ? code : "an error");
                }
        }
        for (size_t i = 0; i < n_parts; i++)
                free(etags[i]);
        if (r < 0) {
                abort_upload(s, key, upload_query);
                return r;
        }
        if (EVP_DigestFinal_ex(whole, whole_md5, NULL) != 1)
                return -EIO;
        hex_of(whole_md5, 16, whole_md5_hex);
        return s3_multipart_etag((const unsigned char (*)[16]) md5s, n_parts, ret_etag);
}

int s3_put_file(S3 *s, const char *key, const char *path, const char *sha256, const char *const *meta, char **ret_error) {
        _cleanup_close_ int fd = -1;
        _cleanup_(s3_object_done) S3Object head = {};
        char md5_hex[33] = "", multipart_etag[48] = "";
        struct stat st;
        int r;

        if (!s3_key_is_valid(key))
                return fail(ret_error, -EINVAL, "\"%s\" is not a key vumaerp writes", key);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || fstat(fd, &st) < 0) {
                int e = negative_errno();

                return fail(ret_error, e, "cannot open %s: %s", path, strerror(-e));
        }
        if (!S_ISREG(st.st_mode))
                return fail(ret_error, -EBADF, "%s is not a regular file", path);
        if (st.st_size <= s->part_size)
                r = put_single(s, key, fd, st.st_size, sha256, meta, md5_hex, ret_error);
        else
                r = put_multipart(s, key, fd, st.st_size, sha256, meta, multipart_etag, md5_hex, ret_error);
        if (r < 0)
                return r;

        /* What is stored is what was sent: its size, the MD5 the server computed (the ETag), and
         * the sha256 a restore will check (metadata: the server only keeps it). */
        r = s3_head(s, key, &head, ret_error);
        if (r < 0)
                return r;
        if (head.size != st.st_size)
                return fail(ret_error, -EBADMSG, "%s was stored with %" PRId64 " bytes, not %" PRId64, key, head.size,
                            (int64_t) st.st_size);
        if (!head.etag || (strcasecmp(head.etag, md5_hex) != 0 && strcasecmp(head.etag, multipart_etag) != 0))
                return fail(ret_error, -EBADMSG, "%s was stored with the ETag %s, not the MD5 of what was sent (%s%s%s)",
                            key, head.etag ? head.etag : "(none)", md5_hex, multipart_etag[0] ? " or " : "", multipart_etag);
        if (!streq_ptr(head.sha256, sha256))
                return fail(ret_error, -EBADMSG, "%s was stored without its sha256", key);
        return 0;
}

int s3_head(S3 *s, const char *key, S3Object *ret, char **ret_error) {
        _cleanup_(response_done) Response a = {};
        int r;

        if (!s3_key_is_valid(key))
                return fail(ret_error, -EINVAL, "\"%s\" is not a valid key", key);
        r = perform(s, &(Request) { .method = "HEAD", .key = key, .out_fd = -1 }, &a, ret_error);
        if (r < 0)
                return r;
        a.head.key = strdup(key);
        if (!a.head.key)
                return -ENOMEM;
        *ret = a.head;
        a.head = (S3Object) {};
        return 0;
}

int s3_get_file(S3 *s, const char *key, int fd, int64_t max_size, char **ret_error) {
        _cleanup_(response_done) Response a = {};

        if (!s3_key_is_valid(key))
                return fail(ret_error, -EINVAL, "\"%s\" is not a valid key", key);
        return perform(s, &(Request) { .method = "GET", .key = key, .out_fd = fd, .out_max = max_size }, &a, ret_error);
}

int s3_list(S3 *s, const char *prefix, S3ObjectList *ret, char **ret_error) {
        _cleanup_(s3_object_list_done) S3ObjectList l = {};
        _cleanup_free_ char *token = NULL, *escaped_prefix = s3_query_escape(prefix);
        size_t allocated = 0;
        int r;

        if (!escaped_prefix)
                return -ENOMEM;
        for (;;) {
                _cleanup_(response_done) Response a = {};
                _cleanup_free_ char *query = NULL, *escaped_token = token ? s3_query_escape(token) : NULL, *truncated = NULL;
                size_t pos = 0, tpos = 0;
                char *block;

                if ((token && !escaped_token) ||
                    asprintf(&query, "%s%s%slist-type=2&prefix=%s", token ? "continuation-token=" : "",
                             strempty(escaped_token), token ? "&" : "", escaped_prefix) < 0) {
                        query = NULL;
                        return -ENOMEM;
                }
                r = perform(s, &(Request) { .method = "GET", .query = query, .out_fd = -1 }, &a, ret_error);
                if (r < 0)
                        return r;
                if (!a.body || !strstr(a.body, "<ListBucketResult"))
                        return fail(ret_error, -EPROTO, "the listing of %s is not a ListBucketResult", s->bucket);
                while ((block = xml_tag(a.body, &pos, "Contents", false))) {
                        _cleanup_free_ char *size = NULL;
                        size_t p = 0;
                        S3Object o = {};

                        if (l.n == allocated) {
                                S3Object *grown = reallocarray(l.objects, allocated ? allocated * 2 : 64, sizeof *grown);

                                if (!grown) {
                                        free(block);
                                        return -ENOMEM;
                                }
                                l.objects = grown;
                                allocated = allocated ? allocated * 2 : 64;
                        }
                        o.key = s3_xml_tag(block, &p, "Key");
                        p = 0;
                        size = s3_xml_tag(block, &p, "Size");
                        p = 0;
                        o.etag = s3_xml_tag(block, &p, "ETag");
                        p = 0;
                        o.last_modified = s3_xml_tag(block, &p, "LastModified");
                        free(block);
                        if (!o.key || !size) {
                                s3_object_done(&o);
                                return fail(ret_error, -EPROTO, "the listing of %s holds an entry without a key or size", s->bucket);
                        }
                        o.size = strtoll(size, NULL, 10);
                        if (o.etag && o.etag[0] == '"' && strlen(o.etag) >= 2) {
                                memmove(o.etag, o.etag + 1, strlen(o.etag));
                                o.etag[strlen(o.etag) - 1] = '\0';
                        }
                        l.objects[l.n++] = o;
                }
                truncated = s3_xml_tag(a.body, &tpos, "IsTruncated");
                if (!truncated || !streq(truncated, "true"))
                        break;
                free(token);
                tpos = 0;
                token = s3_xml_tag(a.body, &tpos, "NextContinuationToken");
                if (!token)
                        return fail(ret_error, -EPROTO, "the listing of %s is truncated without a continuation token", s->bucket);
        }
        *ret = l;
        l = (S3ObjectList) {};
        return 0;
}

int s3_delete(S3 *s, const char *key, char **ret_error) {
        _cleanup_(response_done) Response a = {};

        if (!s3_key_is_valid(key))
                return fail(ret_error, -EINVAL, "\"%s\" is not a valid key", key);
        return perform(s, &(Request) { .method = "DELETE", .key = key, .out_fd = -1 }, &a, ret_error);
}
