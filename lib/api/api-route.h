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

/* What single sign-on's two token-authenticated endpoints need (sso.h): */
enum {
        /* No X-API-Token: the request carries its own one-time token, which the action checks. */
        API_ROUTE_OWN_TOKEN = 1 << 0,
        /* An "Authorization: Bearer T" header is the field access_token (auth_oauth sends the
         * token so when the auth_oauth.authorization_header parameter is set). */
        API_ROUTE_BEARER = 1 << 1,
        /* The field host is the host the browser asked for: nginx's X-Forwarded-Host, else Host. */
        API_ROUTE_HOST = 1 << 2,
        /* A success is a 303 to the answer's "location", with its "set_cookie" as Set-Cookie. */
        API_ROUTE_REDIRECT = 1 << 3,
};

typedef struct ApiRoute {
        const char *path;
        unsigned methods;              /* API_METHOD_* */
        const char *action;            /* runs vumaerp-<action>; NULL: answered by vumaerp-api itself */
        const char *admin_only_fields[2]; /* fields the program takes at a shell but the API refuses; NULL: none */
        unsigned flags;                /* API_ROUTE_* */
} ApiRoute;

/* The route for a request's path (HttpRequest.path: without the query, not percent-decoded,
 * compared exactly) and method ("GET", "POST", case-sensitive as HTTP methods are). Returns 0
 * with *ret set; -ENOENT when no endpoint has that path (404); -EOPNOTSUPP when the endpoint
 * does not take that method (405), with *ret still set to it for api_route_allow(). */
int api_route_find(const char *path, const char *method, const ApiRoute **ret);

/* The "Allow: …\r\n" header a 405 for route carries. */
const char *api_route_allow(const ApiRoute *route);
