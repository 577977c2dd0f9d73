/* SPDX-License-Identifier: MIT */
/*
 * sso-token.h: single sign-on's pure parts — the one-time token (32 random bytes, URL-safe
 * base64 without padding, 43 characters; only its SHA-256 is ever stored), the identity vumaerp
 * gives a tenant's user at its provider ("vumaerp:<res_users id>", Odoo's oauth_uid), the link
 * WHMCS sends the browser to, and the path Odoo 17's auth_oauth signs in on:
 * /auth_oauth/signin?access_token=…&state=…, with state the JSON object {"d": db, "p": provider
 * id, "r": "/web"} (addons/auth_oauth controllers/main.py OAuthController.signin reads d, p and r;
 * r is url_unquote_plus()ed).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSO_TOKEN_BYTES 32
#define SSO_TOKEN_LENGTH 43         /* base64url of 32 bytes, no padding */
#define SSO_HASH_BYTES 32           /* SHA-256 */
#define SSO_HASH_HEX (2 * SSO_HASH_BYTES)

/* A new token from getrandom(): *ret malloc'd (wipe it: it is a secret). 0 or a negative errno. */
int sso_token_new(char **ret);

/* Whether s has a token's shape: 43 characters of the URL-safe base64 alphabet. Everything else
 * is refused before it is hashed or looked up. */
bool sso_token_is_wellformed(const char *s);

/* The token's SHA-256 as PostgreSQL's bytea hex input: "\x" and 64 hex digits. */
void sso_token_hash_hex(const char *token, char out[2 + SSO_HASH_HEX + 1]);

/* "vumaerp:<uid>", malloc'd; NULL when out of memory. */
char *sso_oauth_uid(long uid);

/* The link WHMCS sends the browser to: <base>/vumaerp/sso?token=<token> (base: the tenant's URL;
 * nginx hands that path on the tenant's host to vumaerp-api's /api/v1/sso/enter). malloc'd. */
char *sso_link_url(const char *base, const char *token);

/* Odoo's signin link: base ("" for the path alone), the token, and the state
 * {"d": db_name, "p": provider_id, "r": "/web"} as JSON, each percent-encoded as a query value.
 * malloc'd; NULL when out of memory. */
char *sso_signin_url(const char *base, const char *token, const char *db_name, long provider_id);

/* Percent-encodes s for a URL's query (everything but RFC 3986's unreserved characters). */
char *sso_url_encode(const char *s);
