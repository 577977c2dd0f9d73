/* SPDX-License-Identifier: MIT */
/*
 * sso.c: owns single sign-on (sso.h): issuing a one-time link for a tenant's user, entering by it
 * (vumaerp signs the browser in through Odoo's own auth_oauth), and validating the token Odoo
 * then asks about.
 *
 * Why two tokens. Odoo 17's auth_oauth (addons/auth_oauth, models/res_users.py) writes the access
 * token of a sign-in to res_users.oauth_access_token and then authenticates with it, and its
 * _check_credentials accepts that stored token as the user's password for as long as it is stored;
 * and it adds oauth_access_token to _get_session_token_fields, so the session that sign-in made is
 * valid only while the stored token stays what it was: clearing it logs that session out (at its
 * next request served by a worker that has not cached the session token, and in every worker
 * once the cache is cleared). So the token Odoo stores must stay — and must never be one anybody
 * was given. The link's token ("link", in the URL WHMCS sends the browser to, ≤ 60 s, used once)
 * only lets vumaerp make the sign-in itself: vumaerp mints a second token ("odoo") and calls the
 * tenant's /auth_oauth/signin on loopback with it; Odoo validates it at vumaerp's endpoint, stores
 * it, and answers with its session cookie, which vumaerp hands the browser. The second token never
 * leaves the host, so neither the link, nor the token in it, nor browser history or proxy logs can
 * log anyone in again.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "names.h"
#include "odoo.h"
#include "owner.h"
#include "pg.h"
#include "provision-order.h"
#include "registry.h"
#include "registry-sso.h"
#include "result.h"
#include "session.h"
#include "sso.h"
#include "sso-token.h"
#include "tenant-db.h"

#define SSO_PROVIDER_NAME "VumaERP"
#define SSO_LOGIN_MAX 256

static void token_freep(char **p) {
        if (*p)
                odoo_secret_free(*p);
}
#define _cleanup_token_ _cleanup_(token_freep)

/* The tenant URL's scheme, host (without a port) and the host Odoo is reached under: nginx hands
 * Odoo the tenant's name for the first label (packaging/nginx: Host $vumaerp_db$vumaerp_host_rest),
 * which its dbfilter ^%d$ matches. */
typedef struct TenantHost {
        char *proto;
        char *host;
        char *odoo_host;
} TenantHost;

static void tenant_host_done(TenantHost *h) {
        free(h->proto);
        free(h->host);
        free(h->odoo_host);
}

static int tenant_host(const Config *c, const char *db_name, TenantHost *ret) {
        _cleanup_free_ char *url = tenant_url(c, db_name);
        const char *authority, *end, *dot;
        size_t n;

        if (!url)
                return -ENOMEM;
        authority = strstr(url, "://");
        if (!authority)
                return -EINVAL;
        ret->proto = strndup(url, (size_t) (authority - url));
        authority += 3;
        n = strcspn(authority, "/:?#");
        end = authority + n;
        ret->host = strndup(authority, n);
        dot = memchr(authority, '.', n);
        if (asprintf(&ret->odoo_host, "%s%.*s", db_name, dot ? (int) (end - dot) : 0, dot ? dot : "") < 0)
                ret->odoo_host = NULL;
        if (!ret->proto || !ret->host || !ret->odoo_host)
                return -ENOMEM;
        return 0;
}

/* --- issue: POST /api/v1/sso, vumaerp-sso ------------------------------------------------- */

typedef struct Issue {
        const char *login;              /* NULL: the tenant's admin */
} Issue;

static bool oauth_uid_is_ours(const char *v) {
        const char *digits;

        if (strncmp(v, "vumaerp:", strlen("vumaerp:")) != 0)
                return false;
        digits = v + strlen("vumaerp:");
        return *digits && strlen(digits) <= 10 && strspn(digits, "0123456789") == strlen(digits);
}

/* Inside the tenant, as Odoo's role: vumaerp's provider row (disabled: the login page lists only
 * enabled providers, while signin finds a provider by id whatever its flag, as
 * _auth_oauth_validate browse()s it), Odoo.com's provider disabled, and the user's identity at
 * it. Everything in there is the customer's: our row is found by name and rewritten whole. */
