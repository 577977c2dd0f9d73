/* SPDX-License-Identifier: MIT */
/*
 * backup.h: a tenant's backups — pg_dump -Fc into <backups.dir>/<db_name>/<db_name>-<UTC>.dump,
 * verified (pg_dump's status, pg_restore --list, sha256), fsync'd, recorded in the registry with a
 * sha256sum-format <file>.sha256 beside it; the tenant's Odoo filestore beside it as
 * <db_name>-<UTC>.filestore.tar (plain tar, verified and hashed the same way); pruning by the
 * configured retention (retention.h). Restoring one is restore.h's.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "session.h"

/* Request "db_name" (the tenant to back up; optional "whmcs_service_id" and "claim", owner.h), or "prune": true (apply the retention to every
 * backup instead), or "all": true (back up every active and suspended tenant: backup-all.h). Backup: {"success":true,"db_name":…,"backup":{"path","size_bytes","sha256",
 * "filestore":{"path","size_bytes","sha256"} or null}};
 * failure 503 backup_failed. Prune (retention.h): {"success":true,"retention":{"daily","weekly",
 * "monthly"},"count":N,"kept":N,"deleted":[…]}. */
int tenant_backup(const Config *c, json_t *request, json_t **ret);

/* One tenant's backup in its own tenant session, as tenant_backup() makes it for "db_name" (an
 * active tenant dumped as it runs, a suspended one admitted for the dump alone), recorded as kind.
 * Returns the exit status; *ret the same answer. */
int backup_tenant(const Config *c, const char *db_name, const char *kind, json_t **ret);

typedef struct BackupInfo {
        char *path;          /* the final .dump */
        int64_t size_bytes;
        char sha256[65];     /* lowercase hex */
        char *filestore_path;            /* the .filestore.tar; NULL: the tenant had no filestore */
        int64_t filestore_size_bytes;
        char filestore_sha256[65];
        json_t *offsite;     /* offsite.h's offsite_after_backup(); NULL: offsite not configured */
} BackupInfo;

void backup_info_done(BackupInfo *b);

/* {"path","size_bytes","sha256","filestore":{"path","size_bytes","sha256"} or null, and "offsite"
 * when it was uploaded or tried (offsite.h)}; JSON null
 * when b is NULL or has no path; NULL on OOM. */
json_t *backup_info_json(const BackupInfo *b);

/* Dumps db_name (which must accept Odoo's role: open or admitted), verifies, records. On failure
 * nothing is left behind and *ret_error says why (malloc'd). kind: "manual", "scheduled" or
 * "terminate". */
int backup_make(const Config *c, PGconn *conn, const char *db_name, const char *kind, BackupInfo *ret, char **ret_error);

/* --- the pure parts, unit-tested --- */

/* "<db_name>-YYYYMMDDTHHMMSSZ.dump", or "…Z-<seq>.dump" for seq > 1 (a second backup within the
 * same second). NULL on OOM. */
char *backup_file_name(const char *db_name, time_t t, unsigned seq);

/* The filestore tar beside a dump: "<…>.dump" → "<…>.filestore.tar". NULL when path does not
 * end in ".dump" (-EINVAL in errno) or on OOM. */
char *backup_filestore_tar_path(const char *dump_path);

/* "<hex>  <basename>\n", as sha256sum writes it. NULL on OOM. */
char *backup_sha256_line(const char *hex, const char *path);

/* The hash from a sha256sum-format text naming basename(path) (or with a single line, any
 * name). -EBADMSG when there is none. */
int backup_sha256_parse(const char *text, const char *path, char ret_hex[static 65]);
