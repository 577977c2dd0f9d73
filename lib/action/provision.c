/* SPDX-License-Identifier: MIT */
/*
 * provision.c: owns making a tenant (provision.h) from its order (provision-order.h) — cloning
 * the template of its country and plan (template-choice.h: never a module install) while the
 * admin's password is hashed, the fixups on the clone that make
 * it this customer's Odoo, its filestore, its registry record, and undoing all of it when any
 * step fails — and setting a tenant admin's password.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "filestore.h"
#include "fileio.h"
#include "session.h"
#include "log.h"
#include "names.h"
#include "odoo.h"
#include "password.h"
#include "odoo-hosting.h"
#include "pg.h"
#include "plan.h"
#include "provision.h"
#include "owner.h"
#include "provision-order.h"
#include "registry.h"
#include "registry-tenant.h"
#include "result.h"
#include "web.h"
#include "odoo-signal.h"
#include "template.h"
#include "template-choice.h"
#include "tenant-db.h"

static int64_t now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* PBKDF2 at 600,000 rounds costs about as much as the clone: it runs in a thread while
 * CREATE DATABASE runs, so a provision takes the longer of the two rather than their sum. */
typedef struct HashJob {
        const char *password;
        char *hash;
        int r;
        bool threaded;
        pthread_t thread;
} HashJob;

static void *hash_run(void *arg) {
        HashJob *j = arg;

        j->r = password_hash(j->password, &j->hash);
        return NULL;
}

static void hash_start(HashJob *j, const char *password) {
        *j = (HashJob) { .password = password };
        if (pthread_create(&j->thread, NULL, hash_run, j) == 0)
                j->threaded = true;
        else
                (void) hash_run(j);   /* no thread: hash now, the clone just waits */
}

static int hash_finish(HashJob *j) {
        if (j->threaded) {
                (void) pthread_join(j->thread, NULL);
                j->threaded = false;
        }
        return j->r;
}

static void hash_done(HashJob *j) {
        (void) hash_finish(j);
        free(j->hash);
        j->hash = NULL;
}

/* Sets the admin's login (when login is not NULL) and password hash on the tenant's connection.
 * The admin is base.user_admin (res_users id 2 in every Odoo database). Returns 0, -ENOENT when
 * the database has no such user, -EIO on a failed statement. */
static int set_admin_password(PGconn *conn, const char *hash) {
        static const char sql[] =
                "WITH admin AS ("
                "  UPDATE public.res_users u SET password = $1, write_date = now() AT TIME ZONE 'UTC'"
                "   WHERE u.id = (SELECT res_id FROM public.ir_model_data"
                "                  WHERE module = 'base' AND name = 'user_admin' AND model = 'res.users')"
                "  RETURNING u.login"
                "), signal AS (" SIGNAL_CACHE_SQL ")"
                "SELECT (SELECT count(*) FROM admin), (SELECT count(*) FROM signal)";
        const char *params[1] = { hash };
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, params);

        if (!res)
                return -EIO;
        return streq(PQgetvalue(res, 0, 0), "1") ? 0 : -ENOENT;
}

/* Everything that makes the clone this customer's, in one statement (one transaction, one round
 * trip). Data-modifying CTEs each see the snapshot from before the statement, so each touches
 * different rows: the company and its partner, the admin and their partner, four parameters.
 * The counts let the caller check every row was there to change. Timestamps are naive UTC, as
 * Odoo stores them; database.create_date in Odoo's "YYYY-MM-DD HH:MM:SS". */
