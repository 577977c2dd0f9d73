/* SPDX-License-Identifier: MIT */
/*
 * registry-tenant.c: owns the SQL on the registry's tenants table (registry-tenant.h): every move
 * of a tenant's state, with its times, and what the actions read of a row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-tenant.h"

/* unique_violation: on tenants, with the conflict on db_name handled by ON CONFLICT, only the
 * index that lets a WHMCS service own one live tenant (registry.c, schema version 3) raises it. */
#define SQLSTATE_UNIQUE_VIOLATION "23505"

/* A one-value result's text, malloc'd, or NULL for no row or SQL NULL. */
static int first_value(PGresult *res, char **ret) {
        *ret = NULL;
        if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0))
                return 0;
        *ret = strdup(PQgetvalue(res, 0, 0));
        return *ret ? 0 : -ENOMEM;
}

int registry_tenant_reserve(PGconn *conn, const RegistryTenant *t) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, country, company_name, admin_email, admin_login,"
                "                                 whmcs_service_id, state, created_at, updated_at,"
                "                                 plan, extra_users, max_users, plan_changed_at)"
                "     VALUES ($1, $2, $3, $4, $5, $6::bigint, 'provisioning', now(), now(),"
                "             $7::text, $8::int, nullif($9::int, 0), CASE WHEN $7::text IS NOT NULL THEN now() END)"
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     country = excluded.country, company_name = excluded.company_name,"
                "     admin_email = excluded.admin_email, admin_login = excluded.admin_login,"
                "     whmcs_service_id = excluded.whmcs_service_id, state = 'provisioning',"
                "     plan = excluded.plan, extra_users = excluded.extra_users, max_users = excluded.max_users,"
                "     plan_changed_at = excluded.plan_changed_at,"
                "     created_at = now(), updated_at = now(), suspended_at = NULL, suspend_reason = NULL,"
                "     unsuspended_at = NULL, terminated_at = NULL, service_uid = NULL"
                "   WHERE t.state = 'terminated'"
                " RETURNING 1";
        char extra[16], max[16];
        const char *params[9] = {
                t->db_name, t->country, t->company_name, t->admin_email, t->admin_login, t->whmcs_service_id,
                t->plan, extra, max,
        };
        char state[6] = "";
        _cleanup_pgresult_ PGresult *res = NULL;

        (void) snprintf(extra, sizeof extra, "%d", t->extra_users);
        (void) snprintf(max, sizeof max, "%d", t->max_users);
        res = pg_exec(conn, state, sql, 9, params);

        if (!res)
                return streq(state, SQLSTATE_UNIQUE_VIOLATION) ? -ENOTUNIQ : -EIO;
        return PQntuples(res) == 1 ? 0 : -EEXIST;
}

int registry_tenant_activate(PGconn *conn, const char *db_name) {
        static const char sql[] =
                "UPDATE public.tenants SET state = 'active', created_at = now(), updated_at = now()"
                " WHERE db_name = $1 AND state = 'provisioning'"
                " RETURNING 1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        if (!res)
                return -EIO;
        return PQntuples(res) == 1 ? 0 : -ENOENT;
}

int registry_tenant_forget(PGconn *conn, const char *db_name) {
        static const char sql[] = "DELETE FROM public.tenants WHERE db_name = $1 AND state = 'provisioning'";

        return pg_run(conn, sql, 1, (const char *const[]) { db_name });
}

int registry_tenant_suspend(PGconn *conn, const char *db_name, const char *reason, bool changed, char **ret_reason) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, suspended_at, suspend_reason)"
                "     VALUES ($1, 'suspended', now(), $2)"
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     state = 'suspended',"
                "     suspended_at = CASE WHEN $3::bool OR t.suspended_at IS NULL THEN now() ELSE t.suspended_at END,"
                "     suspend_reason = CASE WHEN $3::bool THEN $2 ELSE coalesce($2, t.suspend_reason) END,"
                "     updated_at = now()"
                " RETURNING suspend_reason";
        const char *params[3] = { db_name, reason, changed ? "true" : "false" };
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 3, params);

        *ret_reason = NULL;
        if (!res)
                return -EIO;
        if (PQgetisnull(res, 0, 0))
                return 0;
        *ret_reason = strdup(PQgetvalue(res, 0, 0));
        return *ret_reason ? 0 : -ENOMEM;
}

