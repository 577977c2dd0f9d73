/* SPDX-License-Identifier: MIT */
/* test-owner: who may act on a tenant (owner.h) — the verdict for every combination of the
 * service asked, the owner recorded, a claim and the database's existence; a request's fields
 * read (db_name, whmcs_service_id, claim) without the registry; and the refusals' codes and exit
 * statuses. */
#include "macro.h"
#include "owner.h"
#include "result.h"
#include "tests.h"

static const Config config = {
        .pg_maintenance_db = (char *) "postgres",
        .control_db = (char *) "vumaerp",
        .odoo_role = (char *) "odoo",
};

static void test_decide(void) {
        static const struct {
                const char *asked;
                bool claim;
                const char *recorded;
                bool exists;
                OwnerVerdict want;
        } cases[] = {
                /* No service named: an admin at the shell, as before, whatever the row says. */
                { NULL, false, NULL,  true,  OWNER_GO },
                { "",   false, "101", true,  OWNER_GO },
                { "",   true,  "101", false, OWNER_GO },
                /* The recorded owner. */
                { "101", false, "101", true,  OWNER_GO },
                { "101", true,  "101", true,  OWNER_GO },
                { "101", false, "101", false, OWNER_GO },     /* a terminated tenant's retry */
                /* Another service: refused, and a claim does not take an owned tenant. */
                { "202", false, "101", true,  OWNER_OTHER },
                { "202", true,  "101", true,  OWNER_OTHER },
                { "202", false, "101", false, OWNER_OTHER },
                { "10",  false, "101", true,  OWNER_OTHER },   /* compared whole, not as a prefix */
                { "1010", false, "101", true, OWNER_OTHER },
                /* No owner: refused unless claimed; nothing to claim without a database. */
                { "101", false, NULL, true,  OWNER_UNCLAIMED },
                { "101", true,  NULL, true,  OWNER_CLAIM },
                { "101", false, NULL, false, OWNER_NO_TENANT },
                { "101", true,  NULL, false, OWNER_NO_TENANT },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                OwnerVerdict v = owner_decide(cases[i].asked, cases[i].claim, cases[i].recorded, cases[i].exists);

                if (v != cases[i].want)
                        fprintf(stderr, "case %zu: asked %s claim %d recorded %s exists %d\n", i,
                                strempty(cases[i].asked), cases[i].claim, strempty(cases[i].recorded), cases[i].exists);
                CHECK_INT(v, cases[i].want);
        }
}

/* owner_request() on a request text: its status, and the answer's code ("" on success). */
static int request(const char *text, TenantOwner *o, char code[64]) {
        _cleanup_json_ json_t *req = json_loads(text, 0, NULL), *answer = NULL;
        int status;

        CHECK(req != NULL);
        *o = (TenantOwner) {};
        status = owner_request(&config, req, o, &answer);
        CHECK((status == EXIT_OK) == (answer == NULL));
        (void) snprintf(code, 64, "%s", strempty(json_string_value(json_object_get(answer, "code"))));
        return status;
}

static void test_request(void) {
        TenantOwner o;
        char code[64];

        CHECK_INT(request("{\"db_name\": \"acme_ltd\"}", &o, code), EXIT_OK);
        CHECK_STR(o.db_name, "acme_ltd");
        CHECK_STR(o.whmcs_service_id, "");
        CHECK(!o.claim);

        CHECK_INT(request("{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": 101, \"claim\": true}", &o, code), EXIT_OK);
        CHECK_STR(o.db_name, "acme_ltd");
        CHECK_STR(o.whmcs_service_id, "101");
        CHECK(o.claim);
        /* From forms and the command line: strings. */
        CHECK_INT(request("{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": \"0202\", \"claim\": \"yes\"}", &o, code), EXIT_OK);
        CHECK_STR(o.whmcs_service_id, "202");
        CHECK(o.claim);
        CHECK_INT(request("{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": null}", &o, code), EXIT_OK);
        CHECK_STR(o.whmcs_service_id, "");

        /* Refused, each with its status and code. */
        static const struct {
                const char *request;
                int status;
                const char *code;
        } refused[] = {
                /* The same parsing as provision's (order_field_service_id()). */
                { "{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": 0}", EXIT_BAD_INPUT, "invalid_whmcs_service_id" },
                { "{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": \"12a\"}", EXIT_BAD_INPUT, "invalid_whmcs_service_id" },
                { "{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": -5}", EXIT_BAD_INPUT, "invalid_whmcs_service_id" },
                /* A claim names who claims. */
                { "{\"db_name\": \"acme_ltd\", \"claim\": true}", EXIT_USAGE, "bad_request" },
                { "{\"db_name\": \"acme_ltd\", \"whmcs_service_id\": 1, \"claim\": \"maybe\"}", EXIT_BAD_INPUT, "bad_request" },
                /* Neither a name nor a service; a bad name is refused, not looked up. */
                { "{}", EXIT_USAGE, "missing_db_name" },
                { "{\"db_name\": \"Acme\", \"whmcs_service_id\": 1}", EXIT_BAD_INPUT, "invalid_db_name" },
                { "{\"db_name\": \"postgres\", \"whmcs_service_id\": 1}", EXIT_BAD_INPUT, "invalid_db_name" },
        };
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                CHECK_INT(request(refused[i].request, &o, code), refused[i].status);
                CHECK_STR(code, refused[i].code);
        }
}

static void test_refusal(void) {
        const TenantOwner o = { .db_name = "acme_ltd", .whmcs_service_id = "202" };
        _cleanup_json_ json_t *other = NULL, *unclaimed = NULL, *none = NULL;

        CHECK_INT(owner_refusal(&o, OWNER_OTHER, "101", &other), EXIT_EXISTS);
        CHECK_STR(json_string_value(json_object_get(other, "code")), "owned_by_another_service");
        CHECK(strstr(json_string_value(json_object_get(other, "error")), "service 101") != NULL);
        CHECK(strstr(json_string_value(json_object_get(other, "error")), "nothing was changed") != NULL);

        CHECK_INT(owner_refusal(&o, OWNER_UNCLAIMED, NULL, &unclaimed), EXIT_EXISTS);
        CHECK_STR(json_string_value(json_object_get(unclaimed, "code")), "unclaimed");
        CHECK(strstr(json_string_value(json_object_get(unclaimed, "error")), "\"claim\": true") != NULL);

        CHECK_INT(owner_refusal(&o, OWNER_NO_TENANT, NULL, &none), EXIT_NO_TENANT);
        CHECK_STR(json_string_value(json_object_get(none, "code")), "no_such_tenant");
}

int main(void) {
        test_decide();
        test_request();
        test_refusal();
        return test_exit_status();
}
