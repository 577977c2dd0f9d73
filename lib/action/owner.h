/* SPDX-License-Identifier: MIT */
/*
 * owner.h: who may act on a tenant — the WHMCS service a request says it comes from (issue 13).
 * The registry records each tenant's owner (registry-tenant.h: set at provisioning, or claimed
 * once for a tenant made at the shell), and a request that names a service acts only on that
 * service's tenant:
 *
 *   whmcs_service_id absent          as before: an admin at the shell acts on any tenant
 *   the recorded owner               the action goes on
 *   another service recorded         409 owned_by_another_service, nothing changed
 *   no owner recorded                409 unclaimed, nothing changed; with "claim": true the
 *                                    service is recorded as the owner and the action goes on
 *   no db_name                       the tenant is the one the service owns (404 no_such_tenant
 *                                    when it owns none)
 *
 * The check runs under the tenant's lock, before the action changes anything (owner_session_run()).
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "config.h"
#include "session.h"

/* Who a request says it is, and which tenant it names. */
typedef struct TenantOwner {
        char db_name[64];            /* the request's db_name (valid), or the service's tenant */
        char whmcs_service_id[24];   /* decimal; "" when the request gave none */
        bool claim;                  /* record the service as the owner of a tenant that has none */
} TenantOwner;

/* What owner_decide() says of a request against the registry's row. */
typedef enum OwnerVerdict {
        OWNER_GO,          /* no service named, or it is the recorded owner */
        OWNER_CLAIM,       /* no owner recorded, the request claims the tenant */
        OWNER_UNCLAIMED,   /* no owner recorded and no claim: 409 unclaimed */
        OWNER_OTHER,       /* another service is the owner (a claim too): 409 owned_by_another_service */
        OWNER_NO_TENANT,   /* no owner and no database: nothing to act on or claim, 404 no_such_tenant */
} OwnerVerdict;

/* Pure: asked is the request's service id ("" or NULL: none), recorded the row's (NULL: none or
 * no row), exists whether the tenant's database exists. */
OwnerVerdict owner_decide(const char *asked, bool claim, const char *recorded, bool exists);

/* The answer for a verdict other than OWNER_GO and OWNER_CLAIM (recorded: the row's owner).
 * Returns its exit status. */
int owner_refusal(const TenantOwner *o, OwnerVerdict v, const char *recorded, json_t **ret);

/* Reads "db_name", "whmcs_service_id" (order_field_service_id()) and "claim" from request. Without
 * a db_name but with a service id, the tenant is the one the registry says the service owns.
 * Returns EXIT_OK, or the exit status with *ret: 64 missing_db_name (neither given), 64
 * bad_request (claim without a service id), 65 invalid_db_name / invalid_whmcs_service_id /
 * bad_request (claim not a boolean), 404 no_such_tenant (the service owns none), or what opening
 * the registry answers. */
int owner_request(const Config *c, json_t *request, TenantOwner *ret_owner, json_t **ret);

/* tenant_session_run() on o->db_name, with the owner checked (and a claim recorded) under the
 * lock before fn runs, when o names a service. */
int owner_session_run(const Config *c, const TenantOwner *o, const char *action, TenantLockedFn fn, void *userdata,
                      json_t **ret);

/* The claim alone, in a session of its own ("claim"): for an action that takes no lock (status).
 * EXIT_OK with *ret untouched, or the refusal. */
int owner_claim(const Config *c, const TenantOwner *o, json_t **ret);

/* Whether the service may own db_name: EXIT_OK when it owns no live (not terminated) tenant, or
 * owns db_name itself; else 409 service_has_tenant, naming its tenant (its own). */
int owner_service_free(PGconn *conn, const char *service_id, const char *db_name, json_t **ret);
