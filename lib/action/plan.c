/* SPDX-License-Identifier: MIT */
/*
 * plan.c: owns applying a plan to a tenant (plan.h): the cap it gives, the guard put in place
 * through tenant-cap.h, the journal note, and the plan action that changes a tenant's plan.
 */
#include <stdlib.h>

#include "log.h"
#include "owner.h"
#include "plan-apps.h"
#include "pg.h"
#include "plan.h"
#include "provision-order.h"
#include "registry-operation.h"
#include "registry-tenant.h"
#include "result.h"
#include "tenant-cap.h"
#include "tenant-db.h"

int plan_max_users(const Plan *p, int extra_users) {
        return p ? p->max_users + extra_users : 0;
}

/* Adds the object n (taken; NULL: out of memory) to the operation's journal. */
static int journal(TenantSession *s, json_t *n) {
        _cleanup_json_ json_t *owned = n;
        _cleanup_free_ char *text = NULL;

        if (!s->operation_id)
                return 0;
        if (!owned)
                return -ENOMEM;
        text = json_dumps(owned, JSON_COMPACT);
        if (!text)
                return -ENOMEM;
        return registry_operation_note(s->conn, s->operation_id, text);
}

static int note(TenantSession *s, const Plan *to, int extra_users, const char *from, int max_from, int users) {
        return journal(s, json_pack("{s:{s:s?,s:s?,s:i,s:i,s:i,s:i}}", "plan",
                                    "from", from, "to", to ? to->code : NULL,
                                    "max_users_from", max_from, "max_users_to", plan_max_users(to, extra_users),
                                    "extra_users", extra_users, "users", users));
}

/* plan_apply() with the service user's id, which the cap leaves out (0: none). */
static int apply_cap(TenantSession *s, PGconn *tenant, const Plan *to, int extra_users, const char *from, int max_from,
                     int service_uid, int *ret_users, json_t **ret) {
        int max = plan_max_users(to, extra_users), r;

        r = tenant_cap_apply(tenant, max, service_uid, ret_users);
        if (r == -EUSERS)
                return result_fail(ret, EXIT_EXISTS, "users_over_cap",
                                   "tenant \"%s\" has %d internal users, more than plan %s allows (%d, with %d extra): "
                                   "nothing was changed; archive users in Odoo first, or choose a larger plan",
                                   s->db_name, *ret_users, to->code, max, extra_users);
        if (r == -ENOENT)
                return result_fail(ret, EXIT_SOFTWARE, "not_odoo",
                                   "tenant \"%s\" has no res_users table: not an Odoo database", s->db_name);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(tenant, "applying the plan's user cap in the tenant", ret);

        r = note(s, to, extra_users, from, max_from, *ret_users);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "journaling the plan", ret);
        return EXIT_OK;
}

int plan_apply(TenantSession *s, PGconn *tenant, const Plan *to, int extra_users, const char *from, int max_from,
               int *ret_users, json_t **ret) {
        return apply_cap(s, tenant, to, extra_users, from, max_from, 0, ret_users, ret);
}

/* The apps' part of the journal: {"apps": {"installed": [...], "hidden": [...], "shown": [...]}}. */
static int note_apps(TenantSession *s, json_t *done) {
        return journal(s, json_pack("{s:O}", "apps", done));
}

typedef struct PlanChange {
        const Plan *plan;
        int extra_users;   /* -1: keep the tenant's */
} PlanChange;