static const char fixup_sql[] =
        "WITH company AS ("
        "  UPDATE public.res_company c SET name = $1::text, write_date = now() AT TIME ZONE 'UTC'"
        "   WHERE c.id = (SELECT res_id FROM public.ir_model_data"
        "                  WHERE module = 'base' AND name = 'main_company' AND model = 'res.company')"
        "  RETURNING c.partner_id"
        "), company_partner AS ("
        "  UPDATE public.res_partner p SET name = $1::text, complete_name = $1::text,"
        "         commercial_company_name = $1::text, write_date = now() AT TIME ZONE 'UTC'"
        "    FROM company WHERE p.id = company.partner_id"
        "  RETURNING p.id"
        "), admin AS ("
        "  UPDATE public.res_users u SET login = $2::text, password = $4::text, write_date = now() AT TIME ZONE 'UTC'"
        "   WHERE u.id = (SELECT res_id FROM public.ir_model_data"
        "                  WHERE module = 'base' AND name = 'user_admin' AND model = 'res.users')"
        "  RETURNING u.partner_id"
        "), admin_partner AS ("
        "  UPDATE public.res_partner p SET email = $3::text, email_normalized = lower($3::text),"
        "         write_date = now() AT TIME ZONE 'UTC'"
        "    FROM admin WHERE p.id = admin.partner_id"
        "  RETURNING p.id"
        "), params AS ("
        "  INSERT INTO public.ir_config_parameter AS i (key, value, create_uid, write_uid, create_date, write_date)"
        "  SELECT k, v, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM (VALUES"
        "    ('database.uuid', gen_random_uuid()::text),"
        "    ('database.secret', gen_random_uuid()::text),"
        "    ('database.create_date', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')),"
        "    ('web.base.url', $5::text),"
        /* Odoo rewrites web.base.url at the first admin login unless it is frozen: then the
         * links in its mails would point at whatever internal address that login came through. */
        "    ('web.base.url.freeze', 'True')) AS x (k, v)"
        "  ON CONFLICT (key) DO UPDATE SET value = excluded.value, write_uid = 1, write_date = excluded.write_date"
        "  RETURNING i.key"
        "), signals AS (" SIGNAL_ALL_SQL ")"
        "SELECT (SELECT count(*) FROM company), (SELECT count(*) FROM company_partner),"
        "       (SELECT count(*) FROM admin), (SELECT count(*) FROM admin_partner),"
        "       (SELECT count(*) FROM params), (SELECT count(*) FROM signals)";

/* Returns an exit status; *ret set on failure. */
static int fixup_clone(const Config *c, const Order *o, const char *template_db, const char *hash, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL, *url = tenant_url(c, o->db_name);
        const char *params[5] = { o->company_name, o->admin_login, o->admin_email, hash, url };
        static const int want[5] = { 1, 1, 1, 1, 5 };
        int r;

        if (!url)
                return result_oom(ret);
        r = tenant_db_connect(c, o->db_name, &conn, &error);
        if (r < 0)
                return pg_connect_failure(r, "the new database", error, ret);
        res = pg_exec(conn, NULL, fixup_sql, 5, params);
        if (!res)
                return pg_failure(conn, "setting up the new database", ret);
        for (int i = 0; i < 5; i++)
                if (atoi(PQgetvalue(res, 0, i)) != want[i])
                        return result_fail(ret, EXIT_SOFTWARE, "template_invalid",
                                           "template %s is not an Odoo database as expected: it lacks its main company, "
                                           "its admin user or their partners", template_db);

        /* The hosting policy (odoo-hosting.h): no Odoo.com login, no update notification. */
        if (odoo_hosting_apply(conn, c->odoo_update_notification) < 0)
                return pg_failure(conn, "applying the hosting policy to the new database", ret);
        return EXIT_OK;
}

/* Removes every trace of a tenant that was being made: its database (with drop_db: not when our
 * CREATE DATABASE failed, as a database of that name is then someone else's), its filestore, its
 * registry row (only while it says 'provisioning': never a finished tenant's). */
