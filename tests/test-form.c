/* SPDX-License-Identifier: MIT */
/* test-form.c: query strings, urlencoded bodies and JSON bodies into one flat object of fields. */
#include <errno.h>
#include <stdlib.h>

#include "form.h"
#include "macro.h"
#include "result.h"
#include "tests.h"

static int decode(const char *s, json_t **ret) {
        json_t *o = json_object();
        int r;

        if (!o)
                abort();
        r = form_decode(s, strlen(s), o);
        *ret = o;
        return r;
}

static int decode_r(const char *s) {
        _cleanup_json_ json_t *o = NULL;
        return decode(s, &o);
}

static const char *field(json_t *o, const char *k) {
        return json_string_value(json_object_get(o, k));
}

static void test_form_basic(void) {
        _cleanup_json_ json_t *o = NULL;

        CHECK_INT(decode("db_name=acme_ltd&company_name=Acme+Ltd&email=a%40acme.co.ke&x=%20y%2B", &o), 0);
        CHECK_INT(json_object_size(o), 4);
        CHECK_STR(field(o, "db_name"), "acme_ltd");
        CHECK_STR(field(o, "company_name"), "Acme Ltd");
        CHECK_STR(field(o, "email"), "a@acme.co.ke");
        CHECK_STR(field(o, "x"), " y+");
        json_decref(o);

        /* Empty values, keys without '=', empty pieces, '=' inside values. */
        CHECK_INT(decode("a=&b&&c=1=2&", &o), 0);
        CHECK_INT(json_object_size(o), 3);
        CHECK_STR(field(o, "a"), "");
        CHECK_STR(field(o, "b"), "");
        CHECK_STR(field(o, "c"), "1=2");
        json_decref(o);

        /* Nothing at all. */
        CHECK_INT(decode("", &o), 0);
        CHECK_INT(json_object_size(o), 0);
        json_decref(o);
        CHECK_INT(decode("&&&", &o), 0);
        CHECK_INT(json_object_size(o), 0);
        json_decref(o);

        /* Keys are decoded too; hex digits in either case. */
        CHECK_INT(decode("first+name=J%c3%a9r%C3%B4me&%61b=c", &o), 0);
        CHECK_STR(field(o, "first name"), "J\xc3\xa9r\xc3\xb4me");
        CHECK_STR(field(o, "ab"), "c");
        json_decref(o);

        /* Unicode, raw and escaped; a 4-byte character. */
        CHECK_INT(decode("city=Nairobi%20%E2%80%94%20%F0%9F%87%B0&raw=\xc3\xa9t\xc3\xa9", &o), 0);
        CHECK_STR(field(o, "city"), "Nairobi \xe2\x80\x94 \xf0\x9f\x87\xb0");
        CHECK_STR(field(o, "raw"), "\xc3\xa9t\xc3\xa9");
        json_decref(o);

        /* Only size bytes are read: the rest of the buffer is not part of the input. */
        o = json_object();
        CHECK_INT(form_decode("a=1&b=2", 3, o), 0);
        CHECK_INT(json_object_size(o), 1);
        CHECK_STR(field(o, "a"), "1");
}

static void test_form_refused(void) {
        /* Bad escapes: curl would pass these through, we refuse them. */
        CHECK_INT(decode_r("a=%zz"), -EBADMSG);
        CHECK_INT(decode_r("a=%2"), -EBADMSG);
        CHECK_INT(decode_r("a=%"), -EBADMSG);
        CHECK_INT(decode_r("a=1%"), -EBADMSG);
        CHECK_INT(decode_r("a=%g0"), -EBADMSG);
        CHECK_INT(decode_r("%zz=1"), -EBADMSG);
        CHECK_INT(decode_r("a=%%41"), -EBADMSG);
        /* Decoded NUL, raw NUL. */
        CHECK_INT(decode_r("a=%00"), -EBADMSG);
        CHECK_INT(decode_r("a%00b=1"), -EBADMSG);
        {
                json_t *o = json_object();
                CHECK_INT(form_decode("a=x\0y", 5, o), -EBADMSG);
                json_decref(o);
        }
        /* Invalid UTF-8: lone continuation, overlong, truncated, surrogate, raw Latin-1. */
        CHECK_INT(decode_r("a=%80"), -EBADMSG);
        CHECK_INT(decode_r("a=%C0%AF"), -EBADMSG);
        CHECK_INT(decode_r("a=%E2%80"), -EBADMSG);
        CHECK_INT(decode_r("a=%ED%A0%80"), -EBADMSG);
        CHECK_INT(decode_r("a=\xe9t\xe9"), -EBADMSG);
        CHECK_INT(decode_r("%FF=1"), -EBADMSG);
        /* Duplicates, also after decoding ("a" and "%61" are the same key). */
        CHECK_INT(decode_r("a=1&a=1"), -EBADMSG);
        CHECK_INT(decode_r("a=1&b=2&a"), -EBADMSG);
        CHECK_INT(decode_r("a=1&%61=2"), -EBADMSG);
        /* A field without a name. */
        CHECK_INT(decode_r("=1"), -EBADMSG);
        CHECK_INT(decode_r("a=1&=2"), -EBADMSG);
}

