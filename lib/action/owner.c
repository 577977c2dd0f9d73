/* SPDX-License-Identifier: MIT */
/*
 * owner.c: owns the check of who may act on a tenant (owner.h): reading the service a request
 * comes from, finding a service's tenant, and refusing or recording a claim under the tenant's
 * lock. The rows are written through registry-tenant.h.
 */
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "names.h"
#include "owner.h"
#include "pg.h"
#include "provision-order.h"
#include "registry.h"
#include "registry-tenant.h"
#include "result.h"

OwnerVerdict owner_decide(const char *asked, bool claim, const char *recorded, bool exists) {
        if (isempty(asked))
                return OWNER_GO;
        if (recorded)
                return streq(asked, recorded) ? OWNER_GO : OWNER_OTHER;
        if (!exists)
                return OWNER_NO_TENANT;
        return claim ? OWNER_CLAIM : OWNER_UNCLAIMED;
}

int owner_refusal(const TenantOwner *o, OwnerVerdict v, const char *recorded, json_t **ret) {
        switch (v) {
        case OWNER_OTHER:
                return result_fail(ret, EXIT_EXISTS, "owned_by_another_service",
                                   "tenant \"%s\" belongs to WHMCS service %s, not to service %s: nothing was changed",
                                   o->db_name, strempty(recorded), o->whmcs_service_id);
        case OWNER_UNCLAIMED:
                return result_fail(ret, EXIT_EXISTS, "unclaimed",
                                   "tenant \"%s\" has no WHMCS service recorded as its owner (it was made at the shell): "
                                   "nothing was changed; claim it once for service %s with \"claim\": true "
                                   "(vumaerp-status --whmcs-service-id %s --claim %s)",
                                   o->db_name, o->whmcs_service_id, o->whmcs_service_id, o->db_name);
        case OWNER_NO_TENANT:
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", o->db_name);
        default:
                return result_fail(ret, EXIT_SOFTWARE, "internal_error", "owner check: unexpected verdict %d", (int) v);
        }
}

/* The tenant the service owns, into o->db_name. */
static int find_by_service(const Config *c, TenantOwner *o, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_free_ char *error = NULL, *name = NULL;
        int r;

        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = registry_tenant_find_by_service(conn, o->whmcs_service_id, &name);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(conn, "looking up the service's tenant", ret);
        /* The registry's names were checked when they were written; checked again, as every name
         * that reaches SQL is. */
        if (!name || db_name_check(c, name) < 0 || strlen(name) >= sizeof o->db_name)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "WHMCS service %s has no tenant",
                                   o->whmcs_service_id);
        memcpy(o->db_name, name, strlen(name) + 1);
        return EXIT_OK;
}

int owner_request(const Config *c, json_t *request, TenantOwner *ret_owner, json_t **ret) {
        json_t *given = json_object_get(request, "db_name");
        TenantOwner o = {};
        const char *name = NULL;
        int bad = 0, status;

        status = order_field_service_id(request, o.whmcs_service_id, ret);
        if (status != EXIT_OK)
                return status;
        o.claim = request_bool(request, "claim", false, &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "bad_request", "claim must be true or false");
        if (o.claim && !o.whmcs_service_id[0])
                return result_fail(ret, EXIT_USAGE, "bad_request", "claim needs the whmcs_service_id that claims the tenant");

        if ((!given || json_is_null(given)) && o.whmcs_service_id[0])
                status = find_by_service(c, &o, ret);
        else {
                status = request_db_name(c, request, &name, ret);
                if (status == EXIT_OK)
                        memcpy(o.db_name, name, strlen(name) + 1);   /* valid: at most 63 characters */
        }
        if (status != EXIT_OK)
                return status;
        *ret_owner = o;
        return EXIT_OK;
}

int owner_service_free(PGconn *conn, const char *service_id, const char *db_name, json_t **ret) {
        _cleanup_free_ char *owned = NULL;
        int r;

        r = registry_tenant_find_by_service(conn, service_id, &owned);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(conn, "looking up the service's tenant", ret);
        if (!owned || streq(owned, db_name))
                return EXIT_OK;
        return result_fail(ret, EXIT_EXISTS, "service_has_tenant",
                           "WHMCS service %s already has the tenant \"%s\" (a service has one tenant): "
                           "act on that one, or terminate it first",
                           service_id, owned);
}

/* Under the lock: the owner as the request says it, against the registry's row. */
static int check_locked(TenantSession *s, const TenantOwner *o, json_t **ret) {
        _cleanup_free_ char *recorded = NULL;
        OwnerVerdict v;
        TenantDb db;
        int status, r;

        r = registry_tenant_get_owner(s->conn, s->db_name, &recorded);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "looking up the tenant's owner", ret);
        status = tenant_session_inspect(s, &db, ret);
        if (status != EXIT_OK)
                return status;

        v = owner_decide(o->whmcs_service_id, o->claim, recorded, db.exists);
        if (v == OWNER_GO)
                return EXIT_OK;
        if (v != OWNER_CLAIM)
                return owner_refusal(o, v, recorded, ret);

        /* A tenant without a row (made before vumaerp) gets one in the state the catalog says. */
        r = registry_tenant_claim(s->conn, s->db_name, o->whmcs_service_id, db.access == ACCESS_OPEN ? "active" : "suspended");
        if (r == -ENOTUNIQ)
                return owner_service_free(s->conn, o->whmcs_service_id, s->db_name, ret);
        if (r == -EEXIST)
                /* Not while we hold the lock: every write of the row takes it. */
                return result_fail(ret, EXIT_EXISTS, "owned_by_another_service",
                                   "tenant \"%s\" was given an owner while it was being claimed: nothing was changed",
                                   s->db_name);
        if (r < 0)
                return pg_failure(s->conn, "recording the tenant's owner", ret);
        return EXIT_OK;
}

typedef struct OwnedCall {
        const TenantOwner *owner;
        TenantLockedFn fn;
        void *userdata;
} OwnedCall;

static int owned_locked(TenantSession *s, void *userdata, json_t **ret) {
        const OwnedCall *call = userdata;
        int status;

        status = check_locked(s, call->owner, ret);
        if (status != EXIT_OK || !call->fn)
                return status;
        return call->fn(s, call->userdata, ret);
}

int owner_session_run(const Config *c, const TenantOwner *o, const char *action, TenantLockedFn fn, void *userdata,
                      json_t **ret) {
        if (!o->whmcs_service_id[0])
                return tenant_session_run(c, o->db_name, action, fn, userdata, ret);
        return tenant_session_run(c, o->db_name, action, owned_locked,
                                  &(OwnedCall) { .owner = o, .fn = fn, .userdata = userdata }, ret);
}

int owner_claim(const Config *c, const TenantOwner *o, json_t **ret) {
        if (!o->whmcs_service_id[0])
                return EXIT_OK;
        return tenant_session_run(c, o->db_name, "claim", owned_locked, &(OwnedCall) { .owner = o }, ret);
}
