/* SPDX-License-Identifier: MIT */
/*
 * api-route.c: owns vumaerp-api's table of endpoints and the lookup of a path and a method in it
 * (api-route.h).
 */
#include <errno.h>
#include <stddef.h>

#include "api-route.h"
#include "macro.h"

/* The original API's endpoints (and backup and password, which the WHMCS module needs). GET
 * endpoints also take POST, as the original's did; the ones that change something take only POST. */
static const ApiRoute routes[] = {
        { "/health",            API_METHOD_GET,                   NULL, {}, 0 },
        { "/api/v1/list",       API_METHOD_GET | API_METHOD_POST, "list", {}, 0 },
        { "/api/v1/status",     API_METHOD_GET | API_METHOD_POST, "status", {}, 0 },
        { "/api/v1/provision",  API_METHOD_POST,                  "provision", {}, 0 },
        { "/api/v1/suspend",    API_METHOD_POST,                  "suspend", {}, 0 },
        { "/api/v1/unsuspend",  API_METHOD_POST,                  "unsuspend", {}, 0 },
        { "/api/v1/terminate",  API_METHOD_POST,                  "terminate", {}, 0 },
        /* Pruning deletes every tenant's old backups, --all backs up every tenant for hours: an
         * admin's job (and the timers'), never a billing system's. */
        { "/api/v1/backup",     API_METHOD_POST,                  "backup",    { "prune", "all" }, 0 },
        { "/api/v1/password",   API_METHOD_POST,                  "password", {}, 0 },
        { "/api/v1/sso",        API_METHOD_POST,                  "sso", {}, 0 },
        /* The browser, by a one-time link, through nginx on the tenant's host. */
        { "/api/v1/sso/enter",  API_METHOD_GET,                   "sso-enter", {},
          API_ROUTE_OWN_TOKEN | API_ROUTE_HOST | API_ROUTE_REDIRECT },
        /* The tenant's Odoo (auth_oauth's validation endpoint), on loopback only. */
        { "/api/v1/sso/validate", API_METHOD_GET,                 "sso-validate", {},
          API_ROUTE_OWN_TOKEN | API_ROUTE_BEARER },
        /* WHMCS's ChangePackage. */
        { "/api/v1/plan",       API_METHOD_POST,                  "plan", {}, 0 },
        /* What ChangePackage and the Plan dropdown (WHMCS's Loader) can choose from. */
        { "/api/v1/plans",      API_METHOD_GET | API_METHOD_POST, "plans", {}, 0 },
};

static const ApiRoute *find_route(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(routes); i++)
                if (streq(routes[i].path, path))
                        return &routes[i];
        return NULL;
}

int api_route_find(const char *path, const char *method, const ApiRoute **ret) {
        const ApiRoute *route = find_route(path);

        if (!route)
                return -ENOENT;
        *ret = route;
        if (!((streq(method, "GET") && (route->methods & API_METHOD_GET)) ||
              (streq(method, "POST") && (route->methods & API_METHOD_POST))))
                return -EOPNOTSUPP;
        return 0;
}

const char *api_route_allow(const ApiRoute *route) {
        return route->methods & API_METHOD_POST ?
                (route->methods & API_METHOD_GET ? "Allow: GET, POST\r\n" : "Allow: POST\r\n") : "Allow: GET\r\n";
}
