/* SPDX-License-Identifier: MIT */
/*
 * tenant.h: the tenant actions. Each takes the loaded config and the request (a flat JSON object
 * of fields), sets *ret to the JSON result (result.h) and returns the exit status (macro.h
 * EXIT_*). They know nothing of HTTP.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Every tenant database: owned by the Odoo role or the holder; not a template, postgres, nor the
 * control database. {"success":true,"count":N,"tenants":[{db_name,state,size_bytes,size,drift,…}]}
 * Sizes may be up to an hour old (size_measured_at says when), unless fresh_sizes is true. */
int tenant_list(const Config *c, json_t *request, json_t **ret);

/* One tenant, request field "db_name", optional "whmcs_service_id" and "claim" (owner.h: another
 * service's tenant is not described, 409; a claim takes the tenant's lock for the moment it is
 * recorded). Invalid name: 400 invalid_db_name; absent: 404 no_such_tenant. {"success":true,"db_name":…,"state":"active"|"suspended","size_bytes":…,
 * "last_backup":…,"last_drill":…,"last_good_drill":… (registry-drill.h),…} */
int tenant_status(const Config *c, json_t *request, json_t **ret);

/* The names that are never tenants even when Odoo's role owns them (the reserved databases of
 * names.h, every country's template and every plan's, template-choice.h), as a JSON array text;
 * NULL on OOM. */
char *tenant_excluded_names(const Config *c);

/* Puts back what was changed on any tenant database since vumaerp set it (access.h,
 * ACCESS_DRIFT_SQL): its access as the registry's state says (active: open; suspended: held),
 * no per-database settings. Each under the tenant's lock; a tenant an action is still making or
 * removing is left to that action. One journal entry per tenant repaired (MESSAGE_ID_DRIFT).
 * {"success":true,"count":N,"repaired":[{"db_name","drift":[…]}]} */
int tenant_reconcile(const Config *c, json_t *request, json_t **ret);
