/* SPDX-License-Identifier: MIT */
/*
 * tenant.c: owns the tenant actions (for now list and status): what counts as a tenant database,
 * its state as PostgreSQL's catalog says it, and what the registry adds to it.
 */
#include <stdlib.h>

#include "log.h"
#include "names.h"
#include "owner.h"
#include "plan-apps.h"
#include "pg.h"
#include "registry.h"
#include "registry-backup.h"
#include "registry-drill.h"
#include "result.h"
#include "template-choice.h"
#include "tenant.h"
#include "tenant-cap.h"
#include "tenant-db.h"
#include "access.h"
#include "filestore.h"

/* One statement for both actions, on the control database: pg_database and pg_roles are shared
 * catalogs, visible from any database, so list and status need a single connection.
 * $1: the Odoo role; $2: names that are never tenants (a JSON array, so no hand-made array
 * literal quoting); $3: one name, or NULL for all; $4: how old (seconds) a cached size may be.
 *
 * Sizes: pg_database_size() stats every file of a database (~1.3 ms each here), so a size
 * measured less than $4 seconds ago is taken from tenant_sizes, and the ones measured now are
 * written back. The CTE is referenced twice, so PostgreSQL materialises it and measures each
 * database once. Cached rows of databases that are gone are dropped on a full list. */
