/* SPDX-License-Identifier: MIT */
/*
 * reconcile.c: owns vumaerp-reconcile: finding tenant databases whose catalog settings differ
 * from what vumaerp set (access.h, ACCESS_DRIFT_SQL) and putting them back.
 *
 * Why it exists: Odoo serves only databases its role owns, so its role owns every active tenant,
 * and every customer can act as that role: one customer may ALTER DATABASE another's (CONNECTION
 * LIMIT 0, SET default_transaction_read_only, GRANT). PostgreSQL cannot stop that while Odoo's
 * role is the owner; vumaerp shows it (status, list) and undoes it, from a timer.
 */
#include <stdlib.h>

#include "access.h"
#include "session.h"
#include "sso.h"
#include "log.h"
#include "message-id.h"
#include "pg.h"
#include "registry.h"
#include "result.h"
#include "tenant.h"

/* $1 Odoo's role, $2 the excluded names (JSON), $3 one name or NULL. */
static const char drift_query[] =
        "SELECT d.datname, " ACCESS_DRIFT_SQL("$1") ", " ACCESS_STATE_SQL("$1") ", t.state"
        "  FROM pg_catalog.pg_database d"
        "  JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
        "  LEFT JOIN public.tenants t ON t.db_name = d.datname"
        " WHERE " ACCESS_OWNER_SQL("$1")
        "   AND NOT d.datistemplate"
        "   AND d.datname NOT IN (SELECT pg_catalog.jsonb_array_elements_text($2::jsonb))"
        "   AND ($3::text IS NULL OR d.datname = $3::text)"
        " ORDER BY d.datname COLLATE \"C\"";

static PGresult *drift_rows(const Config *c, PGconn *conn, const char *excluded, const char *name) {
        const char *params[3] = { c->odoo_role, excluded, name };

        return pg_exec(conn, NULL, drift_query, 3, params);
}

typedef struct Repair {
        const char *excluded;
        json_t *drift;        /* out: what was put back */
} Repair;

static int repair_locked(TenantSession *s, void *userdata, json_t **ret) {
        Repair *q = userdata;
        const Config *c = s->config;
        const char *name = s->db_name;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_json_ json_t *drift = NULL;
        const char *registry;
        AccessState want, now;
        int r;

        res = drift_rows(c, s->conn, q->excluded, name);
        if (!res)
                return pg_failure(s->conn, "looking at the tenant", ret);
        if (PQntuples(res) != 1)
                return EXIT_OK;   /* gone meanwhile */
        drift = json_loads(PQgetvalue(res, 0, 1), 0, NULL);
        now = access_state_from_string(PQgetvalue(res, 0, 2));
        registry = PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3);
        if (!json_is_array(drift))
                return result_oom(ret);
        if (json_array_size(drift) == 0 || streq_ptr(registry, "provisioning") || streq_ptr(registry, "terminating"))
                return EXIT_OK;

        /* The registry says what the tenant is; without a row (made before vumaerp), what
         * Odoo could do with it until now. */
        if (registry)
                want = streq(registry, "active") ? ACCESS_OPEN : ACCESS_HELD;
        else
                want = now == ACCESS_OPEN ? ACCESS_OPEN : ACCESS_HELD;
        if (access_set(s->conn, c, name, want) < 0 || access_reset_settings(s->conn, name) < 0)
                return pg_failure(s->conn, "putting the database back", ret);
        if (want == ACCESS_HELD) {
                r = tenant_end_sessions(s->conn, name);
                if (r < 0)
                        return pg_failure(s->conn, "ending the open sessions", ret);
        }
        {
                _cleanup_free_ char *text = json_dumps(drift, JSON_COMPACT);
                LogContext ctx = LOG_CONTEXT_INIT;

                ctx.action = "reconcile";
                ctx.db = name;
                ctx.outcome = "repaired";
                log_event(LOG_WARNING, MESSAGE_ID_DRIFT, &ctx,
                          "%s: its database had been changed behind vumaerp's back (%s); put back to %s",
                          name, strempty(text), access_state_to_string(want));
        }
        q->drift = TAKE_PTR(drift);
        return EXIT_OK;
}

/* Under the tenant's lock: looks again (an action may have changed it meanwhile), puts back
 * what drifted. Returns an exit status; *ret_drift the JSON array of what was put back, NULL
 * when there was nothing (or the tenant is an action's to finish). */
static int repair_one(const Config *c, const char *excluded, const char *name, json_t **ret_drift, json_t **ret) {
        Repair q = { .excluded = excluded };
        int status = tenant_session_run(c, name, "reconcile", repair_locked, &q, ret);

        *ret_drift = q.drift;
        return status;
}

int tenant_reconcile(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL, *excluded = tenant_excluded_names(c);
        _cleanup_json_ json_t *out = NULL, *repaired = json_array();
        int r, swept, status = EXIT_OK;

        if (!excluded || !repaired)
                return result_oom(ret);
        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        /* Single sign-on's spent tokens go too: a hash nobody can use any more is worth nothing. */
        swept = sso_sweep(conn, ret);
        if (swept < 0)
                return EXIT_SOFTWARE;
        res = drift_rows(c, conn, excluded, NULL);
        if (!res)
                return pg_failure(conn, "listing tenant databases", ret);
        /* The locks are taken by each repair on its own connection: this one only looked. */
        PQfinish(TAKE_PTR(conn));

        for (int i = 0; i < PQntuples(res); i++) {
                _cleanup_json_ json_t *drift = NULL, *failure = NULL;
                const char *name = PQgetvalue(res, i, 0);
                json_t *entry;
                int k;

                if (streq(PQgetvalue(res, i, 1), "[]"))
                        continue;
                k = repair_one(c, excluded, name, &drift, &failure);
                if (k != EXIT_OK) {
                        /* One tenant that cannot be repaired now (busy, say) does not stop the
                         * others; the run fails so the timer's unit shows it. */
                        log_error("reconcile %s: %s", name, strempty(json_string_value(json_object_get(failure, "error"))));
                        status = k;
                        continue;
                }
                if (!drift)
                        continue;
                entry = json_pack("{s:s, s:O}", "db_name", name, "drift", drift);
                if (!entry || json_array_append_new(repaired, entry) < 0)
                        return result_oom(ret);
        }

        if (status != EXIT_OK)
                return result_fail(ret, status, "reconcile_incomplete",
                                   "some tenants could not be put back now (see the log); %zu were", json_array_size(repaired));
        out = result_ok();
        if (!out ||
            json_object_set_new(out, "count", json_integer((json_int_t) json_array_size(repaired))) < 0 ||
            json_object_set_new(out, "repaired", TAKE_PTR(repaired)) < 0 ||
            json_object_set_new(out, "sso_tokens_deleted", json_integer(swept)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}
