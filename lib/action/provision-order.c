/* SPDX-License-Identifier: MIT */
/*
 * provision-order.c: owns the order (provision-order.h) — reading a provision request's fields
 * and deciding whether each is acceptable: the email, company name and login rules, the
 * country code, the WHMCS service id, the password's size.
 */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "names.h"
#include "password.h"
#include "provision-order.h"
#include "result.h"
#include "text.h"

#define COUNTRY_CODE_MAX 16
#define WHMCS_SERVICE_ID_MAX_DIGITS 18

static bool is_ascii_alnum(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* A sane address rather than all of RFC 5322: local@domain, dot-atom local part (letters, digits,
 * the RFC's atext punctuation, UTF-8 per RFC 6531), a domain of labels with at least one dot. No
 * quoted local parts, comments, spaces or brackets: WHMCS never sends those. */
bool email_is_valid(const char *s) {
        const char *at = strchr(s, '@'), *p;
        size_t local, domain;

        if (strlen(s) > PROVISION_EMAIL_MAX || !at || strchr(at + 1, '@'))
                return false;
        local = (size_t) (at - s);
        domain = strlen(at + 1);
        if (local < 1 || local > 64 || domain < 3)
                return false;
        for (p = s; p < at; p++) {
                if (is_ascii_alnum(*p) || (unsigned char) *p >= 0x80 || strchr("!#$%&'*+/=?^_`{|}~-", *p))
                        continue;
                if (*p == '.' && p > s && p + 1 < at && p[1] != '.')
                        continue;
                return false;
        }
        if (!strchr(at + 1, '.'))
                return false;
        for (p = at + 1; *p; p++) {
                bool label_start = p == at + 1 || p[-1] == '.', label_end = !p[1] || p[1] == '.';

                if (is_ascii_alnum(*p) || (unsigned char) *p >= 0x80)
                        continue;
                if (*p == '-' && !label_start && !label_end)
                        continue;
                if (*p == '.' && !label_start && !label_end)
                        continue;
                return false;
        }
        return true;
}

int order_field_string(json_t *request, const char *key, bool required, const char **ret_value, json_t **ret) {
        int bad = 0;
        const char *v = request_string(request, key, &bad);

        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_request", "%s must be a string", key);
        if (!v && required)
                return result_fail(ret, EXIT_USAGE, "missing_field", "%s is required", key);
        *ret_value = v;
        return EXIT_OK;
}

/* A JSON integer, or (from forms and the command line) a string of 1 to max_digits decimal digits;
 * -1 for anything else. */
static long long json_whole_number(json_t *v, size_t max_digits) {
        const char *s;
        size_t n;

        if (json_is_integer(v))
                return json_integer_value(v);
        if (!json_is_string(v))
                return -1;
        s = json_string_value(v);
        n = strlen(s);
        if (n < 1 || n > max_digits || strspn(s, "0123456789") != n)
                return -1;
        return strtoll(s, NULL, 10);
}

int order_field_service_id(json_t *request, char out[24], json_t **ret) {
        json_t *v = json_object_get(request, "whmcs_service_id");
        long long id;

        out[0] = '\0';
        if (!v || json_is_null(v))
                return EXIT_OK;
        id = json_whole_number(v, WHMCS_SERVICE_ID_MAX_DIGITS);
        if (id < 1)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_whmcs_service_id",
                                   "whmcs_service_id must be a positive integer");
        (void) snprintf(out, 24, "%lld", id);
        return EXIT_OK;
}

int order_password_check(const char *pw, json_t **ret) {
        if (!pw)
                return EXIT_OK;
        if (!*pw)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_admin_password", "admin_password must not be empty");
        if (strlen(pw) > PASSWORD_MAX_LENGTH)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_admin_password",
                                   "admin_password is longer than %d bytes", PASSWORD_MAX_LENGTH);
        return EXIT_OK;
}

