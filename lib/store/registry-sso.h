/* SPDX-License-Identifier: MIT */
/*
 * registry-sso.h: the registry's sso_tokens table (registry.h) — single sign-on's one-time
 * tokens, by their SHA-256 only (sso-token.h). Two kinds: a link's ("link": in the URL WHMCS
 * sends the browser to) and the one vumaerp then hands the tenant's Odoo for the sign-in itself
 * ("odoo": Odoo keeps it as the user's oauth_access_token, so it never leaves the host). A token is
 * accepted at most once: the statement that accepts it also marks it used.
 *
 * Every function runs on a registry_open() connection and returns 0 (or what it says) or a
 * negative errno: -EIO on a failed statement (the server's message on conn, for pg_failure()),
 * -ENOMEM.
 */
#pragma once

#include <libpq-fe.h>

/* What a token signs in. */
typedef struct RegistrySso {
        char *db_name;
        char *provider_id;   /* auth_oauth_provider.id in the tenant, decimal */
        char *login;
        char *oauth_uid;
} RegistrySso;

void registry_sso_done(RegistrySso *t);

/* Records a token of kind ("link", "odoo"; hash_hex: sso_token_hash_hex()) for t, good for
 * lifetime_sec seconds. *ret_expires_at: when, ISO 8601 UTC (malloc'd). */
int registry_sso_add(PGconn *conn, const char *hash_hex, const char *kind, const RegistrySso *t,
                     int lifetime_sec, char **ret_expires_at);

/* Accepts the token once: of that kind, unused, unexpired, and issued for db_name (NULL: any
 * tenant). Marks it used and fills *ret. 0, or -ENOENT: no such good token (unknown, used,
 * expired, another tenant's: never said which). */
int registry_sso_use(PGconn *conn, const char *hash_hex, const char *kind, const char *db_name, RegistrySso *ret);

/* Marks every unused link of db_name as used: a new link replaces the ones before it. */
int registry_sso_revoke(PGconn *conn, const char *db_name);

/* Deletes the rows whose time is past (used or not): the hash of a token nobody can use any more
 * is worth nothing. Returns how many. */
int registry_sso_sweep(PGconn *conn);
