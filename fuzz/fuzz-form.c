/* SPDX-License-Identifier: MIT */
/*
 * fuzz-form.c: libFuzzer target for the field decoders. The first byte chooses the Content-Type
 * for form_decode_body(); the rest goes through form_decode(), form_decode_json() and
 * form_decode_body(). Whatever comes out must be flat, valid UTF-8 and NUL-free.
 */
#include <stdint.h>
#include <stdlib.h>

#include "form.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(json_t *o, int r) {
        const char *key;
        json_t *v;

        if (r > 0)
                abort();
        if (json_object_size(o) > FORM_MAX_FIELDS)
                abort();
        json_object_foreach(o, key, v) {
                if (json_is_object(v) || json_is_array(v))
                        abort();
                if (json_is_string(v) && memchr(json_string_value(v), '\0', json_string_length(v)))
                        abort();
        }
        /* Re-encoding succeeds only for valid UTF-8: jansson checks on the way in, so this would
         * catch anything that slipped past. */
        char *s = json_dumps(o, 0);
        if (!s)
                abort();
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const types[] = {
                NULL,
                "",
                "application/json",
                "application/json; charset=utf-8",
                "APPLICATION/X-WWW-FORM-URLENCODED",
                "application/x-www-form-urlencoded; charset=UTF-8",
                "text/plain",
                "multipart/form-data; boundary=x",
        };
        const char *type, *s;
        size_t n;
        json_t *o;
        int r;

        if (size == 0)
                return 0;
        type = types[data[0] % ELEMENTSOF(types)];
        s = (const char *) data + 1;
        n = size - 1;

        o = json_object();
        if (!o)
                abort();
        r = form_decode(s, n, o);
        check_fields(o, r);
        /* A second pass over the same object: every field is now a duplicate. */
        if (r == 0 && json_object_size(o) > 0 && form_decode(s, n, o) != -EBADMSG)
                abort();
        json_decref(o);

        o = json_object();
        if (!o)
                abort();
        r = form_decode_json(s, n, o);
        check_fields(o, r);
        if (r < 0 && json_object_size(o) != 0)
                abort(); /* a refused JSON body adds nothing */
        json_decref(o);

        o = json_object();
        if (!o)
                abort();
        r = form_decode_body(type, s, n, o);
        check_fields(o, r);
        if (n == 0 && (r != 0 || json_object_size(o) != 0))
                abort();
        json_decref(o);
        return 0;
}