static int answer(const char *db_name, const Plan *plan, int extra_users, int users, const RegistryPlan *before,
                  json_t *apps, json_t **ret) {
        _cleanup_json_ json_t *out = result_ok();
        int max = plan_max_users(plan, extra_users);

        if (!out)
                return result_oom(ret);
        if (json_object_set_new(out, "db_name", json_string(db_name)) < 0 ||
            json_object_set_new(out, "plan", json_string(plan->code)) < 0 ||
            json_object_set_new(out, "plan_name", json_string(plan->name)) < 0 ||
            json_object_set_new(out, "max_users", json_integer(max)) < 0 ||
            json_object_set_new(out, "extra_users", json_integer(extra_users)) < 0 ||
            json_object_set_new(out, "users", users >= 0 ? json_integer(users) : json_null()) < 0 ||
            json_object_set_new(out, "previous_plan", before->plan ? json_string(before->plan) : json_null()) < 0 ||
            json_object_set_new(out, "previous_max_users",
                                before->max_users > 0 ? json_integer(before->max_users) : json_null()) < 0 ||
            json_object_set_new(out, "apps", json_incref(apps)) < 0 ||
            json_object_set_new(out, "changed", json_boolean(!streq_ptr(before->plan, plan->code) ||
                                                             before->max_users != max)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* After a failure that already answered: the tenant goes back to the cap the registry says. A
 * statement that failed inside a transaction (a customer's trigger refusing vumaerp's service user
 * its key) left it aborted, and tenant_cap_apply()'s BEGIN would fail too: rolled back first. */
static void cap_put_back(TenantSession *s, PGconn *tenant, int max_users, int service_uid, const char *after) {
        int r, n;

        if (PQtransactionStatus(tenant) != PQTRANS_IDLE)
                (void) pg_run(tenant, "ROLLBACK", 0, NULL);
        r = tenant_cap_apply(tenant, max_users, service_uid, &n);
        if (r < 0 && r != -EUSERS)
                log_error("%s: cannot put its user cap back to %d after %s: %s", s->db_name, max_users, after,
                          r == -EIO ? PQerrorMessage(tenant) : strerror(-r));
}

static int plan_locked(TenantSession *s, void *userdata, json_t **ret) {
        const PlanChange *change = userdata;
        _cleanup_(registry_plan_done) RegistryPlan before = {};
        _cleanup_(plan_apps_done) PlanApps apps = {};
        _cleanup_json_ json_t *done = NULL;
        _cleanup_pgconn_ PGconn *tenant = NULL;
        _cleanup_free_ char *error = NULL;
        int extra, users = -1, status, r;
        TenantDb db;

        status = tenant_session_inspect(s, &db, ret);
        if (status != EXIT_OK)
                return status;
        if (!db.exists)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", s->db_name);
        /* A suspended tenant admits nobody (access.h); opening it for a moment would let its users in. */
        if (db.access != ACCESS_OPEN)
                return result_fail(ret, EXIT_EXISTS, "tenant_suspended",
                                   "%s is suspended: unsuspend it before changing its plan", s->db_name);

        r = registry_tenant_get_plan(s->conn, s->db_name, &before);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "reading the tenant's plan", ret);
        extra = change->extra_users >= 0 ? change->extra_users : before.extra_users;

        r = tenant_db_connect(s->config, s->db_name, &tenant, &error);
        if (r < 0)
                return pg_connect_failure(r, "the tenant's database", error, ret);
        /* First what refuses without changing anything: a cap below the users (counted again,
         * and refused, under the lock of apply_cap), a tampered service user; then the service
         * user made if need be, the cap, and the apps through Odoo. */
        users = tenant_cap_count(tenant, before.service_uid);
        if (users == -EIO)   /* the transaction is aborted: answered now, with the server's message */
                return pg_failure(tenant, "applying the plan's user cap in the tenant", ret);
        if (users < 0 || users > plan_max_users(change->plan, extra)) {
                /* Counted again under apply_cap's lock: refused there, or (a user archived in
                 * between) the cap fits after all, and the change goes on; the cap is applied
                 * and journaled once more below, with the service user's id. */
                status = apply_cap(s, tenant, change->plan, extra, before.plan, before.max_users, before.service_uid,
                                   &users, ret);
                if (status != EXIT_OK)
                        return status;
        }
        status = plan_apps_prepare(s, tenant, before.plan ? config_find_plan(s->config, before.plan) : NULL,
                                   change->plan, before.service_uid, &apps, ret);
        if (status != EXIT_OK)
                return status;
        status = apply_cap(s, tenant, change->plan, extra, before.plan, before.max_users, apps.service_uid, &users, ret);
        if (status != EXIT_OK)
                return status;
        status = plan_apps_run(s, tenant, &apps, &done, ret);
        if (status != EXIT_OK) {
                /* The tenant keeps the cap the registry says; an app Odoo installed before the
                 * failure stays installed (installing again is a no-op, uninstalling loses data). */
                cap_put_back(s, tenant, before.max_users, apps.service_uid, "the plan's apps failed");
                return status;
        }
        r = note_apps(s, done);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "journaling the plan's apps", ret);

        r = registry_tenant_set_plan(s->conn, s->db_name, change->plan->code, extra,
                                     plan_max_users(change->plan, extra), "active");
        if (r < 0) {
                status = pg_failure(s->conn, "recording the plan in the registry", ret);
                /* The registry is what status and the bill read: the tenant goes back to the cap it
                 * says, or the two would disagree. */
                cap_put_back(s, tenant, before.max_users, apps.service_uid, "the registry refused the plan");
                return status;
        }
        return answer(s->db_name, change->plan, extra, users, &before, done, ret);
}

int tenant_plan(const Config *c, json_t *request, json_t **ret) {
        PlanChange change = {};
        TenantOwner owner;
        int status;

        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        if (!json_is_string(json_object_get(request, "plan")))
                return json_object_get(request, "plan") && !json_is_null(json_object_get(request, "plan")) ?
                        result_fail(ret, EXIT_BAD_INPUT, "invalid_request", "plan must be a string") :
                        result_fail(ret, EXIT_USAGE, "missing_plan", "plan is required: a code of %s",
                                    c->plans_path ? c->plans_path : "plans.yaml (none is configured)");
        status = order_field_plan(c, request, &change.plan, &change.extra_users, ret);
        if (status != EXIT_OK)
                return status;
        return owner_session_run(c, &owner, "plan", plan_locked, &change, ret);
}
