/* SPDX-License-Identifier: MIT */
/*
 * registry-offsite.h: the registry's offsite_objects table (registry.h, schema 5) — one row per
 * object this host uploaded to the offsite store and checked there (s3.h), keyed by its key,
 * tied to the backup it copies while that backup's row lives: which backups still have a file
 * to upload, and which objects the local retention has left without a backup (to delete).
 *
 * Every function runs on a registry_open() connection and returns 0 (or a count) or a negative
 * errno: -EIO on a failed statement (the server's message on conn, for pg_failure()), -ENOMEM.
 */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* A backup with a file not yet offsite. The strings live in the list's result. */
typedef struct RegistryOffsitePending {
        int64_t id;
        const char *db_name;
        const char *path;
        const char *sha256;
        int64_t size_bytes;
        const char *filestore_path;       /* NULL: none */
        const char *filestore_sha256;
        int64_t filestore_size_bytes;
        bool dump_uploaded, filestore_uploaded;
} RegistryOffsitePending;

typedef struct RegistryOffsitePendingList {
        PGresult *res;
        RegistryOffsitePending *entries;
        size_t n;
} RegistryOffsitePendingList;

void registry_offsite_pending_list_done(RegistryOffsitePendingList *l);

/* The backups (of db_name; NULL: of every tenant) whose dump or filestore tar has no object,
 * oldest first; with path, only the backup of that dump. */
int registry_offsite_pending(PGconn *conn, const char *db_name, const char *path, RegistryOffsitePendingList *ret);

/* Records the object key as the copy of a file of the backup whose dump is backup_path (role
 * "dump" or "filestore"); an object of the same key is replaced. 0, or -ENOENT when no backup
 * has that path (any more). */
int registry_offsite_record(PGconn *conn, const char *key, const char *backup_path, const char *role,
                            int64_t size_bytes, const char *sha256);

/* The keys of the objects whose backup is gone (NULL-terminated, malloc'd, with *ret_n). */
int registry_offsite_gone(PGconn *conn, char ***ret, size_t *ret_n);

/* Forgets an object that was deleted. */
int registry_offsite_forget(PGconn *conn, const char *key);

/* The object keys recorded for the backup whose dump is path: *ret_dump, *ret_filestore
 * (malloc'd; NULL: none). */
int registry_offsite_keys(PGconn *conn, const char *path, char **ret_dump, char **ret_filestore);
