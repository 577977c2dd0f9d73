/* SPDX-License-Identifier: MIT */
/* test-provision-order: a provision request's fields read and judged — the email rules, each
 * field's limits (bytes and characters), the country, the WHMCS service id, and which error a
 * request gets when several things are wrong. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "password.h"
#include "provision-order.h"
#include "result.h"
#include "tests.h"

static Country countries[] = {
        { .code = (char *) "ke", .name = (char *) "Kenya", .template_db = (char *) "erp_ke" },
        { .code = (char *) "ng", .name = (char *) "Nigeria", .template_db = (char *) "erp_ng" },
};
static const Config config = {
        .countries_path = (char *) "/etc/vumaerp/countries.yaml",
        .pg_maintenance_db = (char *) "postgres",
        .control_db = (char *) "vumaerp",
        .odoo_role = (char *) "odoo",
        .countries = countries,
        .n_countries = ELEMENTSOF(countries),
};

/* One parse: the request (which the Order borrows from), its status, its answer's code and error. */
typedef struct Parsed {
        json_t *request;
        Order o;
        int status;
        char code[64];
        char error[512];
} Parsed;

static void parsed_done(Parsed *p) {
        json_decref(p->request);
        *p = (Parsed) {};
}

/* Parses request (taken over); a malformed test request fails the test, not the parser. */
static void parse_json(json_t *request, Parsed *p) {
        _cleanup_json_ json_t *answer = NULL;

        *p = (Parsed) { .request = request, .status = -1 };
        CHECK(request != NULL);
        if (!request)
                return;
        p->status = order_parse(&config, request, &p->o, &answer);
        CHECK((p->status == EXIT_OK) == (answer == NULL));
        if (answer) {
                CHECK(json_is_false(json_object_get(answer, "success")));
                snprintf(p->code, sizeof p->code, "%s", strempty(json_string_value(json_object_get(answer, "code"))));
                snprintf(p->error, sizeof p->error, "%s", strempty(json_string_value(json_object_get(answer, "error"))));
        }
}

static void parse(const char *text, Parsed *p) {
        json_error_t err;
        json_t *request = json_loads(text, JSON_REJECT_DUPLICATES, &err);

        if (!request)
                fprintf(stderr, "test request does not parse: %s: %s\n", text, err.text);
        parse_json(request, p);
}

/* A valid request with key set to value (a JSON text; NULL deletes the key). */
static void parse_with(const char *key, const char *value, Parsed *p) {
        json_t *request = json_pack("{s:s,s:s,s:s,s:s}", "db_name", "acme_ltd", "country", "ke",
                                    "admin_email", "admin@acme.co.ke", "company_name", "Acme Ltd");

        if (value)
                json_object_set_new(request, key, json_loads(value, JSON_DECODE_ANY, NULL));
        else
                json_object_del(request, key);
        parse_json(request, p);
}

/* A valid request with the string field key set to value, built in C (for long values). */
static void parse_with_string(const char *key, const char *value, Parsed *p) {
        json_t *request = json_pack("{s:s,s:s,s:s,s:s}", "db_name", "acme_ltd", "country", "ke",
                                    "admin_email", "admin@acme.co.ke", "company_name", "Acme Ltd");

        json_object_set_new(request, key, json_string(value));
        CHECK(json_is_string(json_object_get(request, key)));
        parse_json(request, p);
}

static char *repeat(const char *unit, size_t times) {
        size_t n = strlen(unit);
        char *s = malloc(n * times + 1);

        if (!s)
                abort();
        for (size_t i = 0; i < times; i++)
                memcpy(s + i * n, unit, n);
        s[n * times] = '\0';
        return s;
}

