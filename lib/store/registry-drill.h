/* SPDX-License-Identifier: MIT */
/*
 * registry-drill.h: the registry's drills table (registry.h) — one row per restore drill
 * (drill.h): the tenant, the backup restored, when, whether every check passed, and why not.
 * What the drill reads to choose the next tenant and what status shows.
 *
 * Every function runs on a registry_open() connection and returns 0 (or what it says) or a
 * negative errno: -EIO on a failed statement (the server's message on conn, for pg_failure()),
 * -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <time.h>

/* The backup a drill restores: the newest the registry knows of a tenant. */
typedef struct RegistryDrillTarget {
        char *db_name;
        char *path;                 /* the .dump */
        time_t created_at;
} RegistryDrillTarget;

void registry_drill_target_done(RegistryDrillTarget *t);

/* db_name NULL: the next tenant round-robin — of the tenants that have a backup and are not
 * terminated, the one whose last drill is the oldest (never drilled first; ties by name); else
 * db_name's (whatever its state). Returns 1 with *ret filled, 0 when there is none. */
int registry_drill_next(PGconn *conn, const char *db_name, RegistryDrillTarget *ret);

/* Records a drill that started at started_at (now: finished). error NULL when ok; detail a JSON
 * object or NULL. */
int registry_drill_record(PGconn *conn, const RegistryDrillTarget *t, time_t started_at, bool ok,
                          const char *error, json_t *detail);

/* The last drill of db_name and its last good one, as {"drilled_at","ok","error","backup",
 * "backup_created_at"} each, or JSON null; set into obj as "last_drill" and "last_good_drill". */
int registry_drill_status(PGconn *conn, const char *db_name, json_t *obj);
