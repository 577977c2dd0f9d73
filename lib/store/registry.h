/* SPDX-License-Identifier: MIT */
/*
 * registry.h: the control database (Config.control_db, default "vumaerp"): what vumaerp knows
 * about tenants beyond PostgreSQL's catalog — country, company, admin email, WHMCS service id,
 * times, backups, and a journal of operations.
 *
 * registry_open() creates the database when missing and applies the schema migrations in order,
 * under an advisory lock so two processes racing on a fresh server both succeed and the schema is
 * applied once. A schema newer than this binary knows is refused (-EPROTO) with a clear message.
 * The control database is vumaerp's alone: no CONNECT for PUBLIC (Odoo's role, which every
 * customer can act as, cannot enter it, read it or take its locks).
 *
 * The SQL on its tables is written once, each table's in its own file: tenants and their state
 * machine in registry-tenant.h, backups in registry-backup.h, the journal of operations in
 * registry-operation.h. The actions call those; none writes to these tables itself.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"

/* The schema version this binary writes and understands. */
int registry_schema_version(void);

/* Connects to the control database, creating and migrating it as needed. On failure returns a
 * negative errno with *ret_error set (malloc'd): -ECONNREFUSED (server unreachable),
 * -EPROTO (schema newer than this binary), other negatives for other failures. */
int registry_open(const Config *c, PGconn **ret, char **ret_error);

/* The answer (result.h) and exit status every action gives when registry_open() failed with r:
 * PostgreSQL unreachable 503 database_unavailable, newer schema schema_too_new, credentials
 * refused database_access_denied, unreadable password file config_error (all 78), else 70. */
int registry_open_failure(int r, const char *error, json_t **ret);

/* The lock every action on one tenant name holds, on the control database (registry_open()'s
 * connection). Each name gets its own bigint key from the registry (tenant_locks), so two names
 * never share a lock, and nobody but vumaerp can connect there to take one. Session-level:
 * released by registry_unlock_tenant() or when the connection ends. Waits at most timeout_ms
 * (PostgreSQL's lock_timeout): -EBUSY past it; -EIO on a failed statement (its message on conn,
 * for pg_failure()). */
int registry_lock_tenant(PGconn *conn, const char *name, int timeout_ms);
int registry_unlock_tenant(PGconn *conn, const char *name);
