/* SPDX-License-Identifier: MIT */
/*
 * offsite.c: owns the offsite copies of backups (offsite.h): which key a backup's files get, the
 * upload after a backup and the push of what is missing, the remote retention, the listing, the
 * download of a backup for a restore, and the sweep of the downloads cut-off restores left.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "backup.h"
#include "fileio.h"
#include "log.h"
#include "message-id.h"
#include "names.h"
#include "offsite.h"
#include "pg.h"
#include "registry.h"
#include "registry-offsite.h"
#include "result.h"
#include "s3.h"

/* A backup is at most this large to be downloaded (a tenant is far smaller; a lying server is
 * not let fill the disk). */
#define OFFSITE_DOWNLOAD_MAX ((int64_t) 1 << 40)

/* <prefix><db_name>/<file name>: a host's keys under its prefix, a tenant's under its name. */
static char *offsite_key(const Config *c, const char *db_name, const char *path) {
        char *key;

        if (asprintf(&key, "%s%s/%s", strempty(c->offsite_prefix), db_name, basename(path)) < 0)
                return NULL;
        return key;
}

/* s3_put_file(), then the object recorded as the copy of the backup whose dump is p->path. */
static int upload_file(S3 *s, PGconn *conn, const RegistryOffsitePending *p, const char *key, const char *path,
                       const char *role, int64_t size, const char *sha256, const char *const *meta, char **ret_error) {
        int r;

        r = s3_put_file(s, key, path, sha256, meta, ret_error);
        if (r < 0)
                return r;
        r = registry_offsite_record(conn, key, p->path, role, size, sha256);
        if (r == -ENOENT)
                error_set(ret_error, "the backup %s is gone", p->path);
        else if (r < 0)
                error_set(ret_error, "cannot record %s in the registry: %s", key, PQerrorMessage(conn));
        return r;
}

