/* SPDX-License-Identifier: MIT */
/* result.c: the JSON shape of every action's answer, and the exit status → HTTP status map. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "result.h"

json_t *result_ok(void) {
        return json_pack("{s:b}", "success", 1);
}

_printf_(2, 0) static json_t *result_error_va(const char *code, const char *format, va_list ap) {
        _cleanup_free_ char *text = NULL;
        json_t *j;

        if (vasprintf(&text, format, ap) < 0)
                abort();
        /* The message may quote client input; jansson refuses invalid UTF-8, so fall back to a
         * text that is always valid rather than lose the error. */
        j = json_pack("{s:b,s:s,s:s}", "success", 0, "error", text, "code", code);
        if (!j)
                j = json_pack("{s:b,s:s,s:s}", "success", 0, "error", "invalid request", "code", code);
        if (!j)
                abort();
        return j;
}

json_t *result_error(const char *code, const char *format, ...) {
        va_list ap;
        json_t *j;

        va_start(ap, format);
        j = result_error_va(code, format, ap);
        va_end(ap);
        return j;
}

int result_fail(json_t **ret, int status, const char *code, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        *ret = result_error_va(code, format, ap);
        va_end(ap);
        return status;
}

int result_oom(json_t **ret) {
        return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
}

int result_from_errno(json_t **ret, int r, const char *code, const char *format, ...) {
        _cleanup_free_ char *what = NULL;
        va_list ap;
        int status;

        if (r == -ENOMEM)
                return result_oom(ret);
        switch (r) {
        case -ECONNREFUSED:
        case -ETIMEDOUT:
        case -ECONNRESET:
        case -EHOSTUNREACH:
        case -ENETUNREACH:
                status = EXIT_UNAVAILABLE;
                break;
        case -EBUSY:
        case -EAGAIN:
                status = EXIT_TEMPFAIL;
                break;
        default:
                status = EXIT_SOFTWARE;
        }
        va_start(ap, format);
        if (vasprintf(&what, format, ap) < 0)
                what = NULL;
        va_end(ap);
        if (!what)
                return result_oom(ret);
        return result_fail(ret, status, code, "%s: %s", what, strerror(-r));
}

int http_status_for_exit(int status) {
        switch (status) {
        case EXIT_OK:
                return 200;
        case EXIT_USAGE:
        case EXIT_BAD_INPUT:
                return 400;
        case EXIT_NO_TENANT:
                return 404;
        case EXIT_EXISTS:
                return 409;
        case EXIT_DENIED:
                return 403;
        case EXIT_UNAVAILABLE:
        case EXIT_TEMPFAIL:
                return 503;
        default:
                return 500;
        }
}

const char *request_string(json_t *request, const char *key, int *ret_bad) {
        json_t *v = request ? json_object_get(request, key) : NULL;

        if (!v || json_is_null(v))
                return NULL;
        if (!json_is_string(v)) {
                if (ret_bad)
                        *ret_bad = 1;
                return NULL;
        }
        return json_string_value(v);
}

bool request_bool(json_t *request, const char *key, bool def, int *ret_bad) {
        static const char *const truthy[] = { "true", "1", "yes" }, *const falsy[] = { "false", "0", "no" };
        json_t *v = request ? json_object_get(request, key) : NULL;
        const char *s;

        if (!v || json_is_null(v))
                return def;
        if (json_is_boolean(v))
                return json_is_true(v);
        s = json_string_value(v);
        for (size_t i = 0; s && i < ELEMENTSOF(truthy); i++) {
                if (strcasecmp(s, truthy[i]) == 0)
                        return true;
                if (strcasecmp(s, falsy[i]) == 0)
                        return false;
        }
        if (ret_bad)
                *ret_bad = 1;
        return def;
}

void error_set(char **ret_error, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return;
        free(*ret_error);
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        for (char *p = *ret_error; p && *p; p++)
                if (*p == '\n' || *p == '\t' || *p == '\r')
                        *p = ' ';
}
