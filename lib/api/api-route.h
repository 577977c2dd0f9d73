/* SPDX-License-Identifier: MIT */
/*
 * api-route.h: vumaerp-api's endpoints — which path runs which action, with which methods, and
 * the field an endpoint refuses that the action's program takes at a shell. Pure: a table and
 * the lookup vumaerp-api does before anything else of the request is looked at.
 */
#pragma once

enum {
        API_METHOD_GET = 1 << 0,
        API_METHOD_POST = 1 << 1,
};

typedef struct ApiRoute {
        const char *path;
        unsigned methods;              /* API_METHOD_* */
        const char *action;            /* runs vumaerp-<action>; NULL: answered by vumaerp-api itself */
        const char *admin_only_field;  /* a field the program takes at a shell but the API refuses */
} ApiRoute;

/* The route for a request's path (HttpRequest.path: without the query, not percent-decoded,
 * compared exactly) and method ("GET", "POST", case-sensitive as HTTP methods are). Returns 0
 * with *ret set; -ENOENT when no endpoint has that path (404); -EOPNOTSUPP when the endpoint
 * does not take that method (405), with *ret still set to it for api_route_allow(). */
int api_route_find(const char *path, const char *method, const ApiRoute **ret);

/* The "Allow: …\r\n" header a 405 for route carries. */
const char *api_route_allow(const ApiRoute *route);