static int prepare_tenant(const Config *c, const char *db_name, const char *login, RegistrySso *t, json_t **ret) {
        static const char installed_sql[] =
                "SELECT 1 FROM public.ir_module_module WHERE name = 'auth_oauth' AND state = 'installed'";
        static const char update_sql[] =
                "UPDATE public.auth_oauth_provider"
                "   SET enabled = false, validation_endpoint = $1, auth_endpoint = $1, data_endpoint = NULL,"
                "       client_id = NULL, scope = 'userinfo',"
                "       write_date = pg_catalog.timezone('UTC', pg_catalog.now())"
                " WHERE id = (SELECT pg_catalog.min(id) FROM public.auth_oauth_provider WHERE name = '" SSO_PROVIDER_NAME "')"
                " RETURNING id";
        static const char insert_sql[] =
                "INSERT INTO public.auth_oauth_provider (name, auth_endpoint, scope, validation_endpoint, body, enabled,"
                "       css_class, sequence, create_uid, write_uid, create_date, write_date)"
                " VALUES ('" SSO_PROVIDER_NAME "', $1, 'userinfo', $1, '{\"en_US\": \"Log in with " SSO_PROVIDER_NAME "\"}'::jsonb,"
                "         false, 'fa fa-fw fa-sign-in text-primary', 10, 1, 1,"
                "         pg_catalog.timezone('UTC', pg_catalog.now()), pg_catalog.timezone('UTC', pg_catalog.now()))"
                " RETURNING id";
        /* auth_oauth's data file makes Odoo.com's provider and enables it: a button on every
         * tenant's login page that leads to accounts.odoo.com. */
        static const char odoo_com_sql[] =
                "UPDATE public.auth_oauth_provider p SET enabled = false"
                "  FROM public.ir_model_data m"
                " WHERE m.module = 'auth_oauth' AND m.name = 'provider_openerp' AND m.model = 'auth.oauth.provider'"
                "   AND p.id = m.res_id AND p.enabled";
        /* oauth_uid from the user's id: unique per provider, as auth_oauth's constraint wants. */
        static const char user_sql[] =
                "UPDATE public.res_users SET oauth_provider_id = $1::int4, oauth_uid = 'vumaerp:' || id"
                " WHERE id = (SELECT pg_catalog.min(id) FROM public.res_users WHERE login = $2 AND active)"
                " RETURNING oauth_uid";
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL, *endpoint = NULL;
        int r;

        /* The validation endpoint names the tenant: a token is good only for the tenant it was
         * issued for, whichever Odoo asks. */
        if (asprintf(&endpoint, "%s%sdb_name=%s", c->sso_validation_url,
                     strchr(c->sso_validation_url, '?') ? "&" : "?", db_name) < 0)
                return result_oom(ret);

        r = tenant_db_connect(c, db_name, &conn, &error);
        if (r < 0)
                return pg_connect_failure(r, db_name, error, ret);
        if (pg_run(conn, "BEGIN", 0, NULL) < 0)
                return pg_failure(conn, "starting the tenant's transaction", ret);

        res = pg_exec(conn, NULL, installed_sql, 0, NULL);
        if (!res)
                return pg_failure(conn, "looking for auth_oauth", ret);
        if (PQntuples(res) == 0)
                return result_fail(ret, EXIT_EXISTS, "sso_unavailable",
                                   "%s has no auth_oauth module installed: single sign-on needs it", db_name);
        PQclear(TAKE_PTR(res));

        res = pg_exec(conn, NULL, update_sql, 1, (const char *const[]) { endpoint });
        if (res && PQntuples(res) == 0) {
                PQclear(TAKE_PTR(res));
                res = pg_exec(conn, NULL, insert_sql, 1, (const char *const[]) { endpoint });
        }
        if (!res || PQntuples(res) != 1)
                return pg_failure(conn, "setting up the sign-in provider", ret);
        t->provider_id = strdup(PQgetvalue(res, 0, 0));
        if (!t->provider_id)
                return result_oom(ret);
        PQclear(TAKE_PTR(res));

        if (pg_run(conn, odoo_com_sql, 0, NULL) < 0)
                return pg_failure(conn, "disabling the Odoo.com provider", ret);

        res = pg_exec(conn, NULL, user_sql, 2, (const char *const[]) { t->provider_id, login });
        if (!res)
                return pg_failure(conn, "linking the user to the sign-in provider", ret);
        if (PQntuples(res) != 1)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_login", "%s has no active user with that login", db_name);
        /* What came back is the tenant's to shape (a trigger, a changed column): it reaches the
         * registry and Odoo's sign-in, so it must be what we wrote, 'vumaerp:' and an id. */
        if (!oauth_uid_is_ours(PQgetvalue(res, 0, 0)))
                return result_fail(ret, EXIT_EXISTS, "sso_unavailable",
                                   "%s changed the sign-in identity vumaerp wrote: single sign-on refused", db_name);
        t->oauth_uid = strdup(PQgetvalue(res, 0, 0));
        if (!t->oauth_uid)
                return result_oom(ret);
        PQclear(TAKE_PTR(res));

        if (pg_run(conn, "COMMIT", 0, NULL) < 0)
                return pg_failure(conn, "committing in the tenant", ret);
        return EXIT_OK;
}