static void test_email(void) {
        static const char *const good[] = {
                "a@b.co", "admin@acme.co.ke", "first.last+tag@sub.example.com", "o'brien@example.ie",
                "x!#$%&*+/=?^_`{|}~-y@example.com", "a-b@my-host.example", "1@2.34",
                "jos\xc3\xa9@ex\xc3\xa4mple.com",                       /* RFC 6531: UTF-8 */
                "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a",
                NULL
        };
        static const char *const bad[] = {
                "", "@", "a", "a@", "@b.co", "ab.co", "a@b", "a@bc", "a@b.", "a@.b", "a@@b.co", "a@b@c.co",
                ".a@b.co", "a.@b.co", "a..b@b.co", "a b@b.co", " a@b.co", "a@b.co ", "a@b .co",
                "a@-b.co", "a@b-.co", "a@b.-co", "a@b..co", "a@.b.co", "a@b.co.", "a@b_c.co",
                "\"a\"@b.co", "a@[192.0.2.1]", "a(comment)@b.co", "a\n@b.co", "a@b.co\n", "a@b\tc.co",
                "a,b@c.co", "a;b@c.co", "a<b>@c.co", "a\\b@c.co", "a@b.co/x",
                NULL
        };
        _cleanup_free_ char *local64 = repeat("a", 64), *local65 = repeat("a", 65), *domain = repeat("b", 185);
        char s[400];

        for (size_t i = 0; good[i]; i++)
                if (!email_is_valid(good[i])) {
                        fprintf(stderr, "refused: \"%s\"\n", good[i]);
                        CHECK(false);
                }
        for (size_t i = 0; bad[i]; i++)
                if (email_is_valid(bad[i])) {
                        fprintf(stderr, "accepted: \"%s\"\n", bad[i]);
                        CHECK(false);
                }

        /* The local part: 64 bytes at most (RFC 5321), in bytes even when UTF-8. */
        snprintf(s, sizeof s, "%s@b.co", local64);
        CHECK(email_is_valid(s));
        snprintf(s, sizeof s, "%s@b.co", local65);
        CHECK(!email_is_valid(s));
        snprintf(s, sizeof s, "%.62s\xc3\xa9@b.co", local64);   /* 64 bytes, 63 characters */
        CHECK(email_is_valid(s));
        snprintf(s, sizeof s, "%.63s\xc3\xa9@b.co", local64);   /* 65 bytes, 64 characters */
        CHECK(!email_is_valid(s));

        /* The whole: PROVISION_EMAIL_MAX (254) bytes at most: 64 + 1 + 185 + ".com". */
        snprintf(s, sizeof s, "%s@%s.com", local64, domain);
        CHECK_INT(strlen(s), PROVISION_EMAIL_MAX);
        CHECK(email_is_valid(s));
        snprintf(s, sizeof s, "%s@%s.coms", local64, domain);
        CHECK_INT(strlen(s), PROVISION_EMAIL_MAX + 1);
        CHECK(!email_is_valid(s));
}

static void test_valid_order(void) {
        Parsed p;

        parse("{\"db_name\":\"acme_ltd\",\"country\":\"ke\",\"admin_email\":\"admin@acme.co.ke\","
              "\"company_name\":\"Acme Ltd\"}", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.db_name, "acme_ltd");
        CHECK(p.o.country == &countries[0]);
        CHECK_STR(p.o.admin_email, "admin@acme.co.ke");
        CHECK_STR(p.o.admin_login, "admin@acme.co.ke");   /* the login defaults to the address */
        CHECK_STR(p.o.company_name, "Acme Ltd");
        CHECK(p.o.admin_password == NULL);                 /* generated later */
        CHECK_STR(p.o.whmcs_service_id, "");
        /* Borrowed, not copied: the request's own strings. */
        CHECK(p.o.db_name == json_string_value(json_object_get(p.request, "db_name")));
        parsed_done(&p);

        parse("{\"db_name\":\"beta_co\",\"country\":\"NG\",\"admin_email\":\"b@beta.ng\",\"company_name\":\"Beta\","
              "\"admin_login\":\"boss\",\"admin_password\":\"s3cret pass\",\"whmcs_service_id\":4242}", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK(p.o.country == &countries[1]);                /* codes match case-insensitively */
        CHECK_STR(p.o.admin_login, "boss");
        CHECK_STR(p.o.admin_password, "s3cret pass");
        CHECK_STR(p.o.whmcs_service_id, "4242");
        parsed_done(&p);

        /* JSON null is the same as absent. */
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"ke\",\"admin_email\":\"a@b.co\",\"company_name\":\"A\","
              "\"admin_login\":null,\"admin_password\":null,\"whmcs_service_id\":null}", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.admin_login, "a@b.co");
        CHECK(p.o.admin_password == NULL);
        CHECK_STR(p.o.whmcs_service_id, "");
        parsed_done(&p);
}