static void test_form_limits(void) {
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        CHECK(f);
        if (!f)
                return;
        for (unsigned i = 0; i < FORM_MAX_FIELDS; i++)
                fprintf(f, "%sk%u=v", i ? "&" : "", i);
        fclose(f);
        CHECK_INT(decode_r(s), 0);
        char *more = NULL;
        CHECK(asprintf(&more, "%s&extra=1", s) > 0);
        CHECK_INT(decode_r(more), -EBADMSG);
        free(more);
        free(s);

        /* The limit counts what obj already holds (query fields, then body fields). */
        _cleanup_json_ json_t *o = json_object();
        for (unsigned i = 0; i < FORM_MAX_FIELDS - 1; i++) {
                char k[16];
                snprintf(k, sizeof(k), "q%u", i);
                json_object_set_new(o, k, json_string("x"));
        }
        CHECK_INT(form_decode("last=1", 6, o), 0);
        CHECK_INT(form_decode("one_more=1", 10, o), -EBADMSG);
}

static int json_r(const char *s, json_t *o) {
        return form_decode_json(s, strlen(s), o);
}

static void test_json(void) {
        _cleanup_json_ json_t *o = json_object();

        CHECK_INT(json_r("{\"db_name\":\"acme_ltd\",\"n\":3,\"r\":1.5,\"t\":true,\"f\":false,\"z\":null,"
                         "\"u\":\"J\\u00e9r\\u00f4me \xe2\x80\x94\"}", o), 0);
        CHECK_INT(json_object_size(o), 7);
        CHECK_STR(field(o, "db_name"), "acme_ltd");
        CHECK_INT(json_integer_value(json_object_get(o, "n")), 3);
        CHECK(json_is_real(json_object_get(o, "r")));
        CHECK(json_is_true(json_object_get(o, "t")));
        CHECK(json_is_false(json_object_get(o, "f")));
        CHECK(json_is_null(json_object_get(o, "z")));
        CHECK_STR(field(o, "u"), "J\xc3\xa9r\xc3\xb4me \xe2\x80\x94");

        /* A key already in obj (from the query string, say). */
        CHECK_INT(json_r("{\"db_name\":\"other\"}", o), -EBADMSG);
        CHECK_STR(field(o, "db_name"), "acme_ltd");
        /* A refused body adds nothing, even its good fields. */
        CHECK_INT(json_r("{\"fresh\":\"1\",\"nested\":{\"a\":1}}", o), -EBADMSG);
        CHECK(json_object_get(o, "fresh") == NULL);
        CHECK_INT(json_object_size(o), 7);

        static const char *const bad[] = {
                "{\"a\":{\"b\":1}}",
                "{\"a\":[1,2]}",
                "{\"a\":[]}",
                "[1,2]",
                "\"str\"",
                "42",
                "null",
                "",
                "{",
                "{\"a\":1,\"a\":2}",
                "{\"a\":1,\"a\":1}",
                "{\"a\":1} trailing",
                "{\"a\":1}{\"b\":2}",
                "{\"a\":\"x\\u0000y\"}",
                "{\"a\\u0000\":1}",
                "{\"a\":\"\xe9\"}",
                "{\"a\":\"\\ud800\"}",
                "{\"a\":1,}",
                "{'a':1}",
                "{\"a\":NaN}",
                "{\"a\":123456789012345678901234567890}",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_json_ json_t *e = json_object();
                int r = json_r(bad[i], e);
                if (r != -EBADMSG)
                        fprintf(stderr, "JSON case %zu: %s\n", i, bad[i]);
                CHECK_INT(r, -EBADMSG);
                CHECK_INT(json_object_size(e), 0);
        }

        _cleanup_json_ json_t *ws = json_object();
        CHECK_INT(json_r(" \n{ } \n", ws), 0);
        CHECK_INT(json_object_size(ws), 0);

        /* Too many fields in one body. */
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);
        CHECK(f);
        if (f) {
                fputc('{', f);
                for (unsigned i = 0; i <= FORM_MAX_FIELDS; i++)
                        fprintf(f, "%s\"k%u\":1", i ? "," : "", i);
                fputc('}', f);
                fclose(f);
                _cleanup_json_ json_t *m = json_object();
                CHECK_INT(json_r(s, m), -EBADMSG);
                free(s);
        }
}

