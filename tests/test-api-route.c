/* SPDX-License-Identifier: MIT */
/* test-api-route: vumaerp-api's routing — every documented endpoint (vumaerp-api(8), the WHMCS
 * module's calls) to its action with its methods, 404 for any other path however close, 405 with
 * the right Allow header for a wrong method, and a request target's query string never taking
 * part (the path is routed as the HTTP parser splits it off). */
#include <errno.h>
#include <string.h>

#include "api-route.h"
#include "http.h"
#include "macro.h"
#include "tests.h"

typedef struct Endpoint {
        const char *path;
        bool get, post;
        const char *action;            /* NULL: vumaerp-api answers itself */
        const char *admin_only_field;
        const char *allow;
        unsigned flags;                /* API_ROUTE_*: only single sign-on's own-token endpoints */
} Endpoint;

static const Endpoint documented[] = {
        { "/health",           true,  false, NULL,        NULL,    "Allow: GET\r\n", 0 },
        { "/api/v1/list",      true,  true,  "list",      NULL,    "Allow: GET, POST\r\n", 0 },
        { "/api/v1/status",    true,  true,  "status",    NULL,    "Allow: GET, POST\r\n", 0 },
        { "/api/v1/provision", false, true,  "provision", NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/suspend",   false, true,  "suspend",   NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/unsuspend", false, true,  "unsuspend", NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/terminate", false, true,  "terminate", NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/backup",    false, true,  "backup",    "prune", "Allow: POST\r\n", 0 },
        { "/api/v1/password",  false, true,  "password",  NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/sso",       false, true,  "sso",       NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/plan",      false, true,  "plan",      NULL,    "Allow: POST\r\n", 0 },
        { "/api/v1/plans",     true,  true,  "plans",     NULL,    "Allow: GET, POST\r\n", 0 },
        { "/api/v1/sso/enter", true,  false, "sso-enter", NULL,    "Allow: GET\r\n",
          API_ROUTE_OWN_TOKEN | API_ROUTE_HOST | API_ROUTE_REDIRECT },
        { "/api/v1/sso/validate", true, false, "sso-validate", NULL, "Allow: GET\r\n",
          API_ROUTE_OWN_TOKEN | API_ROUTE_BEARER },
};

static void test_documented(void) {
        static const char *const other_methods[] = { "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE",
                                                     "CONNECT", "get", "post", "Get", "", "GET ", NULL };

        for (size_t i = 0; i < ELEMENTSOF(documented); i++) {
                const Endpoint *e = &documented[i];
                const ApiRoute *route = NULL;
                int r;

                r = api_route_find(e->path, "GET", &route);
                CHECK_INT(r, e->get ? 0 : -EOPNOTSUPP);
                CHECK(route != NULL);
                if (!route)
                        continue;
                CHECK_STR(route->path, e->path);
                if (e->action)
                        CHECK_STR(route->action, e->action);
                else
                        CHECK(route->action == NULL);
                if (e->admin_only_field)
                        CHECK_STR(route->admin_only_fields[0], e->admin_only_field);
                else
                        CHECK(route->admin_only_fields[0] == NULL);
                /* Backing up every tenant is refused too: hours of work, the nightly timer's. */
                if (streq(e->path, "/api/v1/backup"))
                        CHECK_STR(route->admin_only_fields[1], "all");
                else
                        CHECK(route->admin_only_fields[1] == NULL);
                CHECK_STR(api_route_allow(route), e->allow);
                /* Without X-API-Token only where the request brings its own one-time token. */
                CHECK_INT(route->flags, e->flags);

                route = NULL;
                r = api_route_find(e->path, "POST", &route);
                CHECK_INT(r, e->post ? 0 : -EOPNOTSUPP);
                CHECK(route && streq(route->path, e->path));

                for (size_t k = 0; other_methods[k]; k++) {
                        route = NULL;
                        r = api_route_find(e->path, other_methods[k], &route);
                        if (r != -EOPNOTSUPP)
                                fprintf(stderr, "%s \"%s\": %d\n", e->path, other_methods[k], r);
                        CHECK_INT(r, -EOPNOTSUPP);
                        /* A 405 still knows its endpoint: for the Allow header and the log. */
                        CHECK(route && streq(route->path, e->path));
                }
        }
}

static void test_unknown_paths(void) {
        static const char *const paths[] = {
                "", "/", "health", "/health/", "/Health", "/health.json", "//health",
                "/api", "/api/", "/api/v1", "/api/v1/", "/api/v2/list", "/api/v1/list/", "/api/v1/List",
                "/API/V1/LIST", "/api/v1/lis", "/api/v1/listx", "/api/v1//list", "/api/v1/./list",
                "/api/v1/../v1/list", "/api//v1/list", "api/v1/list", " /api/v1/list", "/api/v1/list ",
                "/api/v1/%6cist", "/api/v1/list%00", "/api/v1/list?db_name=x", "/api/v1/status?",
                "/api/v1/backups", "/api/v1/prune", "/api/v1/template", "/api/v1/restore", "/api/v1/reconcile",
                "/api/v1/api", "/provision/api/v1/list", "/api/v1/st\xc3\xa4tus", "*",
                NULL
        };

        for (size_t i = 0; paths[i]; i++)
                for (int m = 0; m < 3; m++) {
                        const ApiRoute *route = NULL;
                        int r = api_route_find(paths[i], m == 0 ? "GET" : m == 1 ? "POST" : "DELETE", &route);

                        if (r != -ENOENT)
                                fprintf(stderr, "\"%s\" routed: %d\n", paths[i], r);
                        /* 404 whatever the method: an unknown path is never a 405. */
                        CHECK_INT(r, -ENOENT);
                        CHECK(route == NULL);
                }
}

/* Through the HTTP parser, as vumaerp-api routes: the query is split off before routing. */
static void expect_target(const char *method, const char *target, int want, const char *action) {
        char raw[512];
        HttpRequest req;
        const ApiRoute *route = NULL;
        int r;

        snprintf(raw, sizeof raw, "%s %s HTTP/1.1\r\nHost: api\r\n\r\n", method, target);
        r = http_request_parse(raw, strlen(raw), &req);
        CHECK_INT(r, 1);
        if (r != 1)
                return;
        r = api_route_find(req.path, req.method, &route);
        if (r != want)
                fprintf(stderr, "%s %s: %d, expected %d\n", method, target, r, want);
        CHECK_INT(r, want);
        if (action)
                CHECK(route && route->action && streq(route->action, action));
        http_request_done(&req);
}

static void test_query_strings(void) {
        expect_target("GET", "/api/v1/status?db_name=acme_ltd", 0, "status");
        expect_target("GET", "/api/v1/status?", 0, "status");
        expect_target("GET", "/api/v1/status?db_name=a&db_name=b&x", 0, "status");
        expect_target("POST", "/api/v1/provision?db_name=acme_ltd&api_token=x", 0, "provision");
        expect_target("GET", "/api/v1/list?/api/v1/provision", 0, "list");
        expect_target("GET", "/health?full=1", 0, NULL);
        /* The query cannot turn a method into another's or a path into another. */
        expect_target("GET", "/api/v1/provision?method=POST", -EOPNOTSUPP, "provision");
        expect_target("GET", "/api/v1/nothing?to=/api/v1/list", -ENOENT, NULL);
        expect_target("POST", "/api/v1/list/?x=1", -ENOENT, NULL);
}

int main(void) {
        test_documented();
        test_unknown_paths();
        test_query_strings();
        return test_exit_status();
}