static int upload_one(const Config *c, S3 *s, PGconn *conn, const RegistryOffsitePending *p, char **ret_key,
                      char **ret_filestore_key, char **ret_error) {
        _cleanup_free_ char *key = offsite_key(c, p->db_name, p->path), *fs_key = NULL, *meta = NULL;
        int r;

        if (!key)
                return -ENOMEM;
        if (!s3_key_is_valid(key)) {
                error_set(ret_error, "%s cannot be an object key", key);
                return -EINVAL;
        }
        /* The tar first: a dump's object is never there without its tar. */
        if (p->filestore_path) {
                fs_key = offsite_key(c, p->db_name, p->filestore_path);
                if (!fs_key)
                        return -ENOMEM;
                if (!p->filestore_uploaded) {
                        r = upload_file(s, conn, p, fs_key, p->filestore_path, "filestore", p->filestore_size_bytes,
                                        p->filestore_sha256, NULL, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        if (asprintf(&meta, "x-amz-meta-filestore-sha256: %s", p->filestore_path ? p->filestore_sha256 : "none") < 0)
                return -ENOMEM;
        if (!p->dump_uploaded || !p->filestore_uploaded) {
                r = upload_file(s, conn, p, key, p->path, "dump", p->size_bytes, p->sha256,
                                (const char *const[]) { meta, NULL }, ret_error);
                if (r < 0)
                        return r;
        }
        *ret_key = TAKE_PTR(key);
        *ret_filestore_key = TAKE_PTR(fs_key);
        return 0;
}

json_t *offsite_after_backup(const Config *c, PGconn *conn, const char *db_name, const char *path) {
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_(registry_offsite_pending_list_done) RegistryOffsitePendingList l = {};
        _cleanup_free_ char *error = NULL, *key = NULL, *fs_key = NULL;
        LogContext ctx = LOG_CONTEXT_INIT;
        int r;

        if (!c->offsite_endpoint)
                return NULL;
        /* Run by vumaerp-api for a request (terminate, WHMCS's "Back up now"): the upload is left to
         * vumaerp-offsite-push.timer. A dump of many GB would outlast the API's deadline and hold
         * WHMCS's call, and vumaerp-api@.service has neither the offsite credential nor a way out
         * (IPAddressDeny=any): tried there it could only fail, as a warning at every terminate. */
        if (getenv("VUMAERP_REQUEST_ID")) {
                ctx.action = "backup";
                ctx.db = db_name;
                ctx.request_id = getenv("VUMAERP_REQUEST_ID");
                ctx.outcome = "offsite_deferred";
                log_event(LOG_INFO, NULL, &ctx, "%s: the backup %s is uploaded offsite by the next vumaerp-offsite push, not during an API request",
                          db_name, path);
                return json_pack("{s:b,s:b}", "pending", true, "deferred", true);
        }
        r = s3_new(c, &s, &error);
        if (r >= 0) {
                r = registry_offsite_pending(conn, db_name, path, &l);
                if (r == -EIO)
                        error_set(&error, "cannot read the registry: %s", PQerrorMessage(conn));
        }
        if (r >= 0 && l.n == 1)
                r = upload_one(c, s, conn, &l.entries[0], &key, &fs_key, &error);
        else if (r >= 0) {
                r = -ENOENT;
                error_set(&error, "the registry has no backup %s to upload", path);
        }
        if (r < 0) {
                ctx.action = "backup";
                ctx.db = db_name;
                ctx.request_id = getenv("VUMAERP_REQUEST_ID");
                ctx.outcome = "offsite_failed";
                log_event(LOG_WARNING, MESSAGE_ID_OFFSITE_FAILED, &ctx,
                          "%s: the backup %s was made, but its offsite copy failed (kept here; vumaerp-offsite push retries): %s",
                          db_name, path, error ? error : strerror(-r));
                return json_pack("{s:b,s:s}", "pending", true, "error", error ? error : strerror(-r));
        }
        return json_pack("{s:s,s:o}", "key", key, "filestore_key", fs_key ? json_string(fs_key) : json_null());
}

/* The objects whose backup is gone, deleted and forgotten; into deleted and failed. */
static int prune_remote(S3 *s, PGconn *conn, json_t *deleted, json_t *failed) {
        _cleanup_strv_free_ char **keys = NULL;
        size_t n = 0;
        int r;

        r = registry_offsite_gone(conn, &keys, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *error = NULL;

                r = s3_delete(s, keys[i], &error);
                if (r >= 0 && registry_offsite_forget(conn, keys[i]) < 0) {
                        r = -EIO;
                        error_set(&error, "deleted, but cannot be forgotten in the registry: %s", PQerrorMessage(conn));
                }
                if (r < 0) {
                        if (json_array_append_new(failed, json_pack("{s:s,s:s}", "key", keys[i], "error",
                                                                    error ? error : strerror(-r))) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (json_array_append_new(deleted, json_string(keys[i])) < 0)
                        return -ENOMEM;
        }
        return 0;
}

json_t *offsite_prune_remote(const Config *c, PGconn *conn) {
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *deleted = json_array(), *failed = json_array();
        int r;

        if (!c->offsite_endpoint)
                return NULL;
        if (!deleted || !failed)
                return NULL;
        r = s3_new(c, &s, &error);
        if (r >= 0)
                r = prune_remote(s, conn, deleted, failed);
        if (r == -EIO && !error)
                error = pg_error_message(conn);
        if (r < 0)
                return json_pack("{s:s}", "error", error ? error : strerror(-r));
        return json_pack("{s:O,s:O}", "deleted", deleted, "not_deleted", failed);
}

static int s3_failure(int r, const char *error, json_t **ret) {
        if (r == -ENOKEY || r == -EDESTADDRREQ)
                return result_fail(ret, EXIT_CONFIG, "offsite_credentials", "%s", strempty(error));
        if (r == -EACCES)
                return result_fail(ret, EXIT_CONFIG, "offsite_refused", "the offsite store refused us: %s", strempty(error));
        if (r == -ENOENT)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_backup", "%s", strempty(error));
        if (r == -ENOMEM)
                return result_oom(ret);
        return result_fail(ret, EXIT_UNAVAILABLE, "offsite_failed", "%s", strempty(error));
}

static int push(const Config *c, const char *db_name, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_(registry_offsite_pending_list_done) RegistryOffsitePendingList l = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *uploaded = json_array(), *failed = json_array(), *deleted = json_array(),
                              *not_deleted = json_array(), *out = NULL;
        int r;

        if (!uploaded || !failed || !deleted || !not_deleted)
                return result_oom(ret);
        r = s3_new(c, &s, &error);
        if (r < 0)
                return s3_failure(r, error, ret);
        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = registry_offsite_pending(conn, db_name, NULL, &l);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(conn, "listing the backups not yet offsite", ret);

        for (size_t i = 0; i < l.n; i++) {
                const RegistryOffsitePending *p = &l.entries[i];
                _cleanup_free_ char *key = NULL, *fs_key = NULL, *why = NULL;

                /* Retention and restore take the tenant's lock before they touch its files. */
                if (registry_lock_tenant(conn, p->db_name, 5000) < 0) {
                        if (json_array_append_new(failed, json_pack("{s:s,s:s}", "path", p->path, "error", "tenant busy")) < 0)
                                return result_oom(ret);
                        continue;
                }
                r = access(p->path, R_OK) < 0 ? (error_set(&why, "%s is gone", p->path), -ENOENT)
                                              : upload_one(c, s, conn, p, &key, &fs_key, &why);
                (void) registry_unlock_tenant(conn, p->db_name);
                if (r == -EACCES)
                        return s3_failure(r, why, ret);   /* every other one would be refused too */
                if (r < 0) {
                        if (json_array_append_new(failed, json_pack("{s:s,s:s}", "path", p->path, "error",
                                                                    why ? why : strerror(-r))) < 0)
                                return result_oom(ret);
                        continue;
                }
                if (json_array_append_new(uploaded, json_pack("{s:s,s:s,s:s,s:o}", "db_name", p->db_name, "path", p->path,
                                                              "key", key, "filestore_key",
                                                              fs_key ? json_string(fs_key) : json_null())) < 0)
                        return result_oom(ret);
        }
        r = prune_remote(s, conn, deleted, not_deleted);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(conn, "listing the offsite objects whose backup is gone", ret);

        if (json_array_size(failed) > 0 || json_array_size(not_deleted) > 0) {
                out = result_error("offsite_incomplete", "%zu backup(s) could not be uploaded and %zu object(s) not deleted",
                                   json_array_size(failed), json_array_size(not_deleted));
                r = EXIT_UNAVAILABLE;
        } else {
                out = result_ok();
                r = EXIT_OK;
        }
        if (!out ||
            json_object_set(out, "uploaded", uploaded) < 0 ||
            json_object_set(out, "deleted", deleted) < 0 ||
            (r != EXIT_OK && (json_object_set(out, "failed", failed) < 0 ||
                              json_object_set(out, "not_deleted", not_deleted) < 0)))
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return r;
}

static int list(const Config *c, const char *db_name, json_t **ret) {
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_(s3_object_list_done) S3ObjectList l = {};
        _cleanup_free_ char *error = NULL, *prefix = NULL;
        _cleanup_json_ json_t *objects = json_array(), *out = NULL;
        int r;

        if (!objects)
                return result_oom(ret);
        r = s3_new(c, &s, &error);
        if (r >= 0) {
                if (asprintf(&prefix, "%s%s%s", strempty(c->offsite_prefix), strempty(db_name), db_name ? "/" : "") < 0)
                        return result_oom(ret);
                r = s3_list(s, prefix, &l, &error);
        }
        if (r < 0)
                return s3_failure(r, error, ret);
        for (size_t i = 0; i < l.n; i++)
                if (json_array_append_new(objects, json_pack("{s:s,s:I,s:s?,s:s?}", "key", l.objects[i].key,
                                                             "size_bytes", (json_int_t) l.objects[i].size,
                                                             "etag", l.objects[i].etag,
                                                             "last_modified", l.objects[i].last_modified)) < 0)
                        return result_oom(ret);
        out = result_ok();
        if (!out || json_object_set_new(out, "count", json_integer((json_int_t) l.n)) < 0 ||
            json_object_set_new(out, "objects", TAKE_PTR(objects)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* push --if-configured (the hourly timer) on a host without offsite copies: nothing to do, and an
 * answer whose note the journal entry carries, so that the timer's runs say why they do nothing. */
static int not_configured(const Config *c, json_t **ret) {
        _cleanup_json_ json_t *out = result_ok();
        _cleanup_free_ char *note = NULL;

        if (asprintf(&note, "nothing to push: there is no offsite: section in %s", strempty(c->path)) < 0)
                return result_oom(ret);
        if (!out || json_object_set_new(out, "offsite", json_string("not_configured")) < 0 ||
            json_object_set_new(out, "note", json_string(note)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

int offsite_main(const Config *c, json_t *request, json_t **ret) {
        const char *sub, *db_name;
        bool if_configured;
        int bad = 0;

        sub = request_string(request, "subcommand", &bad);
        db_name = request_string(request, "db_name", &bad);
        if_configured = request_bool(request, "if_configured", false, &bad);
        if (bad)
            return result_fail(ret, EXIT_BAD_INPUT, "bad_request",
                               "subcommand and db_name must be strings, if_configured a boolean");
        if (!sub || (!streq(sub, "push") && !streq(sub, "list")))
                return result_fail(ret, EXIT_USAGE, "bad_request", "give a subcommand: push or list");
        if (db_name && !db_name_is_valid(db_name))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "invalid db_name \"%s\"", db_name);
        if (!c->offsite_endpoint && if_configured && streq(sub, "push"))
                return not_configured(c, ret);
        if (!c->offsite_endpoint)
                return result_fail(ret, EXIT_CONFIG, "offsite_not_configured",
                                   "there is no offsite: section in %s (vumaerp.yaml(5))", strempty(c->path));
        return streq(sub, "push") ? push(c, db_name, ret) : list(c, db_name, ret);
}

/* --- a backup downloaded for a restore --- */

/* GETs key into path (created 0600, never an existing file), checks it against want (hex),
 * and writes path.sha256 beside it. Returns an exit status. */
static int fetch_file(S3 *s, const char *key, const char *path, const char *want, json_t **ret) {
        _cleanup_(s3_object_done) S3Object head = {};
        _cleanup_free_ char *error = NULL, *line = NULL, *sha_path = NULL;
        _cleanup_close_ int fd = -1, sfd = -1;
        char got[65];
        int64_t size = 0;
        int r;

        r = s3_head(s, key, &head, &error);
        if (r < 0)
                return s3_failure(r, error, ret);
        if (head.size > OFFSITE_DOWNLOAD_MAX)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "%s is larger than a backup can be", key);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return result_from_errno(ret, negative_errno(), "restore_failed", "cannot create %s", path);
        r = s3_get_file(s, key, fd, head.size, &error);
        if (r < 0)
                return s3_failure(r, error, ret);
        if (fsync(fd) < 0)
                return result_from_errno(ret, negative_errno(), "restore_failed", "cannot write %s", path);
        r = file_sha256(path, got, &size);
        if (r < 0)
                return result_from_errno(ret, r, "restore_failed", "cannot read back %s", path);
        if (!streq(got, want))
                return result_fail(ret, EXIT_BAD_INPUT, "checksum_mismatch",
                                   "the object %s does not match the sha256 its backup was uploaded with: refusing to restore it", key);
        line = backup_sha256_line(got, path);
        if (!line || asprintf(&sha_path, "%s.sha256", path) < 0)
                return result_oom(ret);
        sfd = open(sha_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (sfd < 0 || write(sfd, line, strlen(line)) != (ssize_t) strlen(line))
                return result_from_errno(ret, errno ? negative_errno() : -ENOSPC, "restore_failed", "cannot write %s", sha_path);
        return EXIT_OK;
}

static bool is_sha256_hex(const char *s) {
        if (!s || strlen(s) != 64)
                return false;
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* Removes a download directory (name, in the directory dfd): the files fetch_file() wrote in it,
 * then itself. Nothing else is ever in one: a directory or a link in it stays, and so does it. */
static int remove_download(int dfd, const char *name) {
        struct dirent *de;
        DIR *d;
        int r = opendir_at(dfd, name, &d);

        if (r < 0)
                return r;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
        return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? negative_errno() : 0;
}

int offsite_fetch(const Config *c, const char *key, OffsiteDownload *ret_download, json_t **ret) {
        _cleanup_(s3_freep) S3 *s = NULL;
        _cleanup_(s3_object_done) S3Object head = {};
        _cleanup_(offsite_download_done) OffsiteDownload dl = OFFSITE_DOWNLOAD_INIT;
        _cleanup_free_ char *error = NULL, *tar_key = NULL, *tar_path = NULL;
        size_t n = key ? strlen(key) : 0;
        int r, status;

        if (!c->offsite_endpoint)
                return result_fail(ret, EXIT_CONFIG, "offsite_not_configured",
                                   "there is no offsite: section in %s (vumaerp.yaml(5))", strempty(c->path));
        if (!s3_key_is_valid(key) || n <= STRLEN(".dump") || !streq(key + n - STRLEN(".dump"), ".dump"))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup",
                                   "remote_key must be the key of a backup's .dump (A-Z, a-z, 0-9, '.', '_', '-', '/')");
        r = s3_new(c, &s, &error);
        if (r >= 0)
                r = s3_head(s, key, &head, &error);
        if (r < 0)
                return s3_failure(r, error, ret);
        if (!is_sha256_hex(head.sha256) ||
            !(streq_ptr(head.filestore_sha256, "none") || is_sha256_hex(head.filestore_sha256)))
                return result_fail(ret, EXIT_BAD_INPUT, "no_checksum",
                                   "the object %s carries no sha256 (it was not uploaded by vumaerp): refusing to restore it", key);

        /* What earlier restores that were cut off left, before this one adds its own. */
        (void) offsite_sweep_downloads(c);
        if (asprintf(&dl.dir, "%s/.offsite-XXXXXX", c->backup_dir) < 0) {
                dl.dir = NULL;
                return result_oom(ret);
        }
        if (!mkdtemp(dl.dir)) {
                r = negative_errno();
                free(dl.dir);
                dl.dir = NULL;
                return result_from_errno(ret, r, "restore_failed", "cannot make a directory in %s", c->backup_dir);
        }
        dl.lock_fd = open(dl.dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dl.lock_fd < 0 || flock(dl.lock_fd, LOCK_EX | LOCK_NB) < 0)
                return result_from_errno(ret, negative_errno(), "restore_failed", "cannot hold %s", dl.dir);
        if (asprintf(&dl.path, "%s/%s", dl.dir, basename(key)) < 0) {
                dl.path = NULL;
                return result_oom(ret);
        }
        status = fetch_file(s, key, dl.path, head.sha256, ret);
        if (status != EXIT_OK)
                return status;
        if (is_sha256_hex(head.filestore_sha256)) {
                tar_key = backup_filestore_tar_path(key);
                tar_path = backup_filestore_tar_path(dl.path);
                if (!tar_key || !tar_path)
                        return result_oom(ret);
                status = fetch_file(s, tar_key, tar_path, head.filestore_sha256, ret);
                if (status != EXIT_OK)
                        return status;
        }
        *ret_download = dl;
        dl = (OffsiteDownload) OFFSITE_DOWNLOAD_INIT;
        return EXIT_OK;
}

void offsite_download_done(OffsiteDownload *d) {
        if (d->dir)
                (void) remove_download(AT_FDCWD, d->dir);
        if (d->lock_fd >= 0)
                (void) close(d->lock_fd);
        free(d->dir);
        free(d->path);
        *d = (OffsiteDownload) OFFSITE_DOWNLOAD_INIT;
}

int offsite_sweep_downloads(const Config *c) {
        time_t now = time(NULL);
        struct dirent *de;
        int removed = 0;
        DIR *d;
        int r = opendir_at(AT_FDCWD, c->backup_dir, &d);

        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                _cleanup_close_ int fd = -1;
                struct stat st;

                if (strncmp(de->d_name, ".offsite-", STRLEN(".offsite-")) != 0)
                        continue;
                /* Not a directory, or a link: not one of ours. A lock: a restore is using it. */
                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0 || st.st_mtime > now - 60 || flock(fd, LOCK_EX | LOCK_NB) < 0)
                        continue;
                if (remove_download(dirfd(d), de->d_name) < 0)
                        continue;
                log_info("removed %s/%s, the download directory of a restore from offsite that was cut off",
                         c->backup_dir, de->d_name);
                removed++;
        }
        closedir(d);
        return removed;
}
