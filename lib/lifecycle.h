/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.h: suspending, unsuspending and terminating a tenant, and the session every action
 * that changes one tenant opens first: the name checked, the control database open, the tenant's
 * advisory lock held, the operation journalled in the registry, and any earlier operation on the
 * tenant that was cut off half-way (a killed backup that had let pg_dump in) put right before
 * anything else happens.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "access.h"
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

/* How long an action waits for another one on the same tenant before answering 503 tenant_busy. */
#define TENANT_LOCK_TIMEOUT_MS 30000

typedef struct TenantSession {
        const Config *config;
        PGconn *conn;        /* the control database; holds the tenant's advisory lock */
        char *db_name;
        char *operation_id;  /* operations.id of this action (text), NULL when not recorded */
} TenantSession;

/* What PostgreSQL's catalog says of a tenant database. A database that exists but is not a tenant
 * (owned by neither Odoo's role nor the holder, or a template) counts as absent. */
typedef struct TenantDb {
        bool exists;
        AccessState access;
        unsigned oid;        /* tells this database from a later one of the same name */
} TenantDb;


/* Opens the registry, takes the tenant lock (TENANT_LOCK_TIMEOUT_MS), records the operation and
 * repairs what an interrupted earlier one left. Returns an exit status, *ret set on failure. */
int tenant_session_begin(const Config *c, const char *db_name, const char *action, TenantSession *s, json_t **ret);

/* Records the outcome ("ok", or the result's "code") and releases the lock; returns status. */
int tenant_session_end(TenantSession *s, int status, json_t *result);

/* Releases without recording (for _cleanup_). */
void tenant_session_done(TenantSession *s);

/* Merges a JSON object text into this operation's detail (what a later action needs to repair
 * things if this one is killed). */
int tenant_session_note(TenantSession *s, const char *json_object_text);

/* The catalog's view of the session's tenant. Returns an exit status (*ret set on failure). */
int tenant_session_inspect(TenantSession *s, TenantDb *ret_db, json_t **ret);

/* The answer for a failed statement on the session's connection: 503 database_unavailable when
 * the connection is gone, else 500 database_error. */
int tenant_session_db_error(TenantSession *s, const char *what, json_t **ret);

/* Ends every other session on the database (waiting up to 5 s for each). Returns how many would
 * not end, or a negative errno. */
int tenant_end_sessions(PGconn *conn, const char *db_name);

