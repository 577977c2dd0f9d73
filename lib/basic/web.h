/* SPDX-License-Identifier: MIT */
/*
 * web.h: the state nginx reads on every request (packaging/nginx/vumaerp-tenants.conf), kept
 * under web.state_dir so that no action ever reloads nginx:
 *
 *   hosts/<host>                  a symlink to ../tenants/<db_name>: the route. nginx resolves it
 *                                 ($realpath_root) and hands Odoo the database name as the first
 *                                 label of X-Forwarded-Host, which Odoo's dbfilter ^%d$ matches;
 *                                 a customer's own domain later is one more symlink.
 *   tenants/<db_name>/            the tenant's web directory (0755).
 *   tenants/<db_name>/suspended.html
 *                                 present while the tenant is suspended: nginx answers every
 *                                 request for its hosts with it, as 503.
 *
 * Every change is one rename() or unlink(), so nginx sees the old state or the new one, never a
 * half-written page. Files are 0644 and directories 0755: nginx's workers read them as their own
 * user. Nothing here follows a symlink except the routes themselves. Without web.state_dir every
 * function here does nothing and returns 0.
 */
#pragma once

#include "config.h"

/* The name of the page nginx serves for a suspended tenant. */
#define WEB_SUSPENDED_PAGE "suspended.html"

/* The suspension page: the reason (operator text, HTML-escaped; NULL: none given), the link to
 * pay (web.pay_url, escaped; none: "contact your provider") and web.brand, in English, Swahili and
 * French. Nothing in it names the tenant or any other. Returns a malloc'd string or NULL on OOM. */
char *web_suspended_page(const Config *c, const char *reason);

/* The host of the tenant's URL (tenant_url()): lower case, checked to be a host name nginx would
 * pass as $host. Returns 0 with *ret malloc'd, -EINVAL when the URL has no usable host, -ENOMEM. */
int web_tenant_host(const Config *c, const char *db_name, char **ret);

/* Creates tenants/<db_name>/ and points hosts/<host of its URL> at it. Idempotent. */
int web_route_add(const Config *c, const char *db_name);

/* Removes every route to the tenant, its page and its directory. Missing parts are fine. */
int web_tenant_remove(const Config *c, const char *db_name);

/* Writes (atomically replaces) the tenant's suspension page; creates its directory if needed. */
int web_page_write(const Config *c, const char *db_name, const char *reason);

/* Removes the tenant's suspension page; none is fine. */
int web_page_remove(const Config *c, const char *db_name);
