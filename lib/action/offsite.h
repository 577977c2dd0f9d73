/* SPDX-License-Identifier: MIT */
/*
 * offsite.h: the offsite copies of backups (the config's offsite: section, over s3.h): each
 * verified backup's filestore tar, then its dump, uploaded as <prefix><db_name>/<file name> and
 * checked there, recorded in the registry (registry-offsite.h); what a failed upload left is
 * uploaded by the next push; objects whose backup the local retention removed are deleted; a
 * backup downloaded by its key for a restore on any host.
 *
 * The dump's object carries x-amz-meta-sha256 (its own) and x-amz-meta-filestore-sha256 (its
 * tar's, or "none"), so a host that never saw the backup can check both before restoring; the tar
 * goes up first, so a dump's object is only ever there with its tar beside it.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"

/* After backup_make() made the backup whose dump is path (the tenant's lock held): uploads it when
 * offsite is configured. Never fails the backup: the answer's "offsite" is {"key","filestore_key"}
 * or {"pending":true,"error":…}, the failure a journal entry (MESSAGE_ID_OFFSITE_FAILED) and the
 * next push's to finish. Run by vumaerp-api ($VUMAERP_REQUEST_ID set) nothing is uploaded:
 * {"pending":true,"deferred":true}, for the next push. NULL when offsite is not configured (or on
 * OOM). */
json_t *offsite_after_backup(const Config *c, PGconn *conn, const char *db_name, const char *path);

/* The remote retention, after the local one: deletes the objects whose backup is gone. *ret is
 * {"deleted":[keys],"not_deleted":[{"key","error"}]} or, when offsite cannot be used,
 * {"error":…}; NULL when offsite is not configured. */
json_t *offsite_prune_remote(const Config *c, PGconn *conn);

/* vumaerp-offsite: request "subcommand":
 *   "push"  upload every backup (of "db_name", if given) not yet offsite, then the remote
 *           retention: {"success":true,"uploaded":[{"db_name","path","key","filestore_key"}],
 *           "deleted":[keys]}; any failure: 69 offsite_incomplete with "failed" and
 *           "not_deleted" beside what was done;
 *   "list"  the objects under the prefix (and "db_name"/): {"objects":[{"key","size_bytes",
 *           "etag","last_modified"}]}.
 * 78 offsite_not_configured without an offsite: section, 78 offsite_credentials when its
 * credentials cannot be read, 78 offsite_refused when the store refuses them. */
int offsite_main(const Config *c, json_t *request, json_t **ret);

/* A backup downloaded for a restore: the directory <backups.dir>/.offsite-XXXXXX, held with
 * flock() on lock_fd while it is in use (offsite_sweep_downloads() leaves it alone), and the dump
 * in it. */
typedef struct OffsiteDownload {
        char *dir;
        char *path;
        int lock_fd;
} OffsiteDownload;
#define OFFSITE_DOWNLOAD_INIT { .lock_fd = -1 }

/* Downloads the backup whose dump is the object key (and its tar, if it has one) into a new
 * download directory, each checked against the sha256 the dump's object carries and written
 * with its .sha256 beside it, as restore reads a backup. Returns an exit status (*ret set on
 * failure); *ret_download on success, for offsite_download_done(). */
int offsite_fetch(const Config *c, const char *key, OffsiteDownload *ret_download, json_t **ret);

/* Removes what offsite_fetch() downloaded, and the directory; an empty one is fine. */
void offsite_download_done(OffsiteDownload *d);

/* Removes the download directories in backups.dir that a restore cut off (killed, or its
 * machine down) left behind: those no process holds, made more than a minute ago (a fetch that
 * has made its directory but not yet locked it). Each removed one is logged. Returns how many
 * were removed, or a negative errno when backups.dir cannot be read. */
int offsite_sweep_downloads(const Config *c);
