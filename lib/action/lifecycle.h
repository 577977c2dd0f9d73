/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.h: suspending, unsuspending and terminating a tenant, each inside a tenant session
 * (session.h). Each also takes "whmcs_service_id" and "claim" (owner.h): with them it acts only on
 * that WHMCS service's tenant (409 owned_by_another_service, 409 unclaimed), found by the service
 * when "db_name" is absent.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Request "db_name", optional "reason" (≤ 1024 characters, stored verbatim in the registry).
 * Holds the database (access.h: owned by the holder role, connections refused, no CONNECT) and
 * ends the open sessions, so Odoo sees 'database "x" is not currently accepting connections' and
 * Odoo's role has no statement that re-opens it. Idempotent.
 * {"success":true,"db_name":…,"status":"suspended","changed":bool} */
int tenant_suspend(const Config *c, json_t *request, json_t **ret);

/* Request "db_name". Open again: owned by Odoo's role, connections allowed. Idempotent.
 * {"success":true,"db_name":…,"status":"active","changed":bool} */
int tenant_unsuspend(const Config *c, json_t *request, json_t **ret);

/* Request "db_name", optional "skip_backup". Backs up first (verified), and only then drops the
 * database and its filestore. A failed backup: 503 backup_failed, nothing dropped. A repeat of a
 * finished termination answers success with "changed": false.
 * {"success":true,"db_name":…,"status":"terminated","changed":bool,
 *  "backup":{"path","size_bytes","sha256"}|null} */
int tenant_terminate(const Config *c, json_t *request, json_t **ret);