static void expect_error(const char *key, const char *value, int status, const char *code, const char *in_error) {
        Parsed p;

        parse_with(key, value, &p);
        if (p.status != status || !streq(p.code, code))
                fprintf(stderr, "%s = %s\n", key, value ? value : "(absent)");
        CHECK_INT(p.status, status);
        CHECK_STR(p.code, code);
        if (in_error && !strstr(p.error, in_error)) {
                fprintf(stderr, "%s = %s: error \"%s\" lacks \"%s\"\n", key, value ? value : "(absent)", p.error, in_error);
                CHECK(false);
        }
        parsed_done(&p);
}

static void test_missing_and_mistyped(void) {
        expect_error("db_name", NULL, EXIT_USAGE, "missing_db_name", "db_name");
        expect_error("country", NULL, EXIT_USAGE, "missing_field", "country is required");
        expect_error("admin_email", NULL, EXIT_USAGE, "missing_field", "admin_email is required");
        expect_error("company_name", NULL, EXIT_USAGE, "missing_field", "company_name is required");
        expect_error("db_name", "null", EXIT_USAGE, "missing_db_name", NULL);
        expect_error("country", "null", EXIT_USAGE, "missing_field", "country");

        expect_error("db_name", "42", EXIT_BAD_INPUT, "invalid_db_name", "must be a string");
        expect_error("country", "254", EXIT_BAD_INPUT, "invalid_request", "country must be a string");
        expect_error("admin_email", "[\"a@b.co\"]", EXIT_BAD_INPUT, "invalid_request", "admin_email");
        expect_error("company_name", "{}", EXIT_BAD_INPUT, "invalid_request", "company_name");
        expect_error("admin_password", "true", EXIT_BAD_INPUT, "invalid_request", "admin_password");
        expect_error("admin_login", "7", EXIT_BAD_INPUT, "invalid_request", "admin_login");
}

static void test_db_name(void) {
        expect_error("db_name", "\"Acme\"", EXIT_BAD_INPUT, "invalid_db_name", "2 to 63 characters");
        expect_error("db_name", "\"\"", EXIT_BAD_INPUT, "invalid_db_name", NULL);
        expect_error("db_name", "\"acme; DROP DATABASE x\"", EXIT_BAD_INPUT, "invalid_db_name", NULL);
        expect_error("db_name", "\"acm\xc3\xa9\"", EXIT_BAD_INPUT, "invalid_db_name", NULL);
        /* Reserved: PostgreSQL's, the control database, a country's template. */
        expect_error("db_name", "\"postgres\"", EXIT_BAD_INPUT, "invalid_db_name", "reserved");
        expect_error("db_name", "\"vumaerp\"", EXIT_BAD_INPUT, "invalid_db_name", "reserved");
        expect_error("db_name", "\"erp_ke\"", EXIT_BAD_INPUT, "invalid_db_name", "reserved");
}

static void test_country(void) {
        expect_error("country", "\"zz\"", EXIT_BAD_INPUT, "unknown_country", "/etc/vumaerp/countries.yaml");
        expect_error("country", "\"\"", EXIT_BAD_INPUT, "unknown_country", NULL);
        expect_error("country", "\"kenya\"", EXIT_BAD_INPUT, "unknown_country", "\"kenya\"");
        expect_error("country", "\"k\xc3\xa9\"", EXIT_BAD_INPUT, "unknown_country", NULL);
        expect_error("country", "\"ke \"", EXIT_BAD_INPUT, "unknown_country", NULL);
        /* A template's name is not a country code. */
        expect_error("country", "\"erp_ke\"", EXIT_BAD_INPUT, "unknown_country", NULL);
        /* Longer than any code (16): refused without a look, and quoted only in part. */
        expect_error("country", "\"kekekekekekekekeXXXX\"", EXIT_BAD_INPUT, "unknown_country", "\"kekekekekekekeke\"");
        {
                Parsed p;

                parse_with("country", "\"kekekekekekekekeXXXX\"", &p);
                CHECK(strstr(p.error, "XXXX") == NULL);
                parsed_done(&p);
        }
}

