/* SPDX-License-Identifier: MIT */
/*
 * pg.h: the libpq plumbing every action shares: connecting with the configured parameters (the
 * password read from a file, never the environment), quoting identifiers, running parameterised
 * queries, and advisory locks on tenant names.
 */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "macro.h"

/* The first key of every advisory lock vumaerp takes (the two-int4 form of pg_advisory_lock):
 * PostgreSQL keeps two-int4 keys apart from single-bigint ones, which is the form Odoo uses, so our
 * locks never collide with Odoo's. 0x56554d41 is "VUMA"; the registry's migration lock uses the
 * next value so it can never meet a tenant whose name happens to hash to its second key. */
#define PG_LOCK_CLASS_TENANT   0x56554d41
#define PG_LOCK_CLASS_REGISTRY 0x56554d42

DEFINE_TRIVIAL_CLEANUP_FUNC(PGconn *, PQfinish);
DEFINE_TRIVIAL_CLEANUP_FUNC(PGresult *, PQclear);
#define _cleanup_pgconn_ _cleanup_(PQfinishp)
#define _cleanup_pgresult_ _cleanup_(PQclearp)

/* Connects to dbname as the configured user. Returns 0, -ENOENT when the database does not exist
 * (SQLSTATE 3D000), -ECONNREFUSED when the server cannot be reached or refuses us, -EACCES on
 * authentication failure, -ENOKEY when the configured password file cannot be read; *ret_error
 * gets libpq's message (malloc'd) on failure when non-NULL. */
int pg_connect(const Config *c, const char *dbname, PGconn **ret, char **ret_error);

/* A quoted identifier (PQescapeIdentifier), malloc'd; NULL on error. */
char *pg_quote_identifier(PGconn *conn, const char *name);

/* Runs a parameterised statement (text params). Returns the result when its status is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL with the error logged and, when ret_sqlstate is
 * non-NULL, the SQLSTATE copied into it (6 bytes). */
PGresult *pg_exec(PGconn *conn, char ret_sqlstate[6], const char *sql, int n_params, const char *const *params);

/* DROP DATABASE <quoted name> WITH (FORCE) — IF EXISTS when if_exists — ending its sessions.
 * Returns 0 or -EIO (logged by pg_exec), -ENOMEM. */
int pg_drop_database(PGconn *conn, const char *name, bool if_exists);

/* Advisory locks keyed on a tenant name (hashed into the bigint space with a fixed namespace, so
 * they never collide with Odoo's own advisory locks). Session-level: released by pg_unlock_tenant()
 * or when the connection ends. pg_lock_tenant waits at most timeout_ms: -EBUSY past it. */
int pg_lock_tenant(PGconn *conn, const char *name, int timeout_ms);
int pg_unlock_tenant(PGconn *conn, const char *name);