static int issue_locked(TenantSession *s, void *userdata, json_t **ret) {
        static const char sql[] =
                "SELECT " ACCESS_STATE_SQL("$2") " = 'open', t.state, t.admin_login"
                "  FROM pg_catalog.pg_database d"
                "  JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
                "  LEFT JOIN public.tenants t ON t.db_name = d.datname"
                " WHERE d.datname = $1 AND " ACCESS_OWNER_SQL("$2") " AND NOT d.datistemplate";
        const Issue *q = userdata;
        const Config *c = s->config;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_(registry_sso_done) RegistrySso t = {};
        _cleanup_token_ char *token = NULL;
        _cleanup_free_ char *expires_at = NULL, *url = NULL;
        _cleanup_json_ json_t *out = NULL;
        char hash[2 + SSO_HASH_HEX + 1];
        const char *state;
        int status, r;

        res = pg_exec(s->conn, NULL, sql, 2, (const char *const[]) { s->db_name, c->odoo_role });
        if (!res)
                return pg_failure(s->conn, "looking up the tenant", ret);
        if (PQntuples(res) != 1)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", s->db_name);
        state = PQgetisnull(res, 0, 1) ? "active" : PQgetvalue(res, 0, 1);
        if (!streq(state, "active") && !streq(state, "suspended"))
                return result_fail(ret, EXIT_EXISTS, "tenant_not_active", "%s is %s: nobody can sign in to it", s->db_name, state);
        /* A suspended tenant is held: nobody signs in to it, by a link or otherwise. */
        if (!streq(PQgetvalue(res, 0, 0), "t") || streq(state, "suspended"))
                return result_fail(ret, EXIT_EXISTS, "tenant_suspended", "%s is suspended: nobody can sign in to it", s->db_name);
        t.login = strdup(q->login ? q->login : PQgetisnull(res, 0, 2) ? "" : PQgetvalue(res, 0, 2));
        t.db_name = strdup(s->db_name);
        if (!t.login || !t.db_name)
                return result_oom(ret);
        if (!*t.login)
                return result_fail(ret, EXIT_USAGE, "missing_login",
                                   "the registry knows no admin login for %s: give \"login\"", s->db_name);

        status = prepare_tenant(c, s->db_name, t.login, &t, ret);
        if (status != EXIT_OK)
                return status;

        r = sso_token_new(&token);
        if (r < 0)
                return result_from_errno(ret, r, "sso_failed", "cannot make a sign-in token");
        sso_token_hash_hex(token, hash);
        if (registry_sso_revoke(s->conn, s->db_name) < 0 ||
            registry_sso_add(s->conn, hash, "link", &t, c->sso_token_lifetime_sec, &expires_at) < 0)
                return pg_failure(s->conn, "recording the sign-in token", ret);

        {
                _cleanup_free_ char *base = tenant_url(c, s->db_name);

                url = base ? sso_link_url(base, token) : NULL;
        }
        out = result_ok();
        if (!url || !out ||
            json_object_set_new(out, "db_name", json_string(s->db_name)) < 0 ||
            json_object_set_new(out, "login", json_string(t.login)) < 0 ||
            json_object_set_new(out, "url", json_string(url)) < 0 ||
            json_object_set_new(out, "expires_at", json_string(expires_at)) < 0)
                status = result_oom(ret);
        else
                *ret = TAKE_PTR(out);
        explicit_bzero(url, url ? strlen(url) : 0);
        return status;
}