int registry_tenant_unsuspend(PGconn *conn, const char *db_name, bool changed) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, unsuspended_at)"
                "     VALUES ($1, 'active', now())"
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     state = 'active',"
                "     unsuspended_at = CASE WHEN $2::bool OR t.unsuspended_at IS NULL THEN now() ELSE t.unsuspended_at END,"
                "     updated_at = now()";

        return pg_run(conn, sql, 2, (const char *const[]) { db_name, changed ? "true" : "false" });
}

int registry_tenant_set_state(PGconn *conn, const char *db_name, const char *state) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, terminated_at)"
                "     VALUES ($1, $2, CASE WHEN $2 = 'terminated' THEN now() END)"
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     state = $2,"
                "     terminated_at = CASE WHEN $2 = 'terminated' THEN now() ELSE t.terminated_at END,"
                "     updated_at = now()";

        return pg_run(conn, sql, 2, (const char *const[]) { db_name, state });
}

int registry_tenant_restored(PGconn *conn, const char *db_name, const char *source_db) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, country, company_name, admin_email, admin_login,"
                "                                 plan, extra_users, max_users, plan_changed_at, service_uid)"
                "     SELECT $1, 'active', src.country, src.company_name, src.admin_email, src.admin_login,"
                "            src.plan, coalesce(src.extra_users, 0), src.max_users, src.plan_changed_at, src.service_uid"
                "       FROM (SELECT NULL) x LEFT JOIN public.tenants src ON src.db_name = $2"
                /* An old row of the target name (a terminated tenant) describes another company:
                 * the row says what was restored, from the source's row. */
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     state = 'active', terminated_at = NULL, suspended_at = NULL, suspend_reason = NULL,"
                "     country = excluded.country, company_name = excluded.company_name,"
                "     admin_email = excluded.admin_email, admin_login = excluded.admin_login,"
                /* The plan travels with the data: the dump carries the guard it was made with. */
                "     plan = excluded.plan, extra_users = excluded.extra_users, max_users = excluded.max_users,"
                "     plan_changed_at = excluded.plan_changed_at,"
                /* So does the service user (tenant-service.h); a backup from before the source had
                 * one lacks it, and the next plan change that needs it says so (deleted). */
                "     service_uid = excluded.service_uid,"
                /* Its own owner back, unless that service has another live tenant by now (one
                 * each: the unique index): then the restored tenant has none, to be claimed. */
                "     whmcs_service_id = CASE WHEN t.db_name = $2 AND NOT EXISTS ("
                "         SELECT 1 FROM public.tenants o WHERE o.whmcs_service_id = t.whmcs_service_id"
                "            AND o.state <> 'terminated' AND o.db_name <> t.db_name)"
                "       THEN t.whmcs_service_id END,"
                "     updated_at = now()";

        return pg_run(conn, sql, 2, (const char *const[]) { db_name, source_db });
}

void registry_plan_done(RegistryPlan *p) {
        free(p->plan);
        *p = (RegistryPlan) {};
}

int registry_tenant_get_plan(PGconn *conn, const char *db_name, RegistryPlan *ret) {
        static const char sql[] =
                "SELECT plan, extra_users, coalesce(max_users, 0), coalesce(service_uid, 0)"
                "  FROM public.tenants WHERE db_name = $1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });
        int r;

        *ret = (RegistryPlan) {};
        if (!res)
                return -EIO;
        r = first_value(res, &ret->plan);
        if (r < 0)
                return r;
        if (PQntuples(res) == 1) {
                ret->extra_users = atoi(PQgetvalue(res, 0, 1));
                ret->max_users = atoi(PQgetvalue(res, 0, 2));
                ret->service_uid = atoi(PQgetvalue(res, 0, 3));
        }
        return 0;
}

