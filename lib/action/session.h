/* SPDX-License-Identifier: MIT */
/*
 * session.h: the tenant session — the one way an action that changes one tenant opens it. The
 * name checked by the caller, the control database open, the tenant's advisory lock held, the
 * operation journalled in the registry, and whatever an earlier operation on the tenant left when
 * it was cut off half-way put right before anything else happens.
 *
 * It is also the one place that knows the notes an operation leaves in its journal row so that a
 * later one can repair it: the backup window (the database admitted for pg_dump, and the access it
 * had before) and the half-made database of a restore. Both are written and read here only (the
 * SQL that stores and finds them is the registry's, registry-operation.h).
 *
 * Every locked action has one shape: parse the request, then tenant_session_run() with the
 * action's <verb>_locked function, which sees the session open and whose exit status is recorded.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "access.h"
#include "config.h"

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

/* An action's work inside the session: returns an exit status, *ret the answer. */
typedef int (*TenantLockedFn)(TenantSession *s, void *userdata, json_t **ret);

/* tenant_session_begin(), fn, tenant_session_end(): the shape of every locked action. */
int tenant_session_run(const Config *c, const char *db_name, const char *action,
                       TenantLockedFn fn, void *userdata, json_t **ret);

/* Opens the registry, takes the tenant lock (TENANT_LOCK_TIMEOUT_MS), records the operation and
 * repairs what an interrupted earlier one left. Returns an exit status, *ret set on failure. */
int tenant_session_begin(const Config *c, const char *db_name, const char *action, TenantSession *s, json_t **ret);

/* Records the outcome ("ok", or the result's "code") and releases the lock; returns status. */
int tenant_session_end(TenantSession *s, int status, json_t *result);

/* Releases without recording (for _cleanup_). */
void tenant_session_done(TenantSession *s);

/* The catalog's view of the session's tenant. Returns an exit status (*ret set on failure). */
int tenant_session_inspect(TenantSession *s, TenantDb *ret_db, json_t **ret);

/* Ends every other session on the database (waiting up to 5 s for each). Returns how many would
 * not end, or a negative errno. */
int tenant_end_sessions(PGconn *conn, const char *db_name);

/* --- the notes a later session repairs from --- */

/* The database admitted for a dump (access.h): pg_dump logs in as Odoo's role, while Odoo itself
 * neither lists nor serves the database and Odoo's role cannot change it; and the access it had
 * before, to be put back. */
typedef struct TenantWindow {
        bool open;
        AccessState before;  /* ACCESS_OPEN or ACCESS_HELD */
} TenantWindow;

/* Notes the access in the session's operation first (so a later session puts it back if this
 * process is killed), then admits the database and ends every other session on it. */
int tenant_window_open(TenantSession *s, const TenantDb *db, TenantWindow *w, char **ret_error);

/* Puts the access back (retrying on a fresh connection if the session's is gone) and clears the
 * note. No-op when not open. */
int tenant_window_close(TenantSession *s, TenantWindow *w);

/* The database the window was open on is gone (dropped): nothing to put back. */
void tenant_window_forget(TenantSession *s, TenantWindow *w);

/* Notes that the database with this oid is half made: a later session drops it, and the filestore
 * of the name, if this process is killed before tenant_session_unmark_half_made(). */
int tenant_session_mark_half_made(TenantSession *s, unsigned oid);
int tenant_session_unmark_half_made(TenantSession *s);