int order_parse(const Config *c, json_t *request, Order *o, json_t **ret) {
        const char *country = NULL;
        int status;

        *o = (Order) {};
        status = request_db_name(c, request, &o->db_name, ret);
        if (status != EXIT_OK)
                return status;

        if ((status = order_field_string(request, "country", true, &country, ret)) != EXIT_OK ||
            (status = order_field_string(request, "admin_email", true, &o->admin_email, ret)) != EXIT_OK ||
            (status = order_field_string(request, "company_name", true, &o->company_name, ret)) != EXIT_OK ||
            (status = order_field_string(request, "admin_password", false, &o->admin_password, ret)) != EXIT_OK ||
            (status = order_field_string(request, "admin_login", false, &o->admin_login, ret)) != EXIT_OK ||
            (status = order_field_service_id(request, o->whmcs_service_id, ret)) != EXIT_OK)
                return status;

        o->country = strlen(country) <= COUNTRY_CODE_MAX ? config_find_country(c, country) : NULL;
        if (!o->country)
                return result_fail(ret, EXIT_BAD_INPUT, "unknown_country",
                                   "unknown country \"%.16s\": it must be one of the codes in %s",
                                   country, strempty(c->countries_path));

        if (!email_is_valid(o->admin_email))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_admin_email",
                                   "admin_email is not a valid address (at most %d characters, local@domain)",
                                   PROVISION_EMAIL_MAX);

        if (!*o->company_name || strspn(o->company_name, " ") == strlen(o->company_name) ||
            text_utf8_length(o->company_name) > PROVISION_COMPANY_NAME_MAX || text_has_control(o->company_name))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_company_name",
                                   "company_name must be 1 to %d characters without control characters",
                                   PROVISION_COMPANY_NAME_MAX);

        if (!o->admin_login)
                o->admin_login = o->admin_email;
        else if (!*o->admin_login || text_utf8_length(o->admin_login) > PROVISION_LOGIN_MAX || text_has_control(o->admin_login) ||
                 o->admin_login[0] == ' ' || o->admin_login[strlen(o->admin_login) - 1] == ' ')
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_admin_login",
                                   "admin_login must be 1 to %d characters, without control characters or surrounding spaces",
                                   PROVISION_LOGIN_MAX);

        status = order_password_check(o->admin_password, ret);
        if (status != EXIT_OK)
                return status;
        status = order_field_plan(c, request, &o->plan, &o->extra_users, ret);
        if (o->extra_users < 0)
                o->extra_users = 0;
        return status;
}

int order_field_plan(const Config *c, json_t *request, const Plan **ret_plan, int *ret_extra, json_t **ret) {
        json_t *v = json_object_get(request, "extra_users");
        const char *code = NULL;
        long long extra;
        int status;

        *ret_extra = -1;
        status = order_field_string(request, "plan", false, &code, ret);
        if (status != EXIT_OK)
                return status;
        if (!code)
                *ret_plan = config_default_plan(c);
        else {
                *ret_plan = strlen(code) <= PLAN_CODE_MAX ? config_find_plan(c, code) : NULL;
                if (!*ret_plan && c->n_plans == 0)
                        return result_fail(ret, EXIT_BAD_INPUT, "unknown_plan",
                                           "unknown plan \"%.32s\": no plans are configured (vumaerp.yaml has no 'plans')",
                                           code);
                if (!*ret_plan)
                        return result_fail(ret, EXIT_BAD_INPUT, "unknown_plan",
                                           "unknown plan \"%.32s\": it must be one of the codes in %s",
                                           code, strempty(c->plans_path));
        }

        if (!v || json_is_null(v))
                return EXIT_OK;
        extra = json_whole_number(v, 6);
        if (extra < 0 || extra > PLAN_MAX_USERS)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_extra_users",
                                   "extra_users must be an integer from 0 to %d", PLAN_MAX_USERS);
        if (!*ret_plan)
                return result_fail(ret, EXIT_BAD_INPUT, "unknown_plan",
                                   "extra_users needs a plan, and no plans are configured (vumaerp.yaml has no 'plans')");
        *ret_extra = (int) extra;
        return EXIT_OK;
}