static void test_email_field(void) {
        expect_error("admin_email", "\"\"", EXIT_BAD_INPUT, "invalid_admin_email", "254");
        expect_error("admin_email", "\"not an address\"", EXIT_BAD_INPUT, "invalid_admin_email", NULL);
        expect_error("admin_email", "\"a@b.co\\nBcc: x@y.co\"", EXIT_BAD_INPUT, "invalid_admin_email", NULL);
        expect_error("admin_email", "\"Admin <a@b.co>\"", EXIT_BAD_INPUT, "invalid_admin_email", NULL);
        {
                Parsed p;

                parse_with("admin_email", "\"J\xc3\xb6rg@b\xc3\xbc" "ro.de\"", &p);
                CHECK_INT(p.status, EXIT_OK);
                CHECK_STR(p.o.admin_login, "J\xc3\xb6rg@b\xc3\xbc" "ro.de");
                parsed_done(&p);
        }
}

static void test_company_name(void) {
        _cleanup_free_ char *ascii256 = repeat("x", PROVISION_COMPANY_NAME_MAX),
                            *ascii257 = repeat("x", PROVISION_COMPANY_NAME_MAX + 1),
                            *utf8_256 = repeat("\xc3\xa9", PROVISION_COMPANY_NAME_MAX),        /* 512 bytes */
                            *utf8_257 = repeat("\xc3\xa9", PROVISION_COMPANY_NAME_MAX + 1),
                            *cjk_256 = repeat("\xe5\x85\xac", PROVISION_COMPANY_NAME_MAX);     /* 768 bytes */
        Parsed p;

        expect_error("company_name", "\"\"", EXIT_BAD_INPUT, "invalid_company_name", "1 to 256 characters");
        expect_error("company_name", "\"   \"", EXIT_BAD_INPUT, "invalid_company_name", NULL);
        expect_error("company_name", "\"Acme\\nLtd\"", EXIT_BAD_INPUT, "invalid_company_name", NULL);
        expect_error("company_name", "\"Acme\\tLtd\"", EXIT_BAD_INPUT, "invalid_company_name", NULL);
        expect_error("company_name", "\"Acme\\u007fLtd\"", EXIT_BAD_INPUT, "invalid_company_name", NULL);
        expect_error("company_name", "\"Acme\\u001bLtd\"", EXIT_BAD_INPUT, "invalid_company_name", NULL);

        /* 256 characters, counted as characters, not bytes. */
        parse_with_string("company_name", ascii256, &p);
        CHECK_INT(p.status, EXIT_OK);
        parsed_done(&p);
        parse_with_string("company_name", ascii257, &p);
        CHECK_STR(p.code, "invalid_company_name");
        parsed_done(&p);
        parse_with_string("company_name", utf8_256, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(strlen(p.o.company_name), 2 * PROVISION_COMPANY_NAME_MAX);
        parsed_done(&p);
        parse_with_string("company_name", utf8_257, &p);
        CHECK_STR(p.code, "invalid_company_name");
        parsed_done(&p);
        parse_with_string("company_name", cjk_256, &p);
        CHECK_INT(p.status, EXIT_OK);
        parsed_done(&p);

        /* Spaces around a real name are the customer's business; an emoji is a character. */
        parse_with("company_name", "\" Soci\\u00e9t\\u00e9 G\\u00e9n\\u00e9rale \\ud83d\\ude80\"", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.company_name, " Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale \xf0\x9f\x9a\x80");
        parsed_done(&p);
}

static void test_admin_login(void) {
        _cleanup_free_ char *login254 = repeat("\xd0\x96", PROVISION_LOGIN_MAX),     /* 254 characters */
                            *login255 = repeat("l", PROVISION_LOGIN_MAX + 1);
        Parsed p;

        expect_error("admin_login", "\"\"", EXIT_BAD_INPUT, "invalid_admin_login", "1 to 254 characters");
        expect_error("admin_login", "\" admin\"", EXIT_BAD_INPUT, "invalid_admin_login", NULL);
        expect_error("admin_login", "\"admin \"", EXIT_BAD_INPUT, "invalid_admin_login", NULL);
        expect_error("admin_login", "\" \"", EXIT_BAD_INPUT, "invalid_admin_login", NULL);
        expect_error("admin_login", "\"ad\\nmin\"", EXIT_BAD_INPUT, "invalid_admin_login", NULL);

        parse_with_string("admin_login", login254, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.admin_login, login254);
        CHECK_STR(p.o.admin_email, "admin@acme.co.ke");
        parsed_done(&p);
        parse_with_string("admin_login", login255, &p);
        CHECK_STR(p.code, "invalid_admin_login");
        parsed_done(&p);
        /* Inner spaces are a login's own. */
        parse_with("admin_login", "\"the admin\"", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.admin_login, "the admin");
        parsed_done(&p);
}

static void test_admin_password(void) {
        _cleanup_free_ char *max = repeat("p", PASSWORD_MAX_LENGTH), *over = repeat("p", PASSWORD_MAX_LENGTH + 1),
                            *utf8_over = repeat("\xc3\xa9", PASSWORD_MAX_LENGTH / 2 + 1);
        _cleanup_json_ json_t *answer = NULL;
        Parsed p;

        expect_error("admin_password", "\"\"", EXIT_BAD_INPUT, "invalid_admin_password", "must not be empty");
        parse_with_string("admin_password", max, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(strlen(p.o.admin_password), PASSWORD_MAX_LENGTH);
        parsed_done(&p);
        parse_with_string("admin_password", over, &p);
        CHECK_INT(p.status, EXIT_BAD_INPUT);
        CHECK_STR(p.code, "invalid_admin_password");
        CHECK(strstr(p.error, "4096 bytes") != NULL);
        CHECK(strstr(p.error, "pppp") == NULL);          /* never echoed */
        parsed_done(&p);
        /* Bytes, not characters: 2,049 two-byte characters are too many. */
        parse_with_string("admin_password", utf8_over, &p);
        CHECK_STR(p.code, "invalid_admin_password");
        parsed_done(&p);
        /* Spaces and anything printable are the customer's choice. */
        parse_with("admin_password", "\" p\\u00e4ss w\\u00f6rd \"", &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.o.admin_password, " p\xc3\xa4ss w\xc3\xb6rd ");
        parsed_done(&p);

        /* Directly, as vumaerp-password uses it. */
        CHECK_INT(order_password_check(NULL, &answer), EXIT_OK);
        CHECK(answer == NULL);
        CHECK_INT(order_password_check("x", &answer), EXIT_OK);
        CHECK(answer == NULL);
        CHECK_INT(order_password_check("", &answer), EXIT_BAD_INPUT);
        CHECK_STR(json_string_value(json_object_get(answer, "code")), "invalid_admin_password");
}

static void expect_service_id(const char *value, const char *want) {
        Parsed p;

        parse_with("whmcs_service_id", value, &p);
        if (want) {
                CHECK_INT(p.status, EXIT_OK);
                CHECK_STR(p.o.whmcs_service_id, want);
        } else {
                CHECK_INT(p.status, EXIT_BAD_INPUT);
                CHECK_STR(p.code, "invalid_whmcs_service_id");
        }
        if ((p.status == EXIT_OK) != (want != NULL))
                fprintf(stderr, "whmcs_service_id %s\n", value);
        parsed_done(&p);
}

static void test_service_id(void) {
        expect_service_id("1", "1");
        expect_service_id("4242", "4242");
        expect_service_id("\"4242\"", "4242");
        expect_service_id("\"007\"", "7");
        expect_service_id("9223372036854775807", "9223372036854775807");
        expect_service_id("\"999999999999999999\"", "999999999999999999");   /* 18 digits */
        expect_service_id(NULL, "");
        expect_service_id("null", "");

        expect_service_id("0", NULL);
        expect_service_id("-1", NULL);
        expect_service_id("\"0\"", NULL);
        expect_service_id("\"000\"", NULL);
        expect_service_id("\"\"", NULL);
        expect_service_id("\"-5\"", NULL);
        expect_service_id("\"+5\"", NULL);
        expect_service_id("\" 5\"", NULL);
        expect_service_id("\"5 \"", NULL);
        expect_service_id("\"12a\"", NULL);
        expect_service_id("\"0x1f\"", NULL);
        expect_service_id("\"1000000000000000000\"", NULL);                  /* 19 digits */
        expect_service_id("\"\\u0665\"", NULL);                              /* an Arabic-Indic 5 */
        expect_service_id("4.2", NULL);
        expect_service_id("1.0", NULL);
        expect_service_id("true", NULL);
        expect_service_id("[1]", NULL);
}

/* Several things wrong: the answer is about the first in the documented order. */
static void test_order_of_checks(void) {
        Parsed p;

        parse("{\"db_name\":\"Bad\",\"admin_email\":\"bad\"}", &p);
        CHECK_STR(p.code, "invalid_db_name");
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"admin_email\":\"bad\",\"company_name\":\"\"}", &p);
        CHECK_STR(p.code, "missing_field");
        CHECK(strstr(p.error, "country") != NULL);
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"zz\",\"admin_email\":\"a@b.co\",\"company_name\":\"A\","
              "\"whmcs_service_id\":\"x\"}", &p);
        CHECK_STR(p.code, "invalid_whmcs_service_id");         /* the fields' types first */
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"zz\",\"admin_email\":\"bad\",\"company_name\":\"\"}", &p);
        CHECK_STR(p.code, "unknown_country");
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"ke\",\"admin_email\":\"bad\",\"company_name\":\"\"}", &p);
        CHECK_STR(p.code, "invalid_admin_email");
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"ke\",\"admin_email\":\"a@b.co\",\"company_name\":\"\","
              "\"admin_login\":\"\",\"admin_password\":\"\"}", &p);
        CHECK_STR(p.code, "invalid_company_name");
        parsed_done(&p);
        parse("{\"db_name\":\"acme_ltd\",\"country\":\"ke\",\"admin_email\":\"a@b.co\",\"company_name\":\"A\","
              "\"admin_login\":\"\",\"admin_password\":\"\"}", &p);
        CHECK_STR(p.code, "invalid_admin_login");
        parsed_done(&p);
}

