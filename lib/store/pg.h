/* SPDX-License-Identifier: MIT */
/*
 * pg.h: the libpq plumbing every action shares: connecting with the configured parameters (the
 * password read from a file, never the environment), quoting identifiers, running parameterised
 * queries.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

#include "config.h"
#include "macro.h"

/* The key class of the registry's migration lock (the two-int4 form of pg_advisory_lock; tenant
 * locks use the one-bigint form, registry.h). 0x56554d42 is "VUMB". */
#define PG_LOCK_CLASS_REGISTRY 0x56554d42
/* The key class of a backup file's lock (registry-backup.h: a restore holds it shared, prune
 * claims it alone), the path's hashtext() the second key. 0x56554d43 is "VUMC". */
#define PG_LOCK_CLASS_BACKUP 0x56554d43

DEFINE_TRIVIAL_CLEANUP_FUNC(PGconn *, PQfinish);
DEFINE_TRIVIAL_CLEANUP_FUNC(PGresult *, PQclear);
#define _cleanup_pgconn_ _cleanup_(PQfinishp)
#define _cleanup_pgresult_ _cleanup_(PQclearp)

/* Connects to dbname as the configured user. Returns 0, -ENOENT when the database does not exist
 * (SQLSTATE 3D000), -ECONNREFUSED when the server cannot be reached or refuses us, -EACCES on
 * authentication failure, -ENOKEY when the configured password file cannot be read; *ret_error
 * gets libpq's message (malloc'd) on failure when non-NULL. */
int pg_connect(const Config *c, const char *dbname, PGconn **ret, char **ret_error);

/* Who a connection logs in as: pg_connect() is the configured admin (postgres.user); tenant-db.c
 * logs in as Odoo's role. options: the session's server settings (libpq's "options", e.g.
 * "-c search_path=pg_catalog"), which take precedence over ALTER DATABASE/ROLE … SET. */
typedef struct PgLogin {
        const char *user;           /* NULL: libpq's default */
        const char *password_file;  /* NULL: none; relative: in $CREDENTIALS_DIRECTORY */
        const char *options;        /* NULL: none */
} PgLogin;
int pg_connect_as(const Config *c, const char *dbname, const PgLogin *login, PGconn **ret, char **ret_error);

/* Reads a password file (credential.h: relative names in $CREDENTIALS_DIRECTORY, systemd's
 * LoadCredential=), at most 1 KiB, trailing newlines dropped. *ret is malloc'd, *ret_len its
 * length: free it with credential_free(*ret, *ret_len). Returns 0, -ENOKEY (*ret_error says why),
 * -ENOMEM. */
int pg_password_read(const char *name, char **ret, size_t *ret_len, char **ret_error);

/* A quoted identifier (PQescapeIdentifier), malloc'd; NULL on error. */
char *pg_quote_identifier(PGconn *conn, const char *name);

/* The connection's last error (what the last failed statement or connection attempt said) as one
 * line: runs of whitespace as one space, no trailing blanks. For an answer; malloc'd, NULL on OOM.
 * libpq clears it when the next statement starts: read it before running anything else. */
char *pg_error_message(PGconn *conn);

/* Runs a parameterised statement (text params). Returns the result when its status is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL and, when ret_sqlstate is non-NULL, the SQLSTATE
 * copied into it (6 bytes; "08006" when the connection is gone). It does not log: a failure is the
 * caller's to answer (pg_failure()) or to expect (a unique violation that means "taken"). */
PGresult *pg_exec(PGconn *conn, char ret_sqlstate[6], const char *sql, int n_params, const char *const *params);

/* pg_exec() for a statement whose rows are not read: 0, or -EIO (the message on conn). */
int pg_run(PGconn *conn, const char *sql, int n_params, const char *const *params);

/* After a failed statement: whether the server is gone (so the answer is "try again later", 503,
 * not a bug). Costs one empty round trip, which clears the connection's error message: read it
 * (pg_error_message()) first. */
bool pg_connection_lost(PGconn *conn);

/* The answer for a statement that failed on conn, saying what was being done: 69
 * database_unavailable when the connection is gone, else 70 database_error "<what> failed: <the
 * server's message>". Call it before anything else runs on conn (pg_error_message()). */
int pg_failure(PGconn *conn, const char *what, json_t **ret);

/* The answer for a pg_connect()/pg_connect_as() to what that failed with r and error: 69
 * database_unavailable when the server is out of reach (-ECONNREFUSED), -ENOMEM out_of_memory,
 * else 70 database_error; "cannot connect to <what>: <error>". */
int pg_connect_failure(int r, const char *what, const char *error, json_t **ret);

/* DROP DATABASE <quoted name> WITH (FORCE) — IF EXISTS when if_exists — ending its sessions.
 * Returns 0 or -EIO (the message on conn), -ENOMEM. */
int pg_drop_database(PGconn *conn, const char *name, bool if_exists);
