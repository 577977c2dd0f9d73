/* SPDX-License-Identifier: MIT */
/*
 * sso.h: single sign-on into a tenant's Odoo through Odoo's own auth_oauth module, vumaerp being
 * the token issuer and the validation endpoint (sso.c says why there are two tokens).
 *
 *   WHMCS ── POST /api/v1/sso ──► sso_issue: link <tenant URL>/vumaerp/sso?token=L (≤ 60 s, once)
 *   browser ── GET that link (nginx → /api/v1/sso/enter) ──► sso_enter: L used; token O made;
 *        GET <odoo.url>/auth_oauth/signin?access_token=O&state=… as the tenant's host
 *          └─ Odoo ── GET sso.validation_url?db_name=…&access_token=O ──► sso_validate: O used
 *        ◄── Odoo: 303 /web + its session cookie ── handed to the browser (303, Set-Cookie)
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"

/* vumaerp-sso: db_name, optional login (default: the tenant's admin as the registry knows it),
 * whmcs_service_id and claim (owner.h) → url, expires_at. 404 unknown tenant or login, 409
 * suspended or terminated (tenant_suspended, tenant_not_active), another service's or an unclaimed
 * tenant (owner.h), no auth_oauth (sso_unavailable); 503 sso_unavailable without odoo.url. */
int sso_issue(const Config *c, json_t *request, json_t **ret);

/* vumaerp-sso-enter: token (the link's) and host (the one the browser asked) → location and
 * set_cookie, Odoo's session for the browser. 403 invalid_token (unknown, used, expired, another
 * host's), 403 sign_in_refused (Odoo said no), 409 tenant_suspended, 503 sso_unavailable. */
int sso_enter(const Config *c, json_t *request, json_t **ret);

/* vumaerp-sso-validate: db_name and access_token (Odoo's) → user_id and sub, the oauth_uid to sign
 * in; 403 invalid_token otherwise. */
int sso_validate(const Config *c, json_t *request, json_t **ret);

/* Deletes the registry's spent tokens (vumaerp-reconcile): how many, or a negative errno with
 * *ret set. */
int sso_sweep(PGconn *registry, json_t **ret);