int sso_issue(const Config *c, json_t *request, json_t **ret) {
        TenantOwner owner = {};
        Issue q = {};
        int status;

        status = order_field_string(request, "login", false, &q.login, ret);
        if (status != EXIT_OK)
                return status;
        if (q.login && (!*q.login || strlen(q.login) > SSO_LOGIN_MAX))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_login", "login must be 1 to %d bytes", SSO_LOGIN_MAX);
        /* The link would lead nowhere: vumaerp signs the browser in through Odoo at odoo.url. */
        if (!c->odoo_url)
                return result_fail(ret, EXIT_UNAVAILABLE, "sso_unavailable",
                                   "odoo.url is not configured: vumaerp cannot sign anyone in");
        /* A WHMCS service signs in only to its own tenant (owner.h), checked under the lock. */
        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        return owner_session_run(c, &owner, "sso", issue_locked, &q, ret);
}

/* --- enter: GET /api/v1/sso/enter (the browser, through nginx), vumaerp-sso-enter ----------- */

static int refused(json_t **ret) {
        return result_fail(ret, EXIT_DENIED, "invalid_token", "this sign-in link is not valid (used, expired or unknown)");
}

/* Accepts a one-time token of kind once (registry_sso_use(): for db_name, NULL: any tenant), with
 * the registry open on *ret_conn and what the token signs in in *ret_t. */
static int token_use(const Config *c, const char *token, const char *kind, const char *db_name,
                     PGconn **ret_conn, RegistrySso *ret_t, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_free_ char *error = NULL;
        char hash[2 + SSO_HASH_HEX + 1];
        int r;

        if (!sso_token_is_wellformed(token))
                return refused(ret);
        sso_token_hash_hex(token, hash);
        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = registry_sso_use(conn, hash, kind, db_name, ret_t);
        if (r == -ENOENT)
                return refused(ret);
        if (r < 0)
                return pg_failure(conn, "looking up the sign-in token", ret);
        *ret_conn = TAKE_PTR(conn);
        return EXIT_OK;
}

/* Whether the catalog lets Odoo into db_name now (a tenant suspended since its link was made is
 * not entered). */
static int tenant_open(const Config *c, PGconn *conn, const char *db_name, json_t **ret) {
        static const char sql[] =
                "SELECT " ACCESS_STATE_SQL("$2") " = 'open'"
                "  FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
                " WHERE d.datname = $1 AND NOT d.datistemplate";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 2, (const char *const[]) { db_name, c->odoo_role });

        if (!res)
                return pg_failure(conn, "looking up the tenant", ret);
        if (PQntuples(res) != 1 || !streq(PQgetvalue(res, 0, 0), "t"))
                return result_fail(ret, EXIT_EXISTS, "tenant_suspended", "%s is suspended: nobody can sign in to it", db_name);
        return EXIT_OK;
}

/* Odoo's answer to a sign-in it accepted: 303 to its landing page (not back to /web/login with an
 * oauth_error), with its session cookie; for a user with two-factor authentication, to its second
 * step (_get_login_redirect_url(): /web/login/totp?redirect=…), where the user gives the code. */
static bool signin_accepted(const OdooSignin *a) {
        if (!(a->status == 302 || a->status == 303) || !a->location || !a->session_cookie ||
            a->location[0] != '/' || a->location[1] == '/' || strstr(a->location, "oauth_error"))
                return false;
        return strncmp(a->location, "/web/login", strlen("/web/login")) != 0 ||
               strncmp(a->location, "/web/login/totp", strlen("/web/login/totp")) == 0;
}