static const char tenant_query[] =
        "WITH d AS ("
        "  SELECT d.oid, d.datname, " ACCESS_STATE_SQL("$1") " = 'open' AS open_to_odoo,"
        "         " ACCESS_DRIFT_SQL("$1") " AS drift,"
        "         z.size_bytes AS cached, z.measured_at,"
        "         CASE WHEN z.db_oid IS DISTINCT FROM d.oid"
        "                OR z.measured_at < now() - make_interval(secs => $4::int)"
        "              THEN pg_catalog.pg_database_size(d.oid) END AS fresh"
        "    FROM pg_catalog.pg_database d"
        "    JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
        "    LEFT JOIN public.tenant_sizes z ON z.db_name = d.datname"
        "   WHERE " ACCESS_OWNER_SQL("$1")
        "     AND NOT d.datistemplate"
        "     AND d.datname NOT IN (SELECT jsonb_array_elements_text($2::jsonb))"
        "     AND ($3::text IS NULL OR d.datname = $3::text)"
        "), measured AS ("
        "  INSERT INTO public.tenant_sizes AS z (db_name, db_oid, size_bytes, measured_at)"
        "  SELECT datname, oid, fresh, now() FROM d WHERE fresh IS NOT NULL"
        "  ON CONFLICT (db_name) DO UPDATE"
        "    SET db_oid = excluded.db_oid, size_bytes = excluded.size_bytes, measured_at = excluded.measured_at"
        "), gone AS ("
        "  DELETE FROM public.tenant_sizes z"
        "   WHERE $3::text IS NULL"
        "     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_database x WHERE x.oid = z.db_oid)"
        ")"
        "SELECT d.datname, d.open_to_odoo, s.size, pg_size_pretty(s.size),"
        "       t.country, t.company_name, t.admin_email, t.whmcs_service_id,"
        "       to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "       to_char(t.suspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "       to_char(t.unsuspended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "       t.suspend_reason,"
        "       to_char(CASE WHEN d.fresh IS NOT NULL THEN now() ELSE d.measured_at END AT TIME ZONE 'UTC',"
        "               'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        "       t.state, d.drift, t.plan, t.extra_users, t.max_users, t.service_uid"
        "  FROM d"
        "  CROSS JOIN LATERAL (SELECT coalesce(d.fresh, d.cached) AS size) s"
        "  LEFT JOIN public.tenants t ON t.db_name = d.datname"
        " ORDER BY d.datname COLLATE \"C\"";

/* How old a size list may report; status always measures. */
#define SIZE_CACHE_MAX_AGE_SEC 3600

enum {
        COL_NAME,
        COL_ALLOWCONN,
        COL_SIZE,
        COL_SIZE_PRETTY,
        COL_COUNTRY,
        COL_COMPANY,
        COL_EMAIL,
        COL_WHMCS,
        COL_CREATED,
        COL_SUSPENDED,
        COL_UNSUSPENDED,
        COL_SUSPEND_REASON,
        COL_SIZE_MEASURED,
        COL_REGISTRY_STATE,
        COL_DRIFT,
        COL_PLAN,
        COL_EXTRA_USERS,
        COL_MAX_USERS,
        COL_SERVICE_UID,
};

/* The names that are never tenants even when the Odoo role owns them, as a JSON array text. */
char *tenant_excluded_names(const Config *c) {
        _cleanup_json_ json_t *a = json_array();
        const char *name;

        if (!a)
                return NULL;
        for (size_t i = 0; (name = db_name_reserved(c, i)); i++)
                if (json_array_append_new(a, json_string(name)) < 0)
                        return NULL;
        for (size_t i = 0; i < c->n_countries; i++) {
                if (c->countries[i].template_db &&
                    json_array_append_new(a, json_string(c->countries[i].template_db)) < 0)
                        return NULL;
                /* The templates of the app sets its plans add (template-choice.h). */
                for (size_t j = 0; j < c->n_plans; j++) {
                        _cleanup_(template_choice_done) TemplateChoice t = {};

                        if (template_choice(&c->countries[i], &c->plans[j], &t) == 0 && template_choice_has_apps(&t) &&
                            json_array_append_new(a, json_string(t.db)) < 0)
                                return NULL;
                }
        }
        return json_dumps(a, JSON_COMPACT);
}

/* A text column as JSON: null when SQL NULL. */
static json_t *column_string(PGresult *res, int row, int col) {
        if (PQgetisnull(res, row, col))
                return json_null();
        return json_string(PQgetvalue(res, row, col));
}

static json_t *column_integer(PGresult *res, int row, int col) {
        if (PQgetisnull(res, row, col))
                return json_null();
        return json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

/* The catalog is the truth of whether Odoo can enter a database (access.h: open); but one that an
 * action is still making or removing (or that one left half-done when it was cut off: the next
 * action on it repairs it) is not yet, or no longer, a usable tenant, and says so. */
static const char *tenant_state(PGresult *res, int row, bool allow) {
        const char *registry = PQgetisnull(res, row, COL_REGISTRY_STATE) ? "" : PQgetvalue(res, row, COL_REGISTRY_STATE);

        if (streq(registry, "provisioning") || streq(registry, "terminating"))
                return registry;
        return allow ? "active" : "suspended";
}

/* One tenant row into obj (which may already hold "success"). */
static int tenant_fill(const Config *c, PGresult *res, int row, json_t *obj) {
        const char *name = PQgetvalue(res, row, COL_NAME);
        bool allow = streq(PQgetvalue(res, row, COL_ALLOWCONN), "t");
        _cleanup_free_ char *url = tenant_url(c, name);
        struct {
                const char *key;
                json_t *value;
        } fields[] = {
                { "db_name", json_string(name) },
                /* The catalog is the truth: suspension is ALLOW_CONNECTIONS false. */
                { "state", json_string(tenant_state(res, row, allow)) },
                { "accepting_connections", json_boolean(allow) },
                { "size_bytes", column_integer(res, row, COL_SIZE) },
                { "size", column_string(res, row, COL_SIZE_PRETTY) },
                { "size_measured_at", column_string(res, row, COL_SIZE_MEASURED) },
                { "url", url ? json_string(url) : NULL },
                { "country", column_string(res, row, COL_COUNTRY) },
                { "company_name", column_string(res, row, COL_COMPANY) },
                { "admin_email", column_string(res, row, COL_EMAIL) },
                { "whmcs_service_id", column_integer(res, row, COL_WHMCS) },
                { "created_at", column_string(res, row, COL_CREATED) },
                /* The current suspension, while there is one (a past one is not what an
                 * operator reading "suspended_at" on an active tenant would take it for); the
                 * last of each, whatever the state. */
                { "suspended_at", allow ? json_null() : column_string(res, row, COL_SUSPENDED) },
                { "suspend_reason", allow ? json_null() : column_string(res, row, COL_SUSPEND_REASON) },
                { "last_suspended_at", column_string(res, row, COL_SUSPENDED) },
                { "last_unsuspended_at", column_string(res, row, COL_UNSUSPENDED) },
                /* What differs from what vumaerp set (access.h): [] when nothing. */
                { "drift", json_loads(PQgetvalue(res, row, COL_DRIFT), 0, NULL) },
                /* What it bought (plan.h): null plan and cap when none. */
                { "plan", column_string(res, row, COL_PLAN) },
                { "max_users", column_integer(res, row, COL_MAX_USERS) },
                { "extra_users", PQgetisnull(res, row, COL_EXTRA_USERS) ? json_integer(0) :
                                 column_integer(res, row, COL_EXTRA_USERS) },
        };
        const Plan *plan = PQgetisnull(res, row, COL_PLAN) ? NULL : config_find_plan(c, PQgetvalue(res, row, COL_PLAN));
        int r = 0;
        int64_t files = 0;
        json_t *disk;

        /* json_object_set_new() takes (and on failure frees) every value, so all are handed
         * over even after one fails; a NULL value (OOM, or a name not in UTF-8) fails the row. */
        for (size_t i = 0; i < ELEMENTSOF(fields); i++)
                if (!fields[i].value || json_object_set_new(obj, fields[i].key, fields[i].value) < 0)
                        r = -ENOMEM;
        /* The tenant's attachments, measured at each call (about a millisecond for a template's
         * thousand files): with the database, what it takes on disk, and what a host bills. Null
         * when vumaerp has no data dir or may not read the tree. */
        if (c->odoo_data_dir && filestore_size(c->odoo_data_dir, name, &files) >= 0 && !PQgetisnull(res, row, COL_SIZE)) {
                if (json_object_set_new(obj, "filestore_bytes", json_integer(files)) < 0 ||
                    json_object_set_new(obj, "disk_bytes",
                                        json_integer(files + strtoll(PQgetvalue(res, row, COL_SIZE), NULL, 10))) < 0)
                        r = -ENOMEM;
        } else if (json_object_set_new(obj, "filestore_bytes", json_null()) < 0 ||
                   json_object_set_new(obj, "disk_bytes", json_null()) < 0)
                r = -ENOMEM;
        /* The plan's storage quota, and whether what it takes on disk is past it: reported, never
         * acted on (the host bills or asks; vumaerp deletes nothing). Null without a plan (or one
         * plans.yaml no longer has) or without a disk size. */
        disk = json_object_get(obj, "disk_bytes");
        if (json_object_set_new(obj, "storage_mb", plan ? json_integer(plan->storage_mb) : json_null()) < 0 ||
            json_object_set_new(obj, "over_quota", plan && json_is_integer(disk) ?
                                json_boolean(json_integer_value(disk) > (json_int_t) plan->storage_mb * 1024 * 1024) :
                                json_null()) < 0)
                r = -ENOMEM;
        return r;
}

/* Runs the tenant query for one name (or all when name is NULL). Returns an exit status; on
 * success *ret_res holds the rows, on failure *ret the error. */
static int query_tenants(const Config *c, const char *name, int size_max_age, PGconn **ret_conn, PGresult **ret_res, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_free_ char *error = NULL, *excluded = NULL;
        const char *params[4];
        char max_age[16];
        PGresult *res;
        int r;

        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);

        excluded = tenant_excluded_names(c);
        if (!excluded)
                return result_oom(ret);
        params[0] = c->odoo_role;
        params[1] = excluded;
        params[2] = name;
        (void) snprintf(max_age, sizeof max_age, "%d", size_max_age);
        params[3] = max_age;

        res = pg_exec(conn, NULL, tenant_query, 4, params);
        if (!res)
                return pg_failure(conn, "listing tenant databases", ret);
        *ret_conn = TAKE_PTR(conn);
        *ret_res = res;
        return EXIT_OK;
}

int tenant_list(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_json_ json_t *out = NULL, *tenants = NULL;
        int bad = 0, status, n;
        bool fresh = request_bool(request, "fresh_sizes", false, &bad);

        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "bad_request", "fresh_sizes must be true or false");
        status = query_tenants(c, NULL, fresh ? 0 : SIZE_CACHE_MAX_AGE_SEC, &conn, &res, ret);
        if (status != EXIT_OK)
                return status;

        n = PQntuples(res);
        tenants = json_array();
        out = result_ok();
        if (!tenants || !out)
                return result_oom(ret);
        for (int i = 0; i < n; i++) {
                json_t *t = json_object();

                if (!t || json_array_append_new(tenants, t) < 0 || tenant_fill(c, res, i, t) < 0)
                        return result_fail(ret, EXIT_SOFTWARE, "out_of_memory",
                                           "cannot represent tenant database %d of %d", i + 1, n);
        }
        if (json_object_set_new(out, "count", json_integer(n)) < 0 ||
            json_object_set_new(out, "tenants", TAKE_PTR(tenants)) < 0)
                return result_oom(ret);

        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* status only: the newest backup the registry knows of, as {"path","created_at","size_bytes"},
 * or null. Any tenant, whatever its state: a terminated one's backup is the point of it. */
static int last_backup(PGconn *conn, const char *name, json_t *obj) {
        json_t *v = NULL;
        int r;

        r = registry_backup_last(conn, name, &v);
        if (r < 0)
                return r;
        if (json_object_set_new(obj, "last_backup", v) < 0)
                return -ENOMEM;
        return 0;
}

/* status only, and only for an active tenant: what its Odoo database says — internal users
 * (tenant-cap.h: the count vumaerp trusts, and whether it is over the plan's cap, max_users; null
 * when there is no cap or no count), whether the cap's guard is in place as vumaerp made it, the
 * last login (res_users_log, written by Odoo at each login), installed modules. Its own
 * connection, with a statement timeout so a tenant busy with locks cannot hold status up. A
 * database without Odoo's tables, or one that cannot be reached (suspended meanwhile), gives
 * nulls: status describes, it does not fail for what it cannot see. */
static int odoo_activity(const Config *c, const char *name, const char *plan, int max_users, int service_uid,
                         json_t *obj) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL;
        json_t *users = NULL, *last_login = NULL, *modules = NULL, *over_cap = NULL, *guard = NULL, *apps = NULL;
        int r = 0, n;
        bool intact;

        if (tenant_db_connect(c, name, &conn, &error) < 0) {
                log_debug("status %s: cannot read its Odoo database: %s", name, strempty(error));
                goto out;
        }
        res = pg_exec(conn, NULL, "SET statement_timeout = '5s'", 0, NULL);
        if (!res)
                goto out;
        PQclear(res);
        res = pg_exec(conn, NULL,
                      "SELECT to_regclass('public.res_users') IS NOT NULL"
                      "   AND to_regclass('public.res_users_log') IS NOT NULL"
                      "   AND to_regclass('public.ir_module_module') IS NOT NULL",
                      0, NULL);
        if (!res || !streq(PQgetvalue(res, 0, 0), "t"))
                goto out;
        PQclear(res);
        /* Odoo writes create_date as UTC without a time zone. */
        res = pg_exec(conn, NULL,
                      "SELECT (SELECT to_char(max(create_date), 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM public.res_users_log),"
                      "       (SELECT count(*) FROM public.ir_module_module WHERE state = 'installed')",
                      0, NULL);
        if (!res)
                goto out;
        last_login = column_string(res, 0, 0);
        modules = column_integer(res, 0, 1);
        if (max_users > 0) {
                r = tenant_cap_guard_intact(conn, max_users, service_uid, &intact);
                if (r == -ENOMEM)
                        goto out;
                guard = r < 0 ? NULL : json_boolean(intact);
                r = 0;
        }
        n = tenant_cap_count(conn, service_uid);
        if (n >= 0) {
                users = json_integer(n);
                if (max_users > 0)
                        over_cap = json_boolean(n > max_users);
        } else
                log_debug("status %s: cannot count its users: %s", name, n == -EIO ? PQerrorMessage(conn) : strerror(-n));
        /* The plan's apps (plan-apps.h): installed, hidden or not installed. */
        if (plan && config_find_plan(c, plan)) {
                n = plan_apps_status(conn, config_find_plan(c, plan), &apps);
                if (n == -ENOMEM)
                        r = n;
                else if (n < 0)
                        log_debug("status %s: cannot read its apps: %s", name, PQerrorMessage(conn));
        }
out:;
        /* Each value handed over (json_object_set_new() takes it even when it fails); null when
         * not known. */
        const struct { const char *key; json_t *value; } found[] = {
                { "apps", apps }, { "over_cap", over_cap }, { "cap_guard", guard }, { "users", users },
                { "last_login", last_login }, { "installed_modules", modules },
        };
        for (size_t i = 0; i < ELEMENTSOF(found); i++)
                if (json_object_set_new(obj, found[i].key, found[i].value ? found[i].value : json_null()) < 0)
                        r = -ENOMEM;
        return r;
}