int registry_tenant_set_plan(PGconn *conn, const char *db_name, const char *plan, int extra_users, int max_users,
                             const char *state) {
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, plan, extra_users, max_users, plan_changed_at)"
                "     VALUES ($1, $5, $2, $3::int, nullif($4::int, 0), now())"
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     plan = excluded.plan, extra_users = excluded.extra_users, max_users = excluded.max_users,"
                "     plan_changed_at = now(), updated_at = now()";
        char extra[16], max[16];

        (void) snprintf(extra, sizeof extra, "%d", extra_users);
        (void) snprintf(max, sizeof max, "%d", max_users);
        return pg_run(conn, sql, 5, (const char *const[]) { db_name, plan, extra, max, state });
}

int registry_tenant_set_service_uid(PGconn *conn, const char *db_name, int service_uid) {
        static const char sql[] =
                "UPDATE public.tenants SET service_uid = nullif($2::int, 0), updated_at = now() WHERE db_name = $1";
        char uid[16];
        int r;

        (void) snprintf(uid, sizeof uid, "%d", service_uid);
        r = pg_run(conn, sql, 2, (const char *const[]) { db_name, uid });
        return r < 0 ? r : 0;
}

int registry_tenant_is_live(PGconn *conn, const char *db_name) {
        static const char sql[] = "SELECT 1 FROM public.tenants WHERE db_name = $1 AND state <> 'terminated'";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        if (!res)
                return -EIO;
        return PQntuples(res) > 0;
}

int registry_tenant_get_owner(PGconn *conn, const char *db_name, char **ret_service_id) {
        static const char sql[] = "SELECT whmcs_service_id FROM public.tenants WHERE db_name = $1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        *ret_service_id = NULL;
        if (!res)
                return -EIO;
        return first_value(res, ret_service_id);
}

int registry_tenant_claim(PGconn *conn, const char *db_name, const char *service_id, const char *state) {
        /* Only a row without an owner takes one: an owner is never replaced by a claim. */
        static const char sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, whmcs_service_id)"
                "     VALUES ($1, $3, $2::bigint)"
                " ON CONFLICT (db_name) DO UPDATE SET whmcs_service_id = excluded.whmcs_service_id, updated_at = now()"
                "   WHERE t.whmcs_service_id IS NULL"
                " RETURNING 1";
        char sqlstate[6] = "";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, sqlstate, sql, 3, (const char *const[]) { db_name, service_id, state });

        if (!res)
                return streq(sqlstate, SQLSTATE_UNIQUE_VIOLATION) ? -ENOTUNIQ : -EIO;
        return PQntuples(res) == 1 ? 0 : -EEXIST;
}

int registry_tenant_find_by_service(PGconn *conn, const char *service_id, char **ret_db_name) {
        /* The predicate of the unique index, so the index answers it. */
        static const char sql[] =
                "SELECT db_name FROM public.tenants"
                " WHERE whmcs_service_id = $1::bigint AND whmcs_service_id IS NOT NULL AND state <> 'terminated'"
                " ORDER BY db_name LIMIT 1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { service_id });

        *ret_db_name = NULL;
        if (!res)
                return -EIO;
        return first_value(res, ret_db_name);
}

int registry_tenant_get_state(PGconn *conn, const char *db_name, char **ret_state, json_t **ret_backup) {
        static const char sql[] =
                "SELECT t.state,"
                "       (SELECT jsonb_build_object('path', b.path, 'size_bytes', b.size_bytes, 'sha256', b.sha256,"
                "                                  'filestore_path', b.filestore_path, 'filestore_size_bytes', b.filestore_size_bytes,"
                "                                  'filestore_sha256', b.filestore_sha256)"
                "          FROM public.backups b WHERE b.db_name = t.db_name AND b.kind = 'terminate'"
                "         ORDER BY b.created_at DESC, b.id DESC LIMIT 1)"
                "  FROM public.tenants t WHERE t.db_name = $1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });
        _cleanup_free_ char *state = NULL;

        *ret_state = NULL;
        *ret_backup = NULL;
        if (!res)
                return -EIO;
        if (PQntuples(res) != 1)
                return 0;
        state = strdup(PQgetvalue(res, 0, 0));
        if (!state)
                return -ENOMEM;
        if (!PQgetisnull(res, 0, 1)) {
                *ret_backup = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
                if (!*ret_backup)
                        return -ENOMEM;
        }
        *ret_state = TAKE_PTR(state);
        return 0;
}
