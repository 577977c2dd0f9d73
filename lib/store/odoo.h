/* SPDX-License-Identifier: MIT */
/*
 * odoo.h: talking to a running Odoo through its JSON-RPC endpoint (<odoo.url>/jsonrpc, libcurl +
 * jansson): one call, logging in, and Odoo's master password for its database manager.
 *
 * Errors: Odoo answers a failed call with HTTP 200 and
 *   {"error": {"code": 200, "message": "Odoo Server Error",
 *              "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied", "debug": …}}}
 * which becomes one readable line "Access Denied (odoo.exceptions.AccessDenied)" — data.debug (a
 * traceback) is never copied. Passwords travel only in the request body, which is wiped after the
 * call; nothing here logs a request.
 */
#pragma once

#include <jansson.h>

#include "config.h"
#include "macro.h"

#define ODOO_CONNECT_TIMEOUT_SEC 5
#define ODOO_CALL_TIMEOUT_SEC 60
/* db.create_database installs base (about 20-30 s on a real Odoo), a module install with a chart
 * of accounts about a minute: the template build's calls get this much. */
#define ODOO_LONG_CALL_TIMEOUT_SEC 900
#define ODOO_MAX_RESPONSE (16U * 1024U * 1024U)

/* Calls service.method(*args) (args: a JSON array, borrowed) with a total timeout of timeout_sec.
 * Returns 0 with *ret_result set (owned by the caller; any JSON value, false and null included),
 * or a negative errno with *ret_error set (malloc'd, one line) when ret_error is non-NULL:
 *   -EDESTADDRREQ  odoo.url is not configured
 *   -ECONNREFUSED  Odoo cannot be reached (connect failed, timed out connecting, DNS)
 *   -ETIMEDOUT     Odoo did not answer within timeout_sec
 *   -EPROTO        the answer is not a JSON-RPC response (HTTP status other than 200, not JSON,
 *                  wrong id, larger than ODOO_MAX_RESPONSE)
 *   -EACCES        Odoo answered with odoo.exceptions.AccessDenied
 *   -EREMOTEIO     Odoo answered with any other error */
int odoo_call_timeout(const Config *c, const char *service, const char *method, json_t *args,
                      long timeout_sec, json_t **ret_result, char **ret_error);

/* The same with ODOO_CALL_TIMEOUT_SEC. */
int odoo_call(const Config *c, const char *service, const char *method, json_t *args,
              json_t **ret_result, char **ret_error);

/* common.authenticate(db, login, password, {}): 0 with *ret_uid (> 0) when Odoo accepts the
 * login, -EACCES (and a message) when it answers false, or an odoo_call() error. */
int odoo_authenticate(const Config *c, const char *db, const char *login, const char *password,
                      int *ret_uid, char **ret_error);

/* Odoo's error object (the "error" member of a response) as one line, malloc'd; NULL on OOM.
 * Control characters become spaces, the length is capped. Exposed for tests. */
char *odoo_error_message(json_t *error);

/* Reads odoo.master_password_file (credential.h: relative names in $CREDENTIALS_DIRECTORY;
 * trailing newlines dropped; at most 1 KiB, not empty) into *ret: free it with
 * odoo_secret_free(). -ENOKEY (with *ret_error) when it is not configured or cannot be read. */
int odoo_master_password(const Config *c, char **ret, char **ret_error);

/* What Odoo answered a sign-in (odoo_signin()). */
typedef struct OdooSignin {
        long status;            /* HTTP status */
        char *location;         /* its Location header, NULL: none */
        char *session_cookie;   /* its Set-Cookie header for session_id ("session_id=…; …"), NULL: none */
} OdooSignin;

#define ODOO_SIGNIN_TIMEOUT_SEC 30
#define ODOO_SIGNIN_HEADER_MAX 1024

void odoo_signin_done(OdooSignin *s);

/* GET <odoo.url><path_and_query> from Odoo's web server as the browser of host would reach it:
 * Host and X-Forwarded-Host host, X-Forwarded-Proto proto (Odoo binds a request to a database by
 * its host, and auth_oauth's /auth_oauth/signin exists only on a bound request). No redirect
 * followed; headers kept only when they are printable ASCII of at most ODOO_SIGNIN_HEADER_MAX
 * bytes. The path holds a secret: it is wiped and never quoted in a message. 0 with *ret, or
 * -EDESTADDRREQ (odoo.url not configured), -ECONNREFUSED, -ETIMEDOUT, -EPROTO with *ret_error. */
int odoo_signin(const Config *c, const char *host, const char *proto, const char *path_and_query,
                OdooSignin *ret, char **ret_error);

/* Wipes and frees a NUL-terminated secret; NULL is fine. */
void odoo_secret_free(char *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(char *, odoo_secret_free);
#define _cleanup_secret_ _cleanup_(odoo_secret_freep)