static int undo_provision(TenantSession *s, bool drop_db) {
        int r = 0, k;

        if (PQstatus(s->conn) != CONNECTION_OK) {
                /* The server went away: the row stays 'provisioning', and the next provision of
                 * this name removes whatever survived. */
                log_error("%s: PostgreSQL is gone; what was made is removed by the next provision of this name", s->db_name);
                return -ECONNREFUSED;
        }
        if (drop_db) {
                k = pg_drop_database(s->conn, s->db_name, true);
                if (k < 0) {
                        _cleanup_free_ char *msg = pg_error_message(s->conn);

                        log_error("%s: cannot drop the half-made database: %s", s->db_name, strempty(msg));
                        r = k;
                }
        }
        k = web_tenant_remove(s->config, s->db_name);
        if (k < 0) {
                log_error("%s: cannot remove the web state: %s", s->db_name, strerror(-k));
                r = k;
        }
        if (s->config->odoo_data_dir) {
                k = filestore_remove(s->config->odoo_data_dir, s->db_name);
                if (k < 0) {
                        log_error("%s: cannot remove the filestore: %s", s->db_name, strerror(-k));
                        r = k;
                }
        }
        /* The row goes last: while anything else is left, it is what tells the next provision
         * to clean up. */
        if (r == 0) {
                r = registry_tenant_forget(s->conn, s->db_name);
                if (r < 0) {
                        _cleanup_free_ char *msg = pg_error_message(s->conn);

                        log_error("%s: cannot remove its registry row: %s", s->db_name, strempty(msg));
                }
        }
        return r;
}

/* What the registry and the catalog say of the name, and of the template. */
typedef struct Existing {
        bool has_row;
        char *state;              /* the registry's, when has_row */
        char *country;
        char *whmcs_service_id;   /* NULL: none recorded */
        char *admin_email, *admin_login, *company_name;
        bool db_exists;
        bool db_open;             /* access.h: open to Odoo */
        bool template_ok;         /* exists and datistemplate */
} Existing;

static void existing_done(Existing *e) {
        free(e->state);
        free(e->country);
        free(e->whmcs_service_id);
        free(e->admin_email);
        free(e->admin_login);
        free(e->company_name);
        *e = (Existing) {};
}

static char *column_dup(PGresult *res, int col) {
        return PQgetisnull(res, 0, col) ? NULL : strdup(PQgetvalue(res, 0, col));
}

static int look_up(TenantSession *s, const char *template_db, Existing *e, json_t **ret) {
        static const char sql[] =
                "SELECT t.db_name IS NOT NULL, t.state, t.country, t.whmcs_service_id::text,"
                "       t.admin_email, t.admin_login, t.company_name,"
                "       d.datname IS NOT NULL, coalesce(" ACCESS_STATE_SQL("$3") " = 'open', false),"
                "       coalesce((SELECT datistemplate FROM pg_catalog.pg_database WHERE datname = $2), false)"
                "  FROM (SELECT $1::text AS name) x"
                "  LEFT JOIN public.tenants t ON t.db_name = x.name"
                "  LEFT JOIN pg_catalog.pg_database d ON d.datname = x.name"
                "  LEFT JOIN pg_catalog.pg_roles r ON r.oid = d.datdba";
        const char *params[3] = { s->db_name, template_db, s->config->odoo_role };
        _cleanup_pgresult_ PGresult *res = pg_exec(s->conn, NULL, sql, 3, params);

        *e = (Existing) {};
        if (!res)
                return pg_failure(s->conn, "looking up the tenant", ret);
        e->has_row = streq(PQgetvalue(res, 0, 0), "t");
        e->state = column_dup(res, 1);
        e->country = column_dup(res, 2);
        e->whmcs_service_id = column_dup(res, 3);
        e->admin_email = column_dup(res, 4);
        e->admin_login = column_dup(res, 5);
        e->company_name = column_dup(res, 6);
        e->db_exists = streq(PQgetvalue(res, 0, 7), "t");
        e->db_open = streq(PQgetvalue(res, 0, 8), "t");
        e->template_ok = streq(PQgetvalue(res, 0, 9), "t");
        return EXIT_OK;
}

