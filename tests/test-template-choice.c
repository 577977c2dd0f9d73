/* SPDX-License-Identifier: MIT */
/* test-template-choice: a (country, plan)'s app set and its template's name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "names.h"
#include "template-choice.h"
#include "tests.h"

static char **strv(const char *const *l) {
        size_t n = 0;
        char **v;

        while (l[n])
                n++;
        v = calloc(n + 1, sizeof(char *));
        if (!v)
                exit(EXIT_FAILURE);
        for (size_t i = 0; i < n; i++)
                if (!(v[i] = strdup(l[i])))
                        exit(EXIT_FAILURE);
        return v;
}

static Config *config(void) {
        Config *c = test_config();

        c->countries = calloc(1, sizeof(Country));
        c->plans = calloc(4, sizeof(Plan));
        if (!c->countries || !c->plans)
                exit(EXIT_FAILURE);
        c->n_countries = 1;
        test_set(&c->countries[0].code, "ke");
        test_set(&c->countries[0].name, "Kenya");
        test_set(&c->countries[0].template_db, "erp_ke");
        c->countries[0].modules = strv((const char *const[]) { "account", "l10n_ke", "contacts", NULL });
        c->n_plans = 4;
        test_set(&c->plans[0].code, "starter");
        c->plans[0].apps = strv((const char *const[]) { "account", "contacts", NULL });
        test_set(&c->plans[1].code, "growth");
        c->plans[1].apps = strv((const char *const[]) { "stock", "account", "crm", "project", "crm", NULL });
        test_set(&c->plans[2].code, "same");
        c->plans[2].apps = strv((const char *const[]) { "project", "crm", "stock", NULL });
        test_set(&c->plans[3].code, "none");
        c->plans[3].apps = strv((const char *const[]) { NULL });
        return c;
}

static void test_choice(void) {
        _cleanup_(config_freep) Config *c = config();
        _cleanup_(template_choice_done) TemplateChoice none = {}, starter = {}, growth = {}, same = {}, empty = {};
        _cleanup_free_ char *text = NULL;

        /* No plan, or one of what the country has already: the country's template. */
        CHECK_INT(template_choice(&c->countries[0], NULL, &none), 0);
        CHECK_STR(none.db, "erp_ke");
        CHECK(none.apps && !none.apps[0]);
        CHECK(!template_choice_has_apps(&none));
        CHECK_STR(none.modules[2], "contacts");
        CHECK(!none.modules[3]);
        CHECK_INT(template_choice(&c->countries[0], &c->plans[0], &starter), 0);
        CHECK_STR(starter.db, "erp_ke");
        CHECK(!template_choice_has_apps(&starter));
        CHECK_INT(template_choice(&c->countries[0], &c->plans[3], &empty), 0);
        CHECK_STR(empty.db, "erp_ke");

        /* The apps beyond the country's, sorted, once; the name from their hash:
         * sha256("crm,project,stock") begins 8e57417c. */
        CHECK_INT(template_choice(&c->countries[0], &c->plans[1], &growth), 0);
        CHECK(template_choice_has_apps(&growth));
        CHECK_STR(growth.apps[0], "crm");
        CHECK_STR(growth.apps[1], "project");
        CHECK_STR(growth.apps[2], "stock");
        CHECK(!growth.apps[3]);
        CHECK_STR(growth.modules[0], "account");
        CHECK_STR(growth.modules[3], "crm");
        CHECK_STR(growth.modules[5], "stock");
        CHECK(!growth.modules[6]);
        CHECK_STR(growth.db, "erp_ke_8e57417c");
        CHECK(db_name_is_valid(growth.db));
        text = template_choice_apps_text(&growth);
        CHECK_STR(text, "crm, project, stock");

        /* Another plan with the same set shares the template. */
        CHECK_INT(template_choice(&c->countries[0], &c->plans[2], &same), 0);
        CHECK_STR(same.db, growth.db);

        /* Every template's name is never a tenant's. */
        CHECK(template_choice_is_template(c, "erp_ke"));
        CHECK(template_choice_is_template(c, growth.db));
        CHECK_INT(db_name_check(c, growth.db), -EPERM);
        CHECK(!template_choice_is_template(c, "erp_ke_00000000"));
        CHECK_INT(db_name_check(c, "erp_ke_00000000"), 0);
        CHECK(!template_choice_is_template(c, "acme"));
}

static void test_too_long(void) {
        _cleanup_(config_freep) Config *c = config();
        _cleanup_(template_choice_done) TemplateChoice t = {}, base = {};
        char name[64];

        memset(name, 'a', 60);
        name[60] = '\0';
        test_set(&c->countries[0].template_db, name);
        CHECK_INT(template_choice(&c->countries[0], &c->plans[1], &t), -ENAMETOOLONG);
        CHECK(!t.db && !t.apps);
        CHECK_INT(template_choice(&c->countries[0], &c->plans[0], &base), 0);
        CHECK_STR(base.db, name);
}

int main(void) {
        test_choice();
        test_too_long();
        return test_exit_status();
}
