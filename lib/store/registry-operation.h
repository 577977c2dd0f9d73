/* SPDX-License-Identifier: MIT */
/*
 * registry-operation.h: the registry's operations table (registry.h) — the journal of actions on
 * tenants and templates: one row per action, opened when it starts and closed with its outcome,
 * and the notes an action leaves in its row (operations.detail) so that the next action on the
 * same name can repair what it left when it was cut off half-way:
 *
 *   backup_window      {"was": "open"|"held", "oid": "<pg_database oid>"}: the database was
 *                      admitted for pg_dump and had that access before (null: the database was
 *                      dropped while admitted); older rows say {"allow": bool}
 *   drop_on_interrupt  "<pg_database oid>": the database is half made (a restore)
 *   repaired, dropped  written when a later action closes the row as 'interrupted'
 *
 * What the notes mean, when they are written and how they are repaired is session.h's; this file
 * only stores and finds them. Every function runs on a registry_open() connection and returns 0 or
 * a negative errno: -EIO on a failed statement (the server's message on conn, for pg_failure()),
 * -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* Opens the journal row of an action on db_name, with the process's request id
 * ($VUMAERP_REQUEST_ID, or none). *ret_id: the row's id as text (malloc'd). */
int registry_operation_begin(PGconn *conn, const char *db_name, const char *action, char **ret_id);

/* Closes the row with the action's outcome: "ok" for EXIT_OK, else the answer's "code" (or
 * "failed" without one). */
int registry_operation_end(PGconn *conn, const char *id, int status, json_t *result);

/* Merges the notes (a JSON object's text) into the row's detail. */
int registry_operation_note(PGconn *conn, const char *id, const char *json_object_text);

/* Removes one note (a key of the row's detail). */
int registry_operation_unnote(PGconn *conn, const char *id, const char *key);

/* An unfinished row of an earlier action on the name that left a backup window or a half-made
 * database behind. */
typedef struct RegistryInterrupted {
        char *id;
        char *was;           /* the access before the backup window: "open", "held" (older rows: from "allow") */
        bool same_db;        /* the database the note names by oid is still the one of the name */
        bool half_made;      /* drop_on_interrupt */
        bool window;         /* a backup_window that is still open (an object, not null) */
} RegistryInterrupted;

typedef struct RegistryInterruptedList {
        RegistryInterrupted *items;
        size_t n;
} RegistryInterruptedList;

void registry_interrupted_list_done(RegistryInterruptedList *l);

/* The unfinished rows of db_name that carry a backup_window or drop_on_interrupt note, into *ret
 * (registry_interrupted_list_done(); empty when none). */
int registry_operation_find_interrupted(PGconn *conn, const char *db_name, RegistryInterruptedList *ret);

/* Closes such a row as 'interrupted', moving its notes to repaired/dropped. */
int registry_operation_close_interrupted(PGconn *conn, const char *id);
