/* SPDX-License-Identifier: MIT */
/* test-names: the db_name rules and tenant URLs. */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "names.h"
#include "result.h"
#include "tests.h"

static void test_valid(void) {
        static const char *const good[] = { "acme_ltd", "ab", "a1", "test_company", "x_y_z_1", "acme__ltd", NULL };
        static const char *const bad[] = { "", "a", "A", "Acme", "1acme", "_acme", "acme-ltd", "acme ltd",
                                           "acme;drop", "acme'", "acme\"", "acm\xc3\xa9", "../x", "a/b",
                                           "acme\n",
                                           /* host labels: no trailing '-', no IDNA "xn--" form */
                                           "acme_", "x_______", "xn__abc", "ab__c", NULL };
        char name[80];

        for (size_t i = 0; good[i]; i++)
                CHECK(db_name_is_valid(good[i]));
        for (size_t i = 0; bad[i]; i++)
                CHECK(!db_name_is_valid(bad[i]));
        CHECK(!db_name_is_valid(NULL));

        /* 63 characters is PostgreSQL's limit; 64 would be silently truncated into another name. */
        memset(name, 'a', 63);
        name[63] = '\0';
        CHECK(db_name_is_valid(name));
        name[63] = 'a';
        name[64] = '\0';
        CHECK(!db_name_is_valid(name));
}

static void test_reserved(void) {
        _cleanup_(config_freep) Config *c = test_config();

        test_set(&c->control_db, "control");
        test_set(&c->pg_maintenance_db, "maint");
        c->countries = calloc(1, sizeof(Country));
        CHECK(c->countries);
        if (!c->countries)
                return;
        c->n_countries = 1;
        test_set(&c->countries[0].code, "ke");
        test_set(&c->countries[0].template_db, "tpl_ke");

        CHECK_INT(db_name_check(c, "acme_ltd"), 0);
        CHECK_INT(db_name_check(c, "postgres"), -EPERM);
        CHECK_INT(db_name_check(c, "template0"), -EPERM);
        CHECK_INT(db_name_check(c, "template1"), -EPERM);
        CHECK_INT(db_name_check(c, "control"), -EPERM);
        CHECK_INT(db_name_check(c, "maint"), -EPERM);
        CHECK_INT(db_name_check(c, "tpl_ke"), -EPERM);
        CHECK_INT(db_name_check(c, "vumaerp"), -EPERM);
        CHECK_INT(db_name_check(c, "pg_catalog"), -EPERM);
        CHECK_INT(db_name_check(c, "pg_x"), -EPERM);
        CHECK_INT(db_name_check(c, "vumaerp_holder"), -EPERM);
        CHECK_INT(db_name_check(c, "pgadmin"), 0);
        CHECK_INT(db_name_check(c, "Bad"), -EINVAL);

        /* The one list: PostgreSQL's databases and the configured control and maintenance ones;
         * not the tenant-only rules (vumaerp, the prefixes) nor the templates. */
        CHECK_STR(db_name_reserved(c, 0), "postgres");
        CHECK_STR(db_name_reserved(c, 1), "template0");
        CHECK_STR(db_name_reserved(c, 2), "template1");
        CHECK_STR(db_name_reserved(c, 3), "control");
        CHECK_STR(db_name_reserved(c, 4), "maint");
        CHECK_STR(db_name_reserved(c, 5), "vumaerp_drill");
        CHECK(!db_name_reserved(c, 6));
        CHECK(db_name_is_reserved(c, DB_NAME_DRILL));
        CHECK_INT(db_name_check(c, DB_NAME_DRILL), -EPERM);
        CHECK(db_name_is_reserved(c, "postgres"));
        CHECK(db_name_is_reserved(c, "template1"));
        CHECK(db_name_is_reserved(c, "control"));
        CHECK(db_name_is_reserved(c, "maint"));
        CHECK(!db_name_is_reserved(c, "vumaerp"));
        CHECK(!db_name_is_reserved(c, "tpl_ke"));
        CHECK(!db_name_is_reserved(c, "pg_x"));
        CHECK(!db_name_is_reserved(c, "acme_ltd"));

        CHECK(config_find_template(c, "tpl_ke") == &c->countries[0]);
        CHECK(!config_find_template(c, "ke"));
}

static void test_url(void) {
        _cleanup_(config_freep) Config *c = test_config();
        char *u;

        /* The default. */
        u = tenant_url(c, "test_company");
        CHECK_STR(u, "https://test-company.vumacloud.com");
        free(u);

        test_set(&c->tenant_url_template, "https://erp.example.com/{db_name}/{subdomain}/{other}");
        u = tenant_url(c, "a_b_c");
        CHECK_STR(u, "https://erp.example.com/a_b_c/a-b-c/{other}");
        free(u);
}

static void test_request_db_name(void) {
        static const struct {
                const char *json;
                int status;
                const char *code;
        } cases[] = {
                { "{\"db_name\":\"acme_ltd\"}", 0, NULL },
                { "{}", 64, "missing_db_name" },
                { "{\"db_name\":null}", 64, "missing_db_name" },
                { "{\"db_name\":5}", 65, "invalid_db_name" },
                { "{\"db_name\":\"postgres\"}", 65, "invalid_db_name" },
                { "{\"db_name\":\"Robert'; DROP\"}", 65, "invalid_db_name" },
        };

        _cleanup_(config_freep) Config *c = test_config();

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_json_ json_t *req = json_loads(cases[i].json, 0, NULL), *ans = NULL;
                const char *name = NULL;

                CHECK_INT(request_db_name(c, req, &name, &ans), cases[i].status);
                if (cases[i].code)
                        CHECK_STR(json_string_value(json_object_get(ans, "code")), cases[i].code);
                else
                        CHECK_STR(name, "acme_ltd");
        }
}

int main(void) {
        test_valid();
        test_reserved();
        test_url();
        test_request_db_name();
        return test_exit_status();
}