static void test_field_string(void) {
        _cleanup_json_ json_t *r = json_pack("{s:s,s:i,s:n}", "s", "value", "i", 5, "n"), *answer = NULL;
        const char *v = "untouched";

        CHECK_INT(order_field_string(r, "s", true, &v, &answer), EXIT_OK);
        CHECK_STR(v, "value");
        CHECK_INT(order_field_string(r, "absent", false, &v, &answer), EXIT_OK);
        CHECK(v == NULL);
        CHECK_INT(order_field_string(r, "n", false, &v, &answer), EXIT_OK);
        CHECK(v == NULL);
        CHECK(answer == NULL);
        CHECK_INT(order_field_string(r, "absent", true, &v, &answer), EXIT_USAGE);
        CHECK_STR(json_string_value(json_object_get(answer, "code")), "missing_field");
        CHECK_STR(json_string_value(json_object_get(answer, "error")), "absent is required");
        json_decref(TAKE_PTR(answer));
        CHECK_INT(order_field_string(r, "i", false, &v, &answer), EXIT_BAD_INPUT);
        CHECK_STR(json_string_value(json_object_get(answer, "code")), "invalid_request");
        CHECK_STR(json_string_value(json_object_get(answer, "error")), "i must be a string");
}

static void test_plan(void) {
        static char *starter_apps[] = { (char *) "account", NULL };
        static Plan plans[] = {
                { .code = (char *) "starter", .name = (char *) "Starter", .max_users = 3, .apps = starter_apps,
                  .storage_mb = 2048, .is_default = true },
                { .code = (char *) "business", .name = (char *) "Business", .max_users = 10, .apps = starter_apps,
                  .storage_mb = 10240 },
        };
        Config with = config;
        _cleanup_json_ json_t *answer = NULL;
        const Plan *pl = NULL;
        int extra = 7;
        Parsed p;

        /* Without plans configured: none, and asking for one is an error that says why. */
        parse_with("plan", NULL, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK(!p.o.plan);
        CHECK_INT(p.o.extra_users, 0);
        parsed_done(&p);
        parse_with("plan", "\"starter\"", &p);
        CHECK_INT(p.status, EXIT_BAD_INPUT);
        CHECK_STR(p.code, "unknown_plan");
        CHECK_STR(p.error, "unknown plan \"starter\": no plans are configured (vumaerp.yaml has no 'plans')");
        parsed_done(&p);
        parse_with("extra_users", "2", &p);
        CHECK_INT(p.status, EXIT_BAD_INPUT);
        CHECK_STR(p.code, "unknown_plan");
        parsed_done(&p);

        with.plans = plans;
        with.n_plans = ELEMENTSOF(plans);
        with.plans_path = (char *) "/etc/vumaerp/plans.yaml";
        {
                _cleanup_json_ json_t *r = json_pack("{s:s}", "plan", "business");
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_OK);
                CHECK(pl == &plans[1]);
                CHECK_INT(extra, -1);   /* absent: the caller's default */
        }
        {
                _cleanup_json_ json_t *r = json_pack("{s:n,s:i}", "plan", "extra_users", 4);
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_OK);
                CHECK(pl == &plans[0]);   /* the default */
                CHECK_INT(extra, 4);
        }
        {
                _cleanup_json_ json_t *r = json_pack("{s:s,s:s}", "plan", "starter", "extra_users", "100000");
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_OK);
                CHECK_INT(extra, 100000);
        }
        static const char *const bad_extra[] = { "-1", "100001", "\"\"", "\"1.5\"", "\"-2\"", "\"1000000\"", "1.5", "true",
                                                 "[]", NULL };
        for (size_t i = 0; bad_extra[i]; i++) {
                _cleanup_json_ json_t *r = json_pack("{s:s}", "plan", "starter");
                json_object_set_new(r, "extra_users", json_loads(bad_extra[i], JSON_DECODE_ANY, NULL));
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_BAD_INPUT);
                CHECK_STR(json_string_value(json_object_get(answer, "code")), "invalid_extra_users");
                CHECK_STR(json_string_value(json_object_get(answer, "error")), "extra_users must be an integer from 0 to 100000");
                json_decref(TAKE_PTR(answer));
        }
        static const char *const bad_plan[] = { "Starter", "", "starter ", "growth", NULL };
        for (size_t i = 0; bad_plan[i]; i++) {
                _cleanup_json_ json_t *r = json_pack("{s:s}", "plan", bad_plan[i]);
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_BAD_INPUT);
                CHECK_STR(json_string_value(json_object_get(answer, "code")), "unknown_plan");
                json_decref(TAKE_PTR(answer));
        }
        {
                _cleanup_json_ json_t *r = json_pack("{s:s}", "plan", "growth");
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_BAD_INPUT);
                CHECK_STR(json_string_value(json_object_get(answer, "error")),
                          "unknown plan \"growth\": it must be one of the codes in /etc/vumaerp/plans.yaml");
                json_decref(TAKE_PTR(answer));
        }
        {
                _cleanup_json_ json_t *r = json_pack("{s:i}", "plan", 3);
                CHECK_INT(order_field_plan(&with, r, &pl, &extra, &answer), EXIT_BAD_INPUT);
                CHECK_STR(json_string_value(json_object_get(answer, "code")), "invalid_request");
                json_decref(TAKE_PTR(answer));
        }
}

int main(void) {
        test_email();
        test_valid_order();
        test_missing_and_mistyped();
        test_db_name();
        test_country();
        test_email_field();
        test_company_name();
        test_admin_login();
        test_admin_password();
        test_service_id();
        test_order_of_checks();
        test_field_string();
        test_plan();
        return test_exit_status();
}
