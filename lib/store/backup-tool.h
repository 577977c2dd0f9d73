/* SPDX-License-Identifier: MIT */
/*
 * backup-tool.h: running pg_dump, pg_restore and tar for backups and restores: no shell (one way
 * to run a child: subprocess.h), in our process group (so the API's deadline kills them with us),
 * stdin and stdout /dev/null, stderr into a private 0700 directory, the environment built from
 * nothing; the password (pg_dump and pg_restore log in as Odoo's role, tenant-db.h) in a 0600
 * PGPASSFILE there, never in argv or our environment.
 */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* A private directory for the password file and the tools' stderr, removed with everything in it. */
typedef struct BackupToolDir {
        char *dir;
        char *passfile;   /* NULL: no password (configured, or wanted) */
        char *errfile;
} BackupToolDir;

/* Makes the directory under $TMPDIR (else /tmp), with a PGPASSFILE holding the password read from
 * password_file (NULL: none; tar gets none, it has no business with PostgreSQL). */
int backup_tool_dir_make(const char *password_file, BackupToolDir *t, char **ret_error);
void backup_tool_dir_done(BackupToolDir *t);

/* A tool at least as new as the server conn is (Debian keeps each major version's in
 * /usr/lib/postgresql/<major>/bin; pg_config --bindir is not always installed), else the first on
 * PATH; conn NULL: PATH only. NULL when there is none. */
char *backup_tool_find(PGconn *conn, const char *name);

/* /usr/bin/tar, else the first tar on PATH. */
char *backup_tool_find_tar(void);

/* Starts it. 0 with *ret_pid, or a negative errno with *ret_error. */
int backup_tool_start(const BackupToolDir *t, const char *path, char *const argv[], pid_t *ret_pid, char **ret_error);

/* Waits for it. Returns its exit status (≥ 0; 128 + signal when killed), *ret_error saying why
 * (with the last line of its stderr, all of which is journaled) when not 0, or a negative errno. */
int backup_tool_wait(const BackupToolDir *t, const char *path, pid_t pid, char **ret_error);

/* Start and wait. */
int backup_tool_run(const BackupToolDir *t, const char *path, char *const argv[], char **ret_error);

/* The connection options every PostgreSQL tool gets: the ones vumaerp itself uses (pg.c), and
 * Odoo's role, never the superuser: a dump reads, and a restore runs, what the tenant wrote. */
typedef struct BackupConnArgs {
        char *host, *port, *user;
} BackupConnArgs;

/* Appends them to argv at k; returns the new k (argv needs room for 3). */
size_t backup_conn_args(const Config *c, char **argv, size_t k, BackupConnArgs *a);
void backup_conn_args_done(BackupConnArgs *a);

/* A .pgpass line matching everything, with ':' and '\' escaped as libpq requires. NULL on OOM. */
char *backup_pgpass_line(const char *password);