int sso_enter(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_(registry_sso_done) RegistrySso t = {};
        _cleanup_(tenant_host_done) TenantHost h = {};
        _cleanup_(odoo_signin_done) OdooSignin answer = {};
        _cleanup_token_ char *odoo_token = NULL;
        _cleanup_token_ char *path = NULL;
        _cleanup_free_ char *error = NULL, *expires_at = NULL;
        _cleanup_json_ json_t *out = NULL;
        const char *host = request_string(request, "host", NULL);
        char hash[2 + SSO_HASH_HEX + 1];
        int status, r;

        status = token_use(c, request_string(request, "token", NULL), "link", NULL, &conn, &t, ret);
        if (status != EXIT_OK)
                return status;

        /* The link is the tenant's, opened on the tenant's host: a cookie is only ever handed to
         * the host it belongs to. */
        r = tenant_host(c, t.db_name, &h);
        if (r < 0)
                return result_from_errno(ret, r, "sso_failed", "cannot make the tenant's host from tenants.url_template");
        if (!host || strcasecmp(host, h.host) != 0)
                return refused(ret);

        status = tenant_open(c, conn, t.db_name, ret);
        if (status != EXIT_OK)
                return status;
        if (!c->odoo_url)
                return result_fail(ret, EXIT_UNAVAILABLE, "sso_unavailable", "odoo.url is not configured: vumaerp cannot sign anyone in");

        r = sso_token_new(&odoo_token);
        if (r < 0)
                return result_from_errno(ret, r, "sso_failed", "cannot make a sign-in token");
        sso_token_hash_hex(odoo_token, hash);
        if (registry_sso_add(conn, hash, "odoo", &t, c->sso_token_lifetime_sec, &expires_at) < 0)
                return pg_failure(conn, "recording the sign-in token", ret);

        {
                char *endptr = NULL;
                long provider = strtol(t.provider_id, &endptr, 10);

                path = sso_signin_url("", odoo_token, t.db_name, provider);
                if (!path)
                        return result_oom(ret);
        }
        r = odoo_signin(c, h.odoo_host, h.proto, path, &answer, &error);
        if (r < 0)
                return result_from_errno(ret, r, "sso_failed", "the sign-in through Odoo failed: %s", strempty(error));
        if (!signin_accepted(&answer))
                return result_fail(ret, EXIT_DENIED, "sign_in_refused", "Odoo refused the sign-in (HTTP %ld%s%s)",
                                   answer.status, answer.location ? " to " : "", strempty(answer.location));

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(t.db_name)) < 0 ||
            json_object_set_new(out, "location", json_string(answer.location)) < 0 ||
            json_object_set_new(out, "set_cookie", json_string(answer.session_cookie)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* --- validate: GET /api/v1/sso/validate (the tenant's Odoo), vumaerp-sso-validate ------------- */

int sso_validate(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_(registry_sso_done) RegistrySso t = {};
        _cleanup_json_ json_t *out = NULL;
        const char *db_name = NULL;
        int status;

        status = request_db_name(c, request, &db_name, ret);
        if (status != EXIT_OK)
                return status;
        status = token_use(c, request_string(request, "access_token", NULL), "odoo", db_name, &conn, &t, ret);
        if (status != EXIT_OK)
                return status;

        /* What auth_oauth reads: "user_id" (Odoo 17's auth_oauth; later versions take "sub"
         * first), matched against res_users.oauth_uid with the provider the state names. */
        out = result_ok();
        if (!out ||
            json_object_set_new(out, "user_id", json_string(t.oauth_uid)) < 0 ||
            json_object_set_new(out, "sub", json_string(t.oauth_uid)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

int sso_sweep(PGconn *registry, json_t **ret) {
        int r = registry_sso_sweep(registry);

        if (r < 0)
                return pg_failure(registry, "deleting spent sign-in tokens", ret);
        return r;
}