int tenant_status(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_json_ json_t *out = NULL;
        const char *name, *recorded;
        TenantOwner owner;
        OwnerVerdict v;
        int status, r;

        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        name = owner.db_name;
        /* status takes no lock; a claim, which writes, takes one of its own first. */
        if (owner.claim) {
                status = owner_claim(c, &owner, ret);
                if (status != EXIT_OK)
                        return status;
        }

        status = query_tenants(c, name, 0, &conn, &res, ret);
        if (status != EXIT_OK)
                return status;

        if (PQntuples(res) == 0)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", name);
        /* Another service's tenant is not described to it: the same check as the locked actions',
         * on the row just read. */
        recorded = PQgetisnull(res, 0, COL_WHMCS) ? NULL : PQgetvalue(res, 0, COL_WHMCS);
        v = owner_decide(owner.whmcs_service_id, false, recorded, true);
        if (v != OWNER_GO)
                return owner_refusal(&owner, v, recorded, ret);

        out = result_ok();
        if (!out || tenant_fill(c, res, 0, out) < 0)
                return result_oom(ret);
        r = last_backup(conn, name, out);
        if (r == -EIO)
                return pg_failure(conn, "reading the backups", ret);
        if (r < 0)
                return result_oom(ret);
        /* The restore drills of its backups (drill.h): the last one, and the last that passed. */
        r = registry_drill_status(conn, name, out);
        if (r == -EIO)
                return pg_failure(conn, "reading the restore drills", ret);
        if (r < 0)
                return result_oom(ret);
        /* A suspended tenant refuses connections, and must not be let in to be counted. */
        if (streq(PQgetvalue(res, 0, COL_ALLOWCONN), "t") ?
            odoo_activity(c, name, PQgetisnull(res, 0, COL_PLAN) ? NULL : PQgetvalue(res, 0, COL_PLAN),
                          PQgetisnull(res, 0, COL_MAX_USERS) ? 0 : atoi(PQgetvalue(res, 0, COL_MAX_USERS)),
                          atoi(PQgetvalue(res, 0, COL_SERVICE_UID)), out) < 0 :
            (json_object_set_new(out, "users", json_null()) < 0 ||
             json_object_set_new(out, "over_cap", json_null()) < 0 ||
             json_object_set_new(out, "cap_guard", json_null()) < 0 ||
             json_object_set_new(out, "apps", json_null()) < 0 ||
             json_object_set_new(out, "last_login", json_null()) < 0 ||
             json_object_set_new(out, "installed_modules", json_null()) < 0))
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}
