/* SPDX-License-Identifier: MIT */
/*
 * registry-backup.h: the registry's backups table (registry.h) — one row per backup file a tenant
 * has (the dump, and the filestore tar made with it), with its size and sha256: what restore
 * checks a file against, what status shows, what retention prunes.
 *
 * Every function runs on a registry_open() connection and returns 0 (or what it says) or a
 * negative errno: -EIO on a failed statement (the server's message on conn, for pg_failure()),
 * -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* A backup as it is recorded. The strings are the caller's. */
typedef struct RegistryBackup {
        const char *db_name;
        const char *path;                 /* the .dump */
        int64_t size_bytes;
        const char *sha256;               /* lowercase hex */
        const char *kind;                 /* "manual", "scheduled", "terminate" (registry_backup_adopt(): 'recovered') */
        time_t created_at;                /* registry_backup_adopt() only: when the files were made */
        const char *filestore_path;       /* the .filestore.tar; NULL: none, and no sha256 or size */
        const char *filestore_sha256;
        int64_t filestore_size_bytes;
} RegistryBackup;

/* Records a backup just made (created now). */
int registry_backup_record(PGconn *conn, const RegistryBackup *b);

/* Records a complete backup that a cut-off run left without its row, as kind 'recovered' with
 * the time it was made (b->created_at). */
int registry_backup_adopt(PGconn *conn, const RegistryBackup *b);

/* Whether a row names path: 1, 0, or a negative errno. */
int registry_backup_known(PGconn *conn, const char *path);

/* A backup file in use: a restore (a drill's among them) holds its path shared while it reads
 * the files, so that prune, which claims it alone before it deletes them, never deletes a backup
 * being restored. Advisory locks on the connection (PG_LOCK_CLASS_BACKUP, the path's hashtext():
 * two paths may share a key, which only makes prune keep one a night longer), released by their
 * pair or when the connection ends. hold waits for a claim, which lasts as long as an unlink;
 * claim never waits: 1 claimed, 0 held by a restore. */
int registry_backup_hold(PGconn *conn, const char *path);
int registry_backup_release(PGconn *conn, const char *path);
int registry_backup_claim(PGconn *conn, const char *path);
int registry_backup_unclaim(PGconn *conn, const char *path);

/* What the newest row of path recorded (all malloc'd; NULL: no row, or not recorded). */
typedef struct RegistryBackupSums {
        char *sha256;
        char *filestore_path;             /* NULL: the backup was recorded without one */
        char *filestore_sha256;
} RegistryBackupSums;

void registry_backup_sums_done(RegistryBackupSums *s);
int registry_backup_sums(PGconn *conn, const char *path, RegistryBackupSums *ret);

/* The newest backup of db_name, whatever the tenant's state, as {"path","created_at",
 * "size_bytes"}, or JSON null when there is none. */
int registry_backup_last(PGconn *conn, const char *db_name, json_t **ret);

/* Every backup, by tenant and age, with what retention needs to know of its tenant. */
typedef struct RegistryBackupEntry {
        int64_t id;
        const char *db_name;
        const char *path;
        const char *filestore_path;       /* NULL: none */
        const char *kind;                 /* "manual", "terminate", …; NULL: not recorded */
        time_t created_at;
        const char *created_at_text;      /* ISO 8601, UTC */
        bool tenant_terminated;           /* the registry says the tenant is terminated */
        time_t terminated_at;             /* 0: not terminated */
} RegistryBackupEntry;

typedef struct RegistryBackupList {
        PGresult *res;                    /* holds the entries' strings */
        RegistryBackupEntry *entries;
        size_t n;
        time_t now;                       /* the server's clock; 0 when n is 0 */
} RegistryBackupList;

void registry_backup_list_done(RegistryBackupList *l);
int registry_backup_list(PGconn *conn, RegistryBackupList *ret);

/* Removes the row of a backup whose files are gone. */
int registry_backup_forget(PGconn *conn, int64_t id);