/* Connects to the tenant and sets the admin's password hash. Returns an exit status. */
static int apply_password(const Config *c, const char *db_name, const char *hash, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = tenant_db_connect(c, db_name, &conn, &error);
        if (r == -ENOENT)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", db_name);
        if (r < 0)
                return pg_connect_failure(r, db_name, error, ret);
        r = set_admin_password(conn, hash);
        if (r == -ENOENT)
                return result_fail(ret, EXIT_SOFTWARE, "no_admin_user",
                                   "%s has no admin user (base.user_admin): is it an Odoo database?", db_name);
        if (r < 0)
                return pg_failure(conn, "setting the admin password", ret);
        return EXIT_OK;
}

/* Logs in once through Odoo's JSON-RPC (common.authenticate) as the admin: true when Odoo accepts
 * the password, false when it answers "no". null when it was not checked: odoo.url is not
 * configured, or Odoo could not be asked (down, slow, an error) — the tenant is made all the
 * same, as the database is complete without a running Odoo. */
static json_t *login_verified(const Config *c, const char *db_name, const char *login, const char *password) {
        _cleanup_free_ char *error = NULL;
        int uid = 0, r;

        if (!c->odoo_url)
                return json_null();
        r = odoo_authenticate(c, db_name, login, password, &uid, &error);
        if (r >= 0)
                return json_boolean(uid > 0);
        if (r == -EACCES) {
                log_error("%s: Odoo refuses the admin's new password: %s", db_name, strempty(error));
                return json_false();
        }
        log_warning("%s: the login could not be checked through Odoo: %s", db_name, isempty(error) ? strerror(-r) : error);
        return json_null();
}

/* password_generated is the password this call made up, the one way the caller learns it; a
 * password the caller gave is never echoed (the answer lands in WHMCS's module log and in a
 * client's responses, where a secret has no business). */
