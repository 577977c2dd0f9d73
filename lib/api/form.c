/* SPDX-License-Identifier: MIT */
/*
 * form.c: owns turning request input — query strings, x-www-form-urlencoded bodies, JSON bodies —
 * into one flat JSON object of fields. UTF-8 validation and JSON parsing are jansson's; refusing
 * malformed escapes, NUL, duplicates and nesting is here.
 *
 * Percent-decoding is done here too, not with libcurl's curl_easy_unescape(): this file is linked
 * into vumaerp-api, which starts once per connection, and loading libcurl costs ~20 ms per process
 * start on the dev machine (measured; an empty program starts in ~4 ms). Decoding two hex digits
 * is not worth that; the fuzz target fuzz/fuzz-form.c covers it.
 */
#include <limits.h>
#include <stdbool.h>
#include <strings.h>

#include "form.h"
#include "macro.h"
#include "result.h"

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Decodes one key or value of s[0..n) into a JSON string: '+' is a space, %XX the byte XX.
 * A malformed escape, a NUL (raw or decoded) or invalid UTF-8 (json_stringn() refuses it) is
 * -EBADMSG. */
static int decode_piece(const char *s, size_t n, json_t **ret) {
        _cleanup_free_ char *out = malloc(n + 1);
        size_t k = 0;
        json_t *j;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (c == '+')
                        c = ' ';
                else if (c == '%') {
                        int hi = i + 2 < n ? hex_value(s[i + 1]) : -1;
                        int lo = i + 2 < n ? hex_value(s[i + 2]) : -1;

                        if (hi < 0 || lo < 0)
                                return -EBADMSG;
                        c = (char) (hi << 4 | lo);
                        i += 2;
                }
                if (c == '\0')
                        return -EBADMSG;
                out[k++] = c;
        }

        j = json_stringn(out, k);
        if (!j)
                return -EBADMSG;
        *ret = j;
        return 0;
}

static int add_field(json_t *obj, const char *key, json_t *value) {
        if (json_object_get(obj, key))
                return -EBADMSG;
        if (json_object_size(obj) >= FORM_MAX_FIELDS)
                return -EBADMSG;
        if (json_object_set(obj, key, value) < 0)
                return -ENOMEM;
        return 0;
}

int form_decode(const char *s, size_t size, json_t *obj) {
        const char *p = s, *end = s + size;

        if (!obj || !json_is_object(obj) || (!s && size > 0))
                return -EINVAL;

        while (p < end) {
                _cleanup_json_ json_t *key = NULL;
                _cleanup_json_ json_t *value = NULL;
                const char *amp, *eq;
                size_t n;
                int r;

                amp = memchr(p, '&', (size_t) (end - p));
                n = amp ? (size_t) (amp - p) : (size_t) (end - p);
                if (n == 0) { /* "a=1&&b=2": skipped, as browsers and Flask do */
                        p = amp + 1;
                        continue;
                }

                eq = memchr(p, '=', n);
                r = decode_piece(p, eq ? (size_t) (eq - p) : n, &key);
                if (r < 0)
                        return r;
                if (eq)
                        r = decode_piece(eq + 1, n - (size_t) (eq - p) - 1, &value);
                else
                        r = decode_piece("", 0, &value);
                if (r < 0)
                        return r;

                /* A field without a name cannot be asked for; it is a client bug. */
                if (json_string_length(key) == 0)
                        return -EBADMSG;
                r = add_field(obj, json_string_value(key), value);
                if (r < 0)
                        return r;

                p = amp ? amp + 1 : end;
        }
        return 0;
}

int form_decode_json(const char *s, size_t size, json_t *obj) {
        _cleanup_json_ json_t *j = NULL;
        const char *key;
        json_t *value;

        if (!obj || !json_is_object(obj) || !s)
                return -EINVAL;

        /* No JSON_ALLOW_NUL: "\u0000" is refused by jansson, in keys and values. The EOF check
         * stays on: trailing bytes after the object are an error. */
        j = json_loadb(s, size, JSON_REJECT_DUPLICATES, NULL);
        if (!j || !json_is_object(j))
                return -EBADMSG;

        /* Everything is checked before anything is added, so a refused body adds nothing. */
        if (json_object_size(obj) + json_object_size(j) > FORM_MAX_FIELDS)
                return -EBADMSG;
        json_object_foreach(j, key, value) {
                if (json_is_object(value) || json_is_array(value))
                        return -EBADMSG;
                if (json_object_get(obj, key))
                        return -EBADMSG;
        }
        json_object_foreach(j, key, value)
                if (json_object_set(obj, key, value) < 0)
                        return -ENOMEM;
        return 0;
}

/* Compares the media type of a Content-Type value (before any ';' parameters, surrounding
 * whitespace ignored) with type, case-insensitively. */
static bool media_type_is(const char *ct, const char *type) {
        size_t n = strlen(type);

        ct += strspn(ct, " \t");
        if (strncasecmp(ct, type, n) != 0)
                return false;
        ct += n;
        ct += strspn(ct, " \t");
        return *ct == '\0' || *ct == ';';
}

int form_decode_body(const char *content_type, const char *body, size_t size, json_t *obj) {
        if (!obj || !json_is_object(obj) || (!body && size > 0))
                return -EINVAL;
        if (size == 0)
                return 0;

        /* No type, or the form type: sniff. A JSON object body is common from hand-written
         * clients, and `curl -d '{…}'` labels it a form (the seed README's suspend, unsuspend
         * and terminate examples are sent so, and the original API took them); a form whose
         * first field name begins with '{' is not one anybody sends. */
        if (isempty(content_type) || content_type[strspn(content_type, " \t")] == '\0' ||
            media_type_is(content_type, "application/x-www-form-urlencoded")) {
                size_t i = 0;
                while (i < size && strchr(" \t\r\n", body[i]) && body[i])
                        i++;
                if (i < size && body[i] == '{')
                        return form_decode_json(body, size, obj);
                return form_decode(body, size, obj);
        }

        if (media_type_is(content_type, "application/json"))
                return form_decode_json(body, size, obj);
        return -EMEDIUMTYPE;
}