static int body_r(const char *ct, const char *body, json_t **ret) {
        json_t *o = json_object();
        int r = form_decode_body(ct, body, strlen(body), o);
        *ret = o;
        return r;
}

static void test_body(void) {
        json_t *o;

        CHECK_INT(body_r("application/json", "{\"a\":\"1\"}", &o), 0);
        CHECK_STR(field(o, "a"), "1");
        json_decref(o);
        CHECK_INT(body_r("Application/JSON; charset=utf-8", "{\"a\":\"1\"}", &o), 0);
        CHECK_STR(field(o, "a"), "1");
        json_decref(o);
        CHECK_INT(body_r("application/json ;charset=UTF-8", "{\"a\":\"1\"}", &o), 0);
        CHECK_STR(field(o, "a"), "1");
        json_decref(o);
        CHECK_INT(body_r("application/x-www-form-urlencoded", "a=1&b=x+y", &o), 0);
        CHECK_STR(field(o, "b"), "x y");
        json_decref(o);
        CHECK_INT(body_r("application/x-www-form-urlencoded; charset=utf-8", "a=%C3%A9", &o), 0);
        CHECK_STR(field(o, "a"), "\xc3\xa9");
        json_decref(o);

        /* A JSON type is JSON; a form type with a JSON object body is what `curl -d '{…}'`
         * sends (the seed README's examples): taken as JSON. */
        CHECK_INT(body_r("application/json", "a=1", &o), -EBADMSG);
        json_decref(o);
        CHECK_INT(body_r("application/x-www-form-urlencoded", "{\n  \"db_name\": \"acme_ltd\"\n}", &o), 0);
        CHECK_STR(field(o, "db_name"), "acme_ltd");
        CHECK(json_object_get(o, "{\"a\":1}") == NULL);
        json_decref(o);
        CHECK_INT(body_r("application/x-www-form-urlencoded", "{\"db_name\": [1]}", &o), -EBADMSG);
        json_decref(o);

        /* No type: sniffed. */
        CHECK_INT(body_r(NULL, "  \n{\"a\":\"1\"}", &o), 0);
        CHECK_STR(field(o, "a"), "1");
        json_decref(o);
        CHECK_INT(body_r("", "a=1", &o), 0);
        CHECK_STR(field(o, "a"), "1");
        json_decref(o);
        CHECK_INT(body_r(NULL, "{broken", &o), -EBADMSG);
        json_decref(o);

        /* Empty body: nothing, whatever the type. */
        CHECK_INT(body_r("application/json", "", &o), 0);
        CHECK_INT(json_object_size(o), 0);
        json_decref(o);
        CHECK_INT(body_r("text/plain", "", &o), 0);
        json_decref(o);

        /* Other types. */
        static const char *const other[] = {
                "text/plain",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "application/json-patch+json",
                "application/x-www-form-urlencodedx",
                "application",
                "json",
        };
        for (size_t i = 0; i < ELEMENTSOF(other); i++) {
                CHECK_INT(body_r(other[i], "a=1", &o), -EMEDIUMTYPE);
                CHECK_INT(json_object_size(o), 0);
                json_decref(o);
        }
}

int main(void) {
        test_form_basic();
        test_form_refused();
        test_form_limits();
        test_json();
        test_body();
        return test_exit_status();
}