static int answer(const Config *c, json_t **ret, const char *db_name, const Country *country,
                  const char *email, const char *login, const char *company, const char *password_generated,
                  bool existed, json_t *verified) {
        _cleanup_json_ json_t *out = result_ok();
        _cleanup_free_ char *url = tenant_url(c, db_name);
        int r = 0;

        if (!out || !url) {
                json_decref(verified);
                return result_oom(ret);
        }
        r |= json_object_set_new(out, "db_name", json_string(db_name));
        r |= json_object_set_new(out, "url", json_string(url));
        r |= json_object_set_new(out, "admin_email", email ? json_string(email) : json_null());
        r |= json_object_set_new(out, "admin_login", login ? json_string(login) : json_null());
        if (password_generated)
                r |= json_object_set_new(out, "admin_password", json_string(password_generated));
        r |= json_object_set_new(out, "country", json_string(country->name));
        r |= json_object_set_new(out, "country_code", json_string(country->code));
        r |= json_object_set_new(out, "company_name", company ? json_string(company) : json_null());
        r |= json_object_set_new(out, "existed", json_boolean(existed));
        r |= json_object_set_new(out, "login_verified", verified ? verified : json_null());
        if (r != 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* A repeat of a provision that already succeeded (WHMCS retries calls that timed out). */
static int provision_existed(TenantSession *s, const Order *o, const Existing *e, json_t **ret) {
        const char *pw = o->admin_password;
        int r;

        /* A retry answers the same URL: it must reach the tenant (a tenant made before
         * web.state_dir was set gets its route here). */
        r = web_route_add(s->config, o->db_name);
        if (r < 0)
                return result_from_errno(ret, r, "web_state_failed",
                                   "cannot route %s's host to it in %s", o->db_name, s->config->web_state_dir);

        if (pw) {
                _cleanup_(hash_done) HashJob job = {};
                int status;

                if (!e->db_open)
                        return result_fail(ret, EXIT_EXISTS, "tenant_suspended",
                                           "%s exists and is suspended: its admin password cannot be set until it is unsuspended",
                                           o->db_name);
                hash_start(&job, pw);
                if (hash_finish(&job) < 0)
                        return result_fail(ret, EXIT_SOFTWARE, "password_error", "cannot hash the password: %s", strerror(-job.r));
                status = apply_password(s->config, o->db_name, job.hash, ret);
                if (status != EXIT_OK)
                        return status;
        }
        return answer(s->config, ret, o->db_name, o->country,
                      e->admin_email, e->admin_login, e->company_name, NULL, true,
                      pw ? login_verified(s->config, o->db_name, e->admin_login, pw) : json_null());
}

/* The clone is made held by the holder role and then admitted (access.h): Odoo's role may connect
 * for the set-up, but Odoo neither lists nor serves it, so nobody logs in to a half-made tenant
 * with the template's admin password or database secret, not even when we are killed half-way
 * (the next provision of the name removes it). provision_new() opens it once it is complete. */
static int create_database(TenantSession *s, const char *template_db, json_t **ret) {
        _cleanup_free_ char *q_name = pg_quote_identifier(s->conn, s->db_name);
        _cleanup_free_ char *q_tpl = pg_quote_identifier(s->conn, template_db);
        _cleanup_free_ char *sql = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        char state[6] = "";

        if (!q_name || !q_tpl)
                return result_oom(ret);
        /* WAL_LOG (PostgreSQL 15's default, said here so no server setting changes it): measured
         * on the 39 MB Kenya template with fsync on, 1.2-1.7 s against FILE_COPY's 1.7-4.7 s on a
         * busy 2-core machine (the fixture notes: 0.31 s against 1.06 s on a quiet one), and
         * FILE_COPY forces two checkpoints that slow every other tenant on the server. With
         * fsync off (the test servers) FILE_COPY wins; production runs with fsync on.
         * ALLOW_CONNECTIONS false until access_set() below has taken CONNECT from PUBLIC. */
        if (asprintf(&sql, "CREATE DATABASE %s TEMPLATE %s OWNER " ACCESS_HOLDER_ROLE " STRATEGY WAL_LOG ALLOW_CONNECTIONS false",
                     q_name, q_tpl) < 0)
                return result_oom(ret);
        res = pg_exec(s->conn, state, sql, 0, NULL);
        if (!res) {
                if (streq(state, "55006"))
                        return result_fail(ret, EXIT_TEMPFAIL, "template_busy",
                                           "template %s has open connections; try again later", template_db);
                if (streq(state, "42P04"))
                        return result_fail(ret, EXIT_EXISTS, "db_exists", "database \"%s\" already exists", s->db_name);
                return pg_failure(s->conn, "CREATE DATABASE", ret);
        }
        return EXIT_OK;
}

/* The name is free: make the tenant. */
static int provision_new(TenantSession *s, const Order *o, const char *template_db, json_t **ret) {
        const Config *c = s->config;
        const RegistryTenant row = {
                .db_name = o->db_name,
                .country = o->country->code,
                .company_name = o->company_name,
                .admin_email = o->admin_email,
                .admin_login = o->admin_login,
                .whmcs_service_id = o->whmcs_service_id[0] ? o->whmcs_service_id : NULL,
                .plan = o->plan ? o->plan->code : NULL,
                .extra_users = o->extra_users,
                .max_users = plan_max_users(o->plan, o->extra_users),
        };
        _cleanup_(hash_done) HashJob job = {};
        _cleanup_free_ char *generated = NULL;
        const char *password = o->admin_password;
        int64_t t0, t_clone, t_hash, t_fix;
        bool created = false;
        int status, r;
        json_t *verified;

        if (!password) {
                r = password_generate(&generated);
                if (r < 0)
                        return result_from_errno(ret, r, "password_error", "cannot generate a password");
                password = generated;
        }

        /* A filestore for a name without a database is a leftover (a terminate that could not
         * remove it): it is not this tenant's, and Odoo would serve its files. */
        if (c->odoo_data_dir) {
                r = filestore_remove(c->odoo_data_dir, o->db_name);
                if (r < 0)
                        return result_from_errno(ret, r, "filestore_error",
                                           "cannot remove a stale filestore of %s", o->db_name);
        }
        /* Likewise a route or a suspension page: a new tenant of this name starts with none. */
        r = web_tenant_remove(c, o->db_name);
        if (r < 0)
                return result_from_errno(ret, r, "web_state_failed",
                                   "cannot remove the stale web state of %s in %s", o->db_name, c->web_state_dir);

        /* The row first, committed: if we die from here on, it tells the next provision of this
         * name that what it finds is a leftover to remove. */
        r = registry_tenant_reserve(s->conn, &row);
        if (r == -EEXIST) {
                status = result_fail(ret, EXIT_EXISTS, "db_exists", "the name \"%s\" is taken", o->db_name);
                goto wipe;
        }
        if (r == -ENOTUNIQ) {
                /* The service got a tenant of another name since provision_locked() looked: the
                 * registry's unique index is the last word. */
                status = owner_service_free(s->conn, o->whmcs_service_id, o->db_name, ret);
                if (status == EXIT_OK)
                        status = result_fail(ret, EXIT_EXISTS, "service_has_tenant",
                                             "WHMCS service %s already has a tenant", o->whmcs_service_id);
                goto wipe;
        }
        if (r < 0) {
                status = pg_failure(s->conn, "recording the tenant in the registry", ret);
                goto wipe;
        }

        t0 = now_ms();
        hash_start(&job, password);
        status = create_database(s, template_db, ret);
        t_clone = now_ms();
        r = hash_finish(&job);
        t_hash = now_ms();
        if (status != EXIT_OK)
                goto undo;
        created = true;
        if (access_set(s->conn, c, o->db_name, ACCESS_ADMITTED) < 0) {
                status = pg_failure(s->conn, "letting the set-up into the new database", ret);
                goto undo;
        }
        if (r < 0) {
                status = result_from_errno(ret, r, "password_error", "cannot hash the password");
                goto undo;
        }

        status = fixup_clone(c, o, template_db, job.hash, ret);
        t_fix = now_ms();
        if (status != EXIT_OK)
                goto undo;

        if (c->odoo_data_dir) {
                _cleanup_free_ char *error = NULL;

                r = filestore_copy(c->odoo_data_dir, template_db, o->db_name, &error);
                if (r < 0) {
                        status = error ? result_fail(ret, EXIT_SOFTWARE, "filestore_error",
                                                     "cannot copy the filestore of %s: %s", template_db, error) :
                                         result_from_errno(ret, r, "filestore_error",
                                                           "cannot copy the filestore of %s", template_db);
                        goto undo;
                }
        }

        /* The route before Odoo may serve it: the URL answered works from the first request. */
        r = web_route_add(c, o->db_name);
        if (r < 0) {
                status = result_from_errno(ret, r, "web_state_failed",
                                     "cannot route %s's host to it in %s", o->db_name, c->web_state_dir);
                goto undo;
        }

        /* Complete: Odoo may serve it. */
        if (access_set(s->conn, c, o->db_name, ACCESS_OPEN) < 0) {
                status = pg_failure(s->conn, "opening the new database to Odoo", ret);
                goto undo;
        }
        /* The plan's user cap (plan.h). Only now: its guard is a function in the tenant's public
         * schema, which Odoo's role may create in once the database is its own (access.h: open);
         * nobody has logged in yet. */
        if (o->plan) {
                _cleanup_pgconn_ PGconn *tenant = NULL;
                _cleanup_free_ char *error = NULL;
                int users;

                r = tenant_db_connect(c, o->db_name, &tenant, &error);
                if (r < 0) {
                        status = pg_connect_failure(r, "the new database", error, ret);
                        goto undo;
                }
                status = plan_apply(s, tenant, o->plan, o->extra_users, NULL, 0, &users, ret);
                if (status != EXIT_OK)
                        goto undo;
        }
        if (registry_tenant_activate(s->conn, o->db_name) < 0) {
                status = pg_failure(s->conn, "recording the tenant as active", ret);
                goto undo;
        }
        log_info("%s: provisioned from %s in %lld ms (clone %lld ms, password hash done %lld ms after the clone, fixups %lld ms)",
                 o->db_name, template_db, (long long) (now_ms() - t0), (long long) (t_clone - t0),
                 (long long) (t_hash - t_clone), (long long) (t_fix - t_hash));

        verified = login_verified(c, o->db_name, o->admin_login, password);
        status = answer(c, ret, o->db_name, o->country, o->admin_email, o->admin_login, o->company_name,
                        generated, false, verified);
        if (status == EXIT_OK &&
            (json_object_set_new(*ret, "plan", o->plan ? json_string(o->plan->code) : json_null()) < 0 ||
             json_object_set_new(*ret, "max_users", o->plan ? json_integer(row.max_users) : json_null()) < 0)) {
                json_decref(*ret);
                *ret = NULL;
                status = result_oom(ret);
        }
        goto wipe;

undo:
        (void) hash_finish(&job);
        r = undo_provision(s, created);
        if (r < 0)
                log_error("%s: removing the half-made tenant failed (%s); the next provision of this name will",
                          o->db_name, strerror(-r));
wipe:
        if (generated)
                explicit_bzero(generated, strlen(generated));
        return status;
}

/* Under the tenant's lock: what the name is now decides between a retry, a refusal and a new
 * tenant. */
static int provision_locked(TenantSession *s, void *userdata, json_t **ret) {
        const Order *o = userdata;
        _cleanup_(existing_done) Existing e = {};
        _cleanup_(template_choice_done) TemplateChoice tpl = {};
        int status, r;

        /* The template of the country and the plan's apps: cloned, never added to by an install. */
        r = template_choice(o->country, o->plan, &tpl);
        if (r == -ENAMETOOLONG)
                return result_fail(ret, EXIT_CONFIG, "config_error",
                                   "%s's template name %s is too long to name plan %s's template after it",
                                   o->country->name, o->country->template_db, o->plan ? o->plan->code : "");
        if (r < 0)
                return result_from_errno(ret, r, "template_error", "cannot choose the template");

        status = look_up(s, tpl.db, &e, ret);
        if (status != EXIT_OK)
                return status;

        /* We hold the lock, so no provision of this name is running: a row still saying
         * 'provisioning' was left by one that died (PostgreSQL stopped, the process killed). */
        if (e.has_row && streq_ptr(e.state, "provisioning")) {
                log_warning("%s: removing what an interrupted provision left behind", o->db_name);
                if (undo_provision(s, true) < 0)
                        return pg_failure(s->conn, "removing an interrupted provision", ret);
                existing_done(&e);
                status = look_up(s, tpl.db, &e, ret);
                if (status != EXIT_OK)
                        return status;
        }

        /* A service has one live tenant: a provision for it under another name is refused
         * before anything is made; the retry of its own provision goes on below. */
        if (o->whmcs_service_id[0]) {
                status = owner_service_free(s->conn, o->whmcs_service_id, o->db_name, ret);
                if (status != EXIT_OK)
                        return status;
        }

        if (e.db_exists) {
                bool ours = e.has_row &&
                        (streq_ptr(e.state, "active") || streq_ptr(e.state, "suspended")) &&
                        o->whmcs_service_id[0] && streq_ptr(e.whmcs_service_id, o->whmcs_service_id) &&
                        streq_ptr(e.country, o->country->code);

                if (ours)
                        return provision_existed(s, o, &e, ret);
                return result_fail(ret, EXIT_EXISTS, "db_exists", "database \"%s\" already exists", o->db_name);
        }
        if (e.has_row && !streq_ptr(e.state, "terminated"))
                return result_fail(ret, EXIT_EXISTS, "db_exists",
                                   "the name \"%s\" is taken: the registry records it as %s (its database is missing)",
                                   o->db_name, strempty(e.state));
        if (template_choice_has_apps(&tpl)) {
                /* A plan's template is cloned only as vumaerp-template sealed it: with this app
                 * set recorded (not a database that merely has its name). */
                r = e.template_ok ? template_is_recorded(s->conn, &tpl) : 0;
                if (r == -ENOMEM)
                        return result_oom(ret);
                if (r < 0)
                        return pg_failure(s->conn, "reading the templates table", ret);
                if (r == 0) {
                        _cleanup_free_ char *apps = template_choice_apps_text(&tpl);

                        return result_fail(ret, EXIT_UNAVAILABLE, "template_missing",
                                           "the template %s of %s with plan %s's apps (%s) is not built: build it with "
                                           "'vumaerp-template build %s --plan %s'; nothing was changed",
                                           tpl.db, o->country->name, o->plan->code, strempty(apps),
                                           o->country->code, o->plan->code);
                }
        } else if (!e.template_ok)
                return result_fail(ret, EXIT_UNAVAILABLE, "template_missing",
                                   "the template database %s for %s is missing or not sealed as a template; "
                                   "build it with 'vumaerp-template build %s' (or seal one with vumaerp-template seal)",
                                   tpl.db, o->country->name, o->country->code);
        return provision_new(s, o, tpl.db, ret);
}

int tenant_provision(const Config *c, json_t *request, json_t **ret) {
        Order o;
        int status;

        status = order_parse(c, request, &o, ret);
        if (status != EXIT_OK)
                return status;
        return tenant_session_run(c, o.db_name, "provision", provision_locked, &o, ret);
}

static int password_locked(TenantSession *s, void *userdata, json_t **ret) {
        static const char sql[] =
                "SELECT " ACCESS_STATE_SQL("$2") " = 'open', t.admin_login"
                "  FROM pg_catalog.pg_database d"
                "  JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
                "  LEFT JOIN public.tenants t ON t.db_name = d.datname"
                " WHERE d.datname = $1 AND " ACCESS_OWNER_SQL("$2") " AND NOT d.datistemplate";
        const Config *c = s->config;
        const char *db_name = s->db_name, *password = userdata, *params[2];
        _cleanup_(hash_done) HashJob job = {};
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *generated = NULL, *login = NULL;
        _cleanup_json_ json_t *out = NULL;
        int status, r;

        params[0] = db_name;
        params[1] = c->odoo_role;
        res = pg_exec(s->conn, NULL, sql, 2, params);
        if (!res)
                return pg_failure(s->conn, "looking up the tenant", ret);
        if (PQntuples(res) != 1)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", db_name);
        /* A suspended tenant is held (access.h): opening it for a moment would let its users
         * back in as well. */
        if (!streq(PQgetvalue(res, 0, 0), "t"))
                return result_fail(ret, EXIT_EXISTS, "tenant_suspended",
                                   "%s is suspended: unsuspend it before setting its admin password", db_name);
        if (!PQgetisnull(res, 0, 1)) {
                login = strdup(PQgetvalue(res, 0, 1));
                if (!login)
                        return result_oom(ret);
        }

        if (!password) {
                r = password_generate(&generated);
                if (r < 0)
                        return result_from_errno(ret, r, "password_error", "cannot generate a password");
                password = generated;
        }
        hash_start(&job, password);
        r = hash_finish(&job);
        if (r < 0)
                status = result_from_errno(ret, r, "password_error", "cannot hash the password");
        else
                status = apply_password(c, db_name, job.hash, ret);

        if (status == EXIT_OK) {
                out = result_ok();
                if (!out ||
                    json_object_set_new(out, "db_name", json_string(db_name)) < 0 ||
                    json_object_set_new(out, "admin_login", login ? json_string(login) : json_null()) < 0 ||
                    (generated && json_object_set_new(out, "admin_password", json_string(generated)) < 0))
                        status = result_oom(ret);
                else
                        *ret = TAKE_PTR(out);
        }
        if (generated)
                explicit_bzero(generated, strlen(generated));
        return status;
}

int tenant_password(const Config *c, json_t *request, json_t **ret) {
        const char *password = NULL;
        TenantOwner owner;
        int status;

        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        status = order_field_string(request, "admin_password", false, &password, ret);
        if (status != EXIT_OK)
                return status;
        status = order_password_check(password, ret);
        if (status != EXIT_OK)
                return status;
        /* The request's string: const for the session's sake, never written. */
        return owner_session_run(c, &owner, "password", password_locked, (void *) password, ret);
}
