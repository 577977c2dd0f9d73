/* SPDX-License-Identifier: MIT */
/*
 * plan.h: what a tenant bought (issue 14) — its plan from plans.yaml and the extra users its WHMCS
 * service added, applied as a cap on its internal users (tenant-cap.h) and recorded in the
 * registry (registry-tenant.h), each change journaled in its operation's detail:
 *
 *   {"plan": {"from": "starter", "to": "business", "max_users_from": 3, "max_users_to": 12,
 *             "extra_users": 2, "users": 3}}
 *
 * Like every action (tenant.h): the loaded config and the request's fields in, the JSON answer in
 * *ret, the exit status returned.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "session.h"

/* The cap a plan with extra users gives; 0 (no cap) without a plan. */
int plan_max_users(const Plan *p, int extra_users);

/* Applies the cap on the tenant's open database connection (tenant_db_connect()) and journals it in
 * the session's operation: from (NULL: none) and max_from are what the registry said before.
 * Returns EXIT_OK, 409 users_over_cap (more internal users than the cap: nothing changed), or
 * what a failure answers; *ret set on failure. *ret_users: the count (-1: unknown). */
int plan_apply(TenantSession *s, PGconn *tenant, const Plan *to, int extra_users, const char *from, int max_from,
               int *ret_users, json_t **ret);

/* Request: db_name and/or whmcs_service_id (owner.h; claim), plan (required: a code of
 * plans.yaml), optional extra_users (0..100000; absent: the tenant's current ones). Under the
 * tenant's lock: a cap at or above the tenant's internal users applies at once (the guard in the
 * tenant replaced, the registry's row updated, the change journaled); one below it is refused with
 * 409 users_over_cap and nothing changed. A suspended tenant is refused (409 tenant_suspended): its
 * database admits nobody, not even vumaerp. Absent: 404 no_such_tenant.
 * {"success":true,"db_name","plan","plan_name","max_users","extra_users","users","previous_plan",
 *  "previous_max_users","changed": bool} */
int tenant_plan(const Config *c, json_t *request, json_t **ret);
