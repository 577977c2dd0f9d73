/* SPDX-License-Identifier: MIT */
/*
 * backup.c: owns tenant backups: running pg_dump and pg_restore (posix_spawn, no shell, the
 * password in a private 0600 PGPASSFILE, never argv or our environment), verifying and fsyncing
 * the dump, the sha256 (OpenSSL EVP), the registry's backups table, retention, and restoring a
 * backup as a tenant.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "backup.h"
#include "backup-tool.h"
#include "fileio.h"
#include "filestore.h"
#include "session.h"
#include "log.h"
#include "names.h"
#include "pg.h"
#include "message-id.h"
#include "registry.h"
#include "odoo-signal.h"
#include "tenant-db.h"
#include "result.h"
#include "web.h"

extern char **environ;

#define BACKUP_PATH_MAX 4096
/* What of a tool's stderr goes into the answer and the journal. */
#define TOOL_STDERR_MAX 4096

void backup_info_done(BackupInfo *b) {
        free(b->path);
        free(b->filestore_path);
        *b = (BackupInfo) {};
}

static json_t *file_json(const char *path, int64_t size, const char *hex) {
        json_t *o = json_object();

        if (!o ||
            json_object_set_new(o, "path", json_string(path)) < 0 ||
            json_object_set_new(o, "size_bytes", json_integer(size)) < 0 ||
            json_object_set_new(o, "sha256", json_string(hex)) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *backup_info_json(const BackupInfo *b) {
        json_t *o;

        if (!b || !b->path)
                return json_null();
        o = file_json(b->path, b->size_bytes, b->sha256);
        if (o && json_object_set_new(o, "filestore",
                                     b->filestore_path ? file_json(b->filestore_path, b->filestore_size_bytes, b->filestore_sha256)
                                                       : json_null()) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* --- names, checksums, retention: the pure parts --- */

char *backup_file_name(const char *db_name, time_t t, unsigned seq) {
        struct tm tm;
        char stamp[32];
        char *s;

        if (!gmtime_r(&t, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
                return NULL;
        if (seq > 1 ? asprintf(&s, "%s-%s-%u.dump", db_name, stamp, seq) < 0
                    : asprintf(&s, "%s-%s.dump", db_name, stamp) < 0)
                return NULL;
        return s;
}

char *backup_filestore_tar_path(const char *dump_path) {
        size_t n = strlen(dump_path);
        char *s;

        if (n <= STRLEN(".dump") || !streq(dump_path + n - STRLEN(".dump"), ".dump") || dump_path[n - STRLEN(".dump") - 1] == '/') {
                errno = EINVAL;
                return NULL;
        }
        if (asprintf(&s, "%.*s.filestore.tar", (int) (n - STRLEN(".dump")), dump_path) < 0)
                return NULL;
        return s;
}

static const char *base_name(const char *path) {
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

char *backup_sha256_line(const char *hex, const char *path) {
        char *s;

        if (asprintf(&s, "%s  %s\n", hex, base_name(path)) < 0)
                return NULL;
        return s;
}

static bool is_hex64(const char *s) {
        for (int i = 0; i < 64; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
                        return false;
        return true;
}

int backup_sha256_parse(const char *text, const char *path, char ret_hex[static 65]) {
        const char *want = base_name(path), *found = NULL, *only = NULL;
        size_t valid = 0;

        /* Each line: 64 hex digits, a space, a space or '*' (binary mode), the file name. */
        for (const char *line = text; line && *line; ) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);

                if (len > 66 && is_hex64(line) && line[64] == ' ' && (line[65] == ' ' || line[65] == '*')) {
                        size_t name_len = len - 66;

                        if (line[len - 1] == '\r')
                                name_len--;
                        valid++;
                        only = line;
                        if (!found && name_len == strlen(want) && memcmp(line + 66, want, name_len) == 0)
                                found = line;
                }
                line = end ? end + 1 : NULL;
        }
        /* One line naming another file: a renamed backup still carries its hash. */
        if (!found && valid == 1)
                found = only;
        if (!found)
                return -EBADMSG;
        for (int i = 0; i < 64; i++)
                ret_hex[i] = (char) (found[i] >= 'A' && found[i] <= 'F' ? found[i] - 'A' + 'a' : found[i]);
        ret_hex[64] = '\0';
        return 0;
}

size_t backup_prune_select(const BackupRecord *records, size_t n, time_t now, int retention_days, bool *ret_delete) {
        time_t keep = (time_t) retention_days * 86400;
        size_t count = 0;

        for (size_t i = 0; i < n; i++) {
                const BackupRecord *b = &records[i];
                bool newest = true;

                ret_delete[i] = false;
                if (b->created_at + keep > now)
                        continue;
                if (b->tenant_terminated && b->terminated_at + keep > now) {
                        for (size_t j = 0; j < n && newest; j++)
                                if (j != i && streq(records[j].db_name, b->db_name) &&
                                    (records[j].created_at > b->created_at ||
                                     (records[j].created_at == b->created_at && records[j].id > b->id)))
                                        newest = false;
                        if (newest)
                                continue;
                }
                ret_delete[i] = true;
                count++;
        }
        return count;
}

/* lstat, not stat: a symlink planted at <backups.dir>/<db_name> is refused (-ELOOP), never
 * followed. A directory made here is made durable in its parent, or a crash could lose the
 * directory of a backup already reported made. */
static int mkdir_private(const char *path) {
        bool made = mkdir(path, 0700) >= 0;
        struct stat st;

        if (!made && errno != EEXIST)
                return negative_errno();
        if (lstat(path, &st) < 0)
                return negative_errno();
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (made) {
                _cleanup_free_ char *parent = strdup(path);
                char *slash = parent ? strrchr(parent, '/') : NULL;

                if (!parent)
                        return -ENOMEM;
                if (slash)
                        *(slash == parent ? slash + 1 : slash) = '\0';
                return fsync_path(slash ? parent : ".", true);
        }
        return 0;
}

/* Partial files are only ever written under the tenant lock, which we hold: any left are from a
 * run that died, and go. */
static void remove_stale_partials(const char *dir) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (dfd < 0)
                return;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return;
        while ((de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (n > STRLEN(".partial") && streq(de->d_name + n - STRLEN(".partial"), ".partial"))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

/* Writes <path>.sha256 by way of a temporary name, so it is there whole or not at all. */
static int write_sha256_file(const char *path, const char *hex) {
        _cleanup_free_ char *line = backup_sha256_line(hex, path), *final = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -1;
        size_t len;

        if (!line || asprintf(&final, "%s.sha256", path) < 0 || asprintf(&tmp, "%s.sha256.partial", path) < 0)
                return -ENOMEM;
        len = strlen(line);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return negative_errno();
        if (write(fd, line, len) != (ssize_t) len || fsync(fd) < 0 || rename(tmp, final) < 0) {
                int r = errno == 0 ? -ENOSPC : negative_errno();
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static int unlink_with_sha256(const char *path) {
        _cleanup_free_ char *sha = NULL;

        if (asprintf(&sha, "%s.sha256", path) < 0)
                return -ENOMEM;
        if (unlink(path) < 0 && errno != ENOENT)
                return negative_errno();
        (void) unlink(sha);
        return 0;
}

/* The dump and the filestore tar beside it (the registry's, and the one its name implies), each
 * with its .sha256. The tar first: a dump is never left without its files' archive. */
static int unlink_backup(const char *path, const char *filestore) {
        _cleanup_free_ char *tar = backup_filestore_tar_path(path);
        int r;

        if (!isempty(filestore)) {
                r = unlink_with_sha256(filestore);
                if (r < 0)
                        return r;
        }
        if (tar) {
                r = unlink_with_sha256(tar);
                if (r < 0)
                        return r;
        }
        return unlink_with_sha256(path);
}

/* True when path and its <path>.sha256 agree (the checksum file is what a finished backup writes
 * last, before its registry row). */
static bool file_matches_sha256(const char *path) {
        _cleanup_free_ char *sha_path = NULL, *text = NULL;
        char want[65], got[65];
        size_t n = 0;
        int64_t size;

        if (asprintf(&sha_path, "%s.sha256", path) < 0) {
                sha_path = NULL;
                return false;
        }
        return read_file_bounded(sha_path, 4096, false, &text, &n) >= 0 &&
               backup_sha256_parse(text, path, want) >= 0 &&
               file_sha256(path, got, &size) >= 0 &&
               streq(want, got);
}

/* A run killed between its final renames and its registry row leaves a complete dump (and tar)
 * that no row names, which prune would never see. Found here, under the tenant lock, before the
 * next backup of the tenant: with every checksum file present and matching, it is recorded as
 * kind 'recovered' with the time it was made, so it is kept and pruned like any other; without,
 * it was never reported made, and goes. */
static void sweep_orphans(PGconn *conn, const char *db_name, const char *dir) {
        static const char known_sql[] = "SELECT 1 FROM public.backups WHERE path = $1";
        static const char adopt_sql[] =
                "INSERT INTO public.backups (db_name, path, size_bytes, sha256, kind, created_at,"
                "                            filestore_path, filestore_sha256, filestore_size_bytes)"
                "     VALUES ($1, $2, $3::bigint, $4, 'recovered', to_timestamp($5::bigint), $6, $7, $8::bigint)";
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        DIR *d;
        struct dirent *de;

        if (dfd < 0)
                return;
        d = fdopendir(TAKE_FD(dfd));
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *tar = NULL;
                _cleanup_pgresult_ PGresult *res = NULL;
                char hex[65], tar_hex[65] = "", size_text[32], tar_size_text[32], mtime[32];
                const char *params[8], *known[1];
                int64_t size = 0, tar_size = 0;
                bool has_tar, ok;
                struct stat st;
                size_t n = strlen(de->d_name);

                if (n <= STRLEN(".dump") || !streq(de->d_name + n - STRLEN(".dump"), ".dump") ||
                    asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        continue;
                known[0] = path;
                res = pg_exec(conn, NULL, known_sql, 1, known);
                if (!res || PQntuples(res) > 0 || lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                tar = backup_filestore_tar_path(path);
                has_tar = tar && access(tar, F_OK) == 0;
                ok = file_matches_sha256(path) && (!has_tar || file_matches_sha256(tar)) &&
                     file_sha256(path, hex, &size) >= 0 &&
                     (!has_tar || file_sha256(tar, tar_hex, &tar_size) >= 0);
                if (!ok) {
                        log_warning("%s: removing %s, left incomplete by a backup that was cut off", db_name, path);
                        (void) unlink_backup(path, NULL);
                        continue;
                }
                (void) snprintf(size_text, sizeof size_text, "%" PRId64, size);
                (void) snprintf(tar_size_text, sizeof tar_size_text, "%" PRId64, tar_size);
                (void) snprintf(mtime, sizeof mtime, "%lld", (long long) st.st_mtime);
                params[0] = db_name;
                params[1] = path;
                params[2] = size_text;
                params[3] = hex;
                params[4] = mtime;
                params[5] = has_tar ? tar : NULL;
                params[6] = has_tar ? tar_hex : NULL;
                params[7] = has_tar ? tar_size_text : NULL;
                PQclear(res);
                res = pg_exec(conn, NULL, adopt_sql, 8, params);
                if (res)
                        log_notice("%s: recorded %s, a verified backup that a cut-off run had not recorded", db_name, path);
        }
        closedir(d);
}

static int backup_make_files(const Config *c, PGconn *conn, const char *db_name, const char *kind, BackupInfo *ret, char **ret_error) {
        static const char record_sql[] =
                "INSERT INTO public.backups (db_name, path, size_bytes, sha256, kind, filestore_path, filestore_sha256, filestore_size_bytes)"
                "     VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8::bigint)";
        _cleanup_(backup_tool_dir_done) BackupToolDir t = {};
        _cleanup_free_ char *pg_dump = NULL, *pg_restore = NULL, *dir = NULL, *final = NULL, *partial = NULL,
                *sha_file = NULL, *file_arg = NULL, *db_arg = NULL, *tar_final = NULL, *tar_partial = NULL;
        _cleanup_(backup_conn_args_done) BackupConnArgs conn_args = {};
        _cleanup_close_ int fd = -1;
        char hex[65] = "", size_text[32], tar_hex[65] = "", tar_size_text[32];
        int64_t size = 0, tar_size = 0;
        time_t now = time(NULL);
        int r, has_filestore;

        *ret = (BackupInfo) {};
        has_filestore = filestore_present(c->odoo_data_dir, db_name, ret_error);
        if (has_filestore < 0)
                return has_filestore;
        pg_dump = backup_tool_find(conn, "pg_dump");
        pg_restore = backup_tool_find(conn, "pg_restore");
        if (!pg_dump || !pg_restore) {
                error_set(ret_error, "pg_dump or pg_restore not found (looked in /usr/lib/postgresql/%d/bin and $PATH)",
                          PQserverVersion(conn) / 10000);
                return -ENOENT;
        }

        r = mkdir_private(c->backup_dir);
        if (r < 0) {
                error_set(ret_error, "backup directory %s: %s", c->backup_dir, strerror(-r));
                return r;
        }
        if (asprintf(&dir, "%s/%s", c->backup_dir, db_name) < 0)
                return -ENOMEM;
        r = mkdir_private(dir);
        if (r < 0) {
                error_set(ret_error, "backup directory %s: %s", dir, strerror(-r));
                return r;
        }
        remove_stale_partials(dir);
        sweep_orphans(conn, db_name, dir);

        /* Claim a name no earlier backup has, 0600 (a dump holds everything, password hashes too). */
        for (unsigned seq = 1; fd < 0; seq++) {
                _cleanup_free_ char *name = backup_file_name(db_name, now, seq);

                if (!name || seq > 1000)
                        return name ? -EEXIST : -ENOMEM;
                free(final);
                free(partial);
                partial = NULL;
                if (asprintf(&final, "%s/%s", dir, name) < 0 || asprintf(&partial, "%s.partial", final) < 0)
                        return -ENOMEM;
                if (access(final, F_OK) == 0)
                        continue;
                fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0 && errno != EEXIST) {
                        r = negative_errno();
                        error_set(ret_error, "cannot create %s: %s", partial, strerror(-r));
                        return r;
                }
        }

        r = backup_tool_dir_make(c->odoo_password_file, &t, ret_error);
        if (r < 0)
                goto fail;

        if (asprintf(&file_arg, "--file=%s", partial) < 0 || asprintf(&db_arg, "--dbname=%s", db_name) < 0) {
                r = -ENOMEM;
                goto fail;
        }
        {
                char *argv[10];
                size_t k = 0;

                argv[k++] = (char *) "pg_dump";
                argv[k++] = (char *) "--format=custom";
                argv[k++] = (char *) "--no-password";
                argv[k++] = file_arg;
                k = backup_conn_args(c, argv, k, &conn_args);
                argv[k++] = db_arg;
                argv[k] = NULL;
                r = backup_tool_run(&t, pg_dump, argv, ret_error);
                if (r != 0) {
                        r = r < 0 ? r : -EIO;
                        goto fail;
                }
        }
        /* fsync through our own descriptor: it flushes the file whoever wrote it. */
        if (fsync(fd) < 0) {
                r = negative_errno();
                error_set(ret_error, "fsync %s: %s", partial, strerror(-r));
                goto fail;
        }
        {
                /* pg_restore reads the table of contents while we hash the whole file: the two
                 * checks overlap rather than add up. */
                char *argv[] = { (char *) "pg_restore", (char *) "--list", (char *) "--file=/dev/null", partial, NULL };
                pid_t pid;
                int hashed;

                r = backup_tool_start(&t, pg_restore, argv, &pid, ret_error);
                if (r < 0)
                        goto fail;
                hashed = file_sha256(partial, hex, &size);
                r = backup_tool_wait(&t, pg_restore, pid, ret_error);
                if (r != 0) {
                        if (r > 0)
                                error_set(ret_error, "the dump does not read back: pg_restore --list exited with status %d", r);
                        r = r < 0 ? r : -EBADMSG;
                        goto fail;
                }
                if (hashed < 0) {
                        r = hashed;
                        error_set(ret_error, "cannot read back %s: %s", partial, strerror(-r));
                        goto fail;
                }
        }
        if (has_filestore) {
                /* The attachments the database points at: without them a restored tenant is
                 * broken, so a filestore that cannot be archived fails the whole backup. */
                tar_final = backup_filestore_tar_path(final);
                if (!tar_final || asprintf(&tar_partial, "%s.partial", tar_final) < 0) {
                        tar_partial = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                r = filestore_archive(c->odoo_data_dir, db_name, tar_partial, tar_hex, &tar_size, ret_error);
                if (r < 0)
                        goto fail;
        }
        if (rename(partial, final) < 0) {
                r = negative_errno();
                error_set(ret_error, "cannot rename %s: %s", partial, strerror(-r));
                goto fail;
        }
        free(partial);
        partial = NULL;
        if (tar_partial) {
                if (rename(tar_partial, tar_final) < 0) {
                        r = negative_errno();
                        error_set(ret_error, "cannot rename %s: %s", tar_partial, strerror(-r));
                        goto fail;
                }
                free(tar_partial);
                tar_partial = NULL;
        }
        r = write_sha256_file(final, hex);
        if (r >= 0 && tar_final)
                r = write_sha256_file(tar_final, tar_hex);
        if (r >= 0)
                r = fsync_path(dir, true);
        if (r < 0) {
                error_set(ret_error, "cannot write the checksums beside %s: %s", final, strerror(-r));
                goto fail;
        }

        (void) snprintf(size_text, sizeof size_text, "%" PRId64, size);
        (void) snprintf(tar_size_text, sizeof tar_size_text, "%" PRId64, tar_size);
        {
                const char *params[8] = { db_name, final, size_text, hex, kind,
                                          tar_final, tar_final ? tar_hex : NULL, tar_final ? tar_size_text : NULL };
                _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, record_sql, 8, params);

                if (!res) {
                        error_set(ret_error, "cannot record the backup in the registry: %s", PQerrorMessage(conn));
                        r = -EIO;
                        goto fail;
                }
        }

        ret->path = TAKE_PTR(final);
        ret->size_bytes = size;
        memcpy(ret->sha256, hex, sizeof hex);
        if (tar_final) {
                ret->filestore_path = TAKE_PTR(tar_final);
                ret->filestore_size_bytes = tar_size;
                memcpy(ret->filestore_sha256, tar_hex, sizeof tar_hex);
        }
        return 0;

fail:
        /* Nothing of a failed backup stays: not the partial files, not final ones, not their
         * hashes. */
        if (partial)
                (void) unlink(partial);
        else if (final) {
                (void) unlink(final);
                if (asprintf(&sha_file, "%s.sha256", final) >= 0)
                        (void) unlink(sha_file);
        }
        if (tar_partial)
                (void) unlink(tar_partial);
        else if (tar_final) {
                free(sha_file);
                sha_file = NULL;
                (void) unlink(tar_final);
                if (asprintf(&sha_file, "%s.sha256", tar_final) >= 0)
                        (void) unlink(sha_file);
        }
        if (ret_error && !*ret_error)
                error_set(ret_error, "%s", strerror(-r));
        return r < 0 ? r : -EIO;
}

/* backup_make_files(), and the one journal entry of the backup, made or failed, whoever asked
 * for it (vumaerp-backup, terminate, the WHMCS "Back up now" button). */
int backup_make(const Config *c, PGconn *conn, const char *db_name, const char *kind, BackupInfo *ret, char **ret_error) {
        LogContext ctx = LOG_CONTEXT_INIT;
        int r;

        ctx.action = "backup";
        ctx.db = db_name;
        ctx.request_id = getenv("VUMAERP_REQUEST_ID");
        r = backup_make_files(c, conn, db_name, kind, ret, ret_error);
        if (r < 0) {
                ctx.outcome = "backup_failed";
                log_event(LOG_ERR, MESSAGE_ID_BACKUP_FAILED, &ctx, "%s: the %s backup failed: %s", db_name, kind,
                          ret_error && *ret_error ? *ret_error : strerror(-r));
                return r;
        }
        ctx.outcome = "ok";
        log_event(LOG_INFO, MESSAGE_ID_BACKUP_MADE, &ctx, "%s: %s backup %s (%" PRId64 " bytes, sha256 %s)%s%s",
                  db_name, kind, ret->path, ret->size_bytes, ret->sha256,
                  ret->filestore_path ? ", filestore " : "", strempty(ret->filestore_path));
        return 0;
}

/* --- the actions --- */

static int backup_locked(TenantSession *s, void *userdata, json_t **ret) {
        _cleanup_(backup_info_done) BackupInfo b = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_json_ json_t *out = NULL;
        TenantWindow window = {};
        TenantDb db;
        int status, r;

        status = tenant_session_inspect(s, &db, ret);
        if (status != EXIT_OK)
                return status;
        if (!db.exists)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", s->db_name);

        /* An active tenant is dumped as it runs (pg_dump reads one snapshot); a suspended one is
         * admitted for the dump alone. */
        if (db.access != ACCESS_OPEN) {
                r = tenant_window_open(s, &db, &window, &error);
                if (r < 0)
                        return result_fail(ret, EXIT_UNAVAILABLE, "backup_failed", "the backup could not start: %s", strempty(error));
        }
        r = backup_make(s->config, s->conn, s->db_name, "manual", &b, &error);
        if (tenant_window_close(s, &window) < 0 && r >= 0)
                log_warning("%s: the backup was made, but its access could not be put back yet", s->db_name);
        if (r < 0)
                return result_fail(ret, EXIT_UNAVAILABLE, "backup_failed", "the backup failed: %s", strempty(error));

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(s->db_name)) < 0 ||
            json_object_set_new(out, "backup", backup_info_json(&b)) < 0)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

static int prune(const Config *c, json_t **ret) {
        static const char list_sql[] =
                "SELECT b.id, b.db_name, b.path, extract(epoch FROM b.created_at)::bigint,"
                "       coalesce(t.state = 'terminated', false), coalesce(extract(epoch FROM t.terminated_at)::bigint, 0),"
                "       extract(epoch FROM now())::bigint,"
                "       to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), b.filestore_path"
                "  FROM public.backups b LEFT JOIN public.tenants t ON t.db_name = b.db_name"
                " ORDER BY b.db_name, b.created_at, b.id";
        static const char delete_sql[] = "DELETE FROM public.backups WHERE id = $1::bigint";
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ BackupRecord *records = NULL;
        _cleanup_free_ bool *del = NULL;
        _cleanup_json_ json_t *out = NULL, *deleted = NULL, *failed = NULL;
        size_t n;
        time_t now;
        int r;

        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        res = pg_exec(conn, NULL, list_sql, 0, NULL);
        if (!res)
                return result_fail(ret, PQstatus(conn) == CONNECTION_BAD ? EXIT_UNAVAILABLE : EXIT_SOFTWARE,
                                   "database_error", "listing the backups failed");
        n = (size_t) PQntuples(res);
        records = calloc(n + 1, sizeof *records);
        del = calloc(n + 1, sizeof *del);
        deleted = json_array();
        failed = json_array();
        if (!records || !del || !deleted || !failed)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        now = n > 0 ? (time_t) strtoll(PQgetvalue(res, 0, 6), NULL, 10) : time(NULL);
        for (size_t i = 0; i < n; i++)
                records[i] = (BackupRecord) {
                        .id = strtoll(PQgetvalue(res, (int) i, 0), NULL, 10),
                        .db_name = PQgetvalue(res, (int) i, 1),
                        .created_at = (time_t) strtoll(PQgetvalue(res, (int) i, 3), NULL, 10),
                        .tenant_terminated = streq(PQgetvalue(res, (int) i, 4), "t"),
                        .terminated_at = (time_t) strtoll(PQgetvalue(res, (int) i, 5), NULL, 10),
                };
        (void) backup_prune_select(records, n, now, c->backup_retention_days, del);

        for (size_t i = 0; i < n; i++) {
                const char *id = PQgetvalue(res, (int) i, 0), *path = PQgetvalue(res, (int) i, 2);
                const char *params[1] = { id };
                json_t *entry;

                if (!del[i])
                        continue;
                /* A restore of this tenant may be reading it: take its lock, briefly. */
                if (registry_lock_tenant(conn, records[i].db_name, 5000) < 0) {
                        (void) json_array_append_new(failed, json_pack("{s:s,s:s}", "path", path, "error", "tenant busy"));
                        continue;
                }
                r = unlink_backup(path, PQgetvalue(res, (int) i, 8));
                if (r >= 0) {
                        _cleanup_pgresult_ PGresult *d = pg_exec(conn, NULL, delete_sql, 1, params);
                        if (!d)
                                r = -EIO;
                }
                (void) registry_unlock_tenant(conn, records[i].db_name);
                if (r < 0) {
                        (void) json_array_append_new(failed, json_pack("{s:s,s:s}", "path", path, "error", strerror(-r)));
                        continue;
                }
                entry = json_pack("{s:s,s:s,s:o,s:s}", "db_name", records[i].db_name, "path", path,
                                  "filestore_path", PQgetisnull(res, (int) i, 8) ? json_null() : json_string(PQgetvalue(res, (int) i, 8)),
                                  "created_at", PQgetvalue(res, (int) i, 7));
                if (!entry || json_array_append_new(deleted, entry) < 0)
                        return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
                log_info("%s: pruned backup %s", records[i].db_name, path);
        }

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "retention_days", json_integer(c->backup_retention_days)) < 0 ||
            json_object_set_new(out, "count", json_integer((json_int_t) json_array_size(deleted))) < 0 ||
            json_object_set_new(out, "kept", json_integer((json_int_t) (n - json_array_size(deleted)))) < 0 ||
            json_object_set_new(out, "deleted", TAKE_PTR(deleted)) < 0)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        if (json_array_size(failed) > 0) {
                json_decref(out);
                out = NULL;
                *ret = result_error("prune_incomplete", "%zu backup(s) could not be removed", json_array_size(failed));
                (void) json_object_set_new(*ret, "not_deleted", TAKE_PTR(failed));
                return EXIT_SOFTWARE;
        }
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

int tenant_backup(const Config *c, json_t *request, json_t **ret) {
        const char *name = NULL;
        int bad = 0, status;
        bool do_prune = request_bool(request, "prune", false, &bad);

        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "bad_request", "prune must be true or false");
        if (do_prune) {
                if (json_object_get(request, "db_name") && !json_is_null(json_object_get(request, "db_name")))
                        return result_fail(ret, EXIT_USAGE, "bad_request", "prune applies to every backup: give no db_name");
                return prune(c, ret);
        }
        status = request_db_name(c, request, &name, ret);
        if (status != EXIT_OK)
                return status;
        return tenant_session_run(c, name, "backup", backup_locked, NULL, ret);
}

/* --- restore --- */

/* The file's sha256 against every expected one known: the registry's (NULL: none) and the
 * .sha256 file beside it; at least one must be known. Returns an exit status; the actual hash and
 * size in ret_hex, ret_size. */
static int check_file(const char *path, const char *registry_hex, char ret_hex[static 65], int64_t *ret_size, json_t **ret) {
        _cleanup_free_ char *sha_path = NULL, *text = NULL;
        char from_file[65];
        size_t n = 0;
        int sources = 0, r;

        r = file_sha256(path, ret_hex, ret_size);
        if (r < 0)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_backup", "cannot read %s: %s", path, strerror(-r));

        if (registry_hex) {
                sources++;
                if (strcasecmp(registry_hex, ret_hex) != 0)
                        return result_fail(ret, EXIT_BAD_INPUT, "checksum_mismatch",
                                           "%s does not match the sha256 the registry recorded for it: refusing to restore it", path);
        }
        if (asprintf(&sha_path, "%s.sha256", path) < 0)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        r = read_file_bounded(sha_path, 64 * 1024, false, &text, &n);
        if (r >= 0) {
                if (backup_sha256_parse(text, path, from_file) < 0)
                        return result_fail(ret, EXIT_BAD_INPUT, "checksum_mismatch", "%s holds no sha256 for %s", sha_path, path);
                sources++;
                if (!streq(from_file, ret_hex))
                        return result_fail(ret, EXIT_BAD_INPUT, "checksum_mismatch",
                                           "%s does not match the sha256 in %s: refusing to restore it", path, sha_path);
        }
        if (sources == 0)
                return result_fail(ret, EXIT_BAD_INPUT, "no_checksum",
                                   "no sha256 known for %s (neither in the registry nor in %s): refusing to restore it", path, sha_path);
        return EXIT_OK;
}

/* Checks the dump, then its filestore tar: the one the registry recorded with this dump (which
 * must be there), else the one its name implies if present. b->filestore_path stays NULL when the
 * backup has none. Returns an exit status. */
static int check_backup(TenantSession *s, const char *path, BackupInfo *b, json_t **ret) {
        static const char sql[] =
                "SELECT sha256, filestore_path, filestore_sha256 FROM public.backups WHERE path = $1 ORDER BY id DESC LIMIT 1";
        const char *params[1] = { path };
        _cleanup_pgresult_ PGresult *res = pg_exec(s->conn, NULL, sql, 1, params);
        bool row, recorded;
        int status;

        if (!res)
                return tenant_session_db_error(s, "looking up the backup", ret);
        row = PQntuples(res) == 1;
        status = check_file(path, row && !PQgetisnull(res, 0, 0) ? PQgetvalue(res, 0, 0) : NULL, b->sha256, &b->size_bytes, ret);
        if (status != EXIT_OK)
                return status;
        b->path = strdup(path);
        if (!b->path)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");

        recorded = row && !PQgetisnull(res, 0, 1);
        if (recorded)
                b->filestore_path = strdup(PQgetvalue(res, 0, 1));
        else {
                b->filestore_path = backup_filestore_tar_path(path);
                if (!b->filestore_path && errno == EINVAL)
                        return EXIT_OK;   /* not named *.dump: no tar can be told by its name */
        }
        if (!b->filestore_path)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        if (access(b->filestore_path, F_OK) < 0) {
                if (recorded)
                        return result_fail(ret, EXIT_NO_TENANT, "no_such_backup",
                                           "the filestore archive %s recorded with %s is missing: refusing to restore the database without its files",
                                           b->filestore_path, path);
                free(b->filestore_path);
                b->filestore_path = NULL;
                return EXIT_OK;
        }
        return check_file(b->filestore_path, recorded && !PQgetisnull(res, 0, 2) ? PQgetvalue(res, 0, 2) : NULL,
                          b->filestore_sha256, &b->filestore_size_bytes, ret);
}

static int database_exists(TenantSession *s, bool *ret_exists) {
        static const char sql[] = "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1";
        const char *params[1] = { s->db_name };
        _cleanup_pgresult_ PGresult *res = pg_exec(s->conn, NULL, sql, 1, params);

        if (!res)
                return -EIO;
        *ret_exists = PQntuples(res) > 0;
        return 0;
}

/* The empty database a restore fills: owned by the holder (Odoo neither lists nor serves it while
 * it is half made), at first CONNECTION LIMIT 0 so that only a superuser gets in. */
static int create_database(PGconn *conn, const char *db_name) {
        _cleanup_free_ char *q = pg_quote_identifier(conn, db_name), *sql = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;

        if (!q || asprintf(&sql, "CREATE DATABASE %s OWNER " ACCESS_HOLDER_ROLE " TEMPLATE template0 ENCODING 'UTF8' CONNECTION LIMIT 0", q) < 0)
                return -ENOMEM;
        res = pg_exec(conn, NULL, sql, 0, NULL);
        return res ? 0 : -EIO;
}

/* Gives the new database's public schema to Odoo's role, which then restores into it as itself
 * (tenant-db.h), and admits it. Nothing of the tenant's is inside yet (a copy of template0), so
 * this one superuser session inside is safe. */
static int prepare_database(TenantSession *s, const char *role) {
        _cleanup_free_ char *qr = pg_quote_identifier(s->conn, role), *sql = NULL, *error = NULL;
        _cleanup_pgconn_ PGconn *fresh = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;

        if (!qr || asprintf(&sql, "ALTER SCHEMA public OWNER TO %s", qr) < 0)
                return -ENOMEM;
        if (pg_connect(s->config, s->db_name, &fresh, &error) < 0) {
                log_error("%s: cannot connect to the new database: %s", s->db_name, strempty(error));
                return -EIO;
        }
        res = pg_exec(fresh, NULL, sql, 0, NULL);
        if (!res)
                return -EIO;
        return access_set(s->conn, s->config, s->db_name, ACCESS_ADMITTED);
}

/* As Odoo's role: sets the restored database's Odoo signalling sequences past anything a running
 * Odoo may hold for this name (odoo-signal.h); and a copy under another name (--as) gets an
 * identity of its own — two live databases with one database.secret would accept each other's
 * signed sessions and tokens. */
static int signal_restored(const Config *c, const char *db_name, bool copy, char **ret_error) {
        static const char identity_sql[] =
                "UPDATE public.ir_config_parameter SET value = pg_catalog.gen_random_uuid()::text,"
                "       write_date = pg_catalog.now() AT TIME ZONE 'UTC'"
                " WHERE key IN ('database.uuid', 'database.secret')";
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        int r;

        r = tenant_db_connect(c, db_name, &conn, ret_error);
        if (r < 0)
                return r;
        res = pg_exec(conn, NULL, SIGNAL_ALL_SQL, 0, NULL);
        if (!res) {
                error_set(ret_error, "cannot signal Odoo's caches in the restored database: %s", PQerrorMessage(conn));
                return -EIO;
        }
        if (copy) {
                PQclear(res);
                res = pg_exec(conn, NULL, identity_sql, 0, NULL);
                if (!res) {
                        error_set(ret_error, "cannot give the restored copy an identity of its own: %s", PQerrorMessage(conn));
                        return -EIO;
                }
        }
        return 0;
}

typedef struct RestoreRequest {
        const char *path;       /* the dump, resolved */
        const char *source_db;  /* the tenant it was made of */
} RestoreRequest;

static int restore_locked(TenantSession *s, void *userdata, json_t **ret) {
        static const char registry_sql[] =
                "INSERT INTO public.tenants AS t (db_name, state, country, company_name, admin_email, admin_login)"
                "     SELECT $1, 'active', src.country, src.company_name, src.admin_email, src.admin_login"
                "       FROM (SELECT NULL) x LEFT JOIN public.tenants src ON src.db_name = $2"
                /* An old row of the target name (a terminated tenant) describes another company:
                 * the row says what was restored, from the source's row. */
                " ON CONFLICT (db_name) DO UPDATE SET"
                "     state = 'active', terminated_at = NULL, suspended_at = NULL, suspend_reason = NULL,"
                "     country = excluded.country, company_name = excluded.company_name,"
                "     admin_email = excluded.admin_email, admin_login = excluded.admin_login,"
                "     whmcs_service_id = CASE WHEN t.db_name = $2 THEN t.whmcs_service_id END,"
                "     updated_at = now()";
        const RestoreRequest *q = userdata;
        const char *path = q->path, *source_db = q->source_db;
        const Config *c = s->config;
        const char *role = c->odoo_role;
        _cleanup_(backup_tool_dir_done) BackupToolDir t = {};
        _cleanup_free_ char *pg_restore = NULL, *error = NULL, *db_arg = NULL;
        _cleanup_(backup_conn_args_done) BackupConnArgs conn_args = {};
        _cleanup_(backup_info_done) BackupInfo b = {};
        _cleanup_json_ json_t *out = NULL;
        bool exists, extracted = false;
        int status, r;

        /* Both checksums before anything is touched. */
        status = check_backup(s, path, &b, ret);
        if (status != EXIT_OK)
                return status;
        if (b.filestore_path && !c->odoo_data_dir)
                return result_fail(ret, EXIT_CONFIG, "no_data_dir",
                                   "%s comes with the tenant's filestore (%s), but odoo.data_dir is not configured: "
                                   "refusing to restore the database without its files", path, b.filestore_path);
        if (database_exists(s, &exists) < 0)
                return tenant_session_db_error(s, "looking up the database", ret);
        if (exists)
                return result_fail(ret, EXIT_EXISTS, "db_exists", "database \"%s\" already exists", s->db_name);
        if (b.filestore_path) {
                _cleanup_free_ char *fs = filestore_path(c->odoo_data_dir, s->db_name);
                struct stat st;

                if (!fs)
                        return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
                if (lstat(fs, &st) >= 0 || errno != ENOENT)
                        return result_fail(ret, EXIT_EXISTS, "filestore_exists",
                                           "the filestore %s already exists: refusing to mix another tenant's files into it", fs);
        }

        pg_restore = backup_tool_find(s->conn, "pg_restore");
        if (!pg_restore)
                return result_fail(ret, EXIT_SOFTWARE, "restore_failed", "pg_restore not found");
        r = backup_tool_dir_make(c->odoo_password_file, &t, &error);
        if (r < 0)
                return result_fail(ret, EXIT_SOFTWARE, "restore_failed", "%s", strempty(error));

        /* If we are killed from here on, the next action on this name drops the half-made
         * database (session.c, repair_interrupted), knowing it by its oid. */
        if (create_database(s->conn, s->db_name) < 0)
                return tenant_session_db_error(s, "creating the database", ret);
        {
                TenantDb db;

                status = tenant_session_inspect(s, &db, ret);
                if (status == EXIT_OK && (!db.exists || tenant_session_mark_half_made(s, db.oid) < 0))
                        status = tenant_session_db_error(s, "recording the operation", ret);
                if (status == EXIT_OK && prepare_database(s, role) < 0)
                        status = tenant_session_db_error(s, "preparing the database for pg_restore", ret);
                if (status != EXIT_OK) {
                        (void) pg_drop_database(s->conn, s->db_name, true);
                        return status;
                }
        }

        if (asprintf(&db_arg, "--dbname=%s", s->db_name) < 0)
                r = -ENOMEM;
        else {
                char *argv[14];
                size_t k = 0;

                argv[k++] = (char *) "pg_restore";
                argv[k++] = (char *) "--no-owner";
                argv[k++] = (char *) "--no-acl";
                argv[k++] = (char *) "--exit-on-error";
                argv[k++] = (char *) "--single-transaction";
                argv[k++] = (char *) "--no-password";
                k = backup_conn_args(c, argv, k, &conn_args);
                argv[k++] = db_arg;
                argv[k++] = (char *) path;
                argv[k] = NULL;
                r = backup_tool_run(&t, pg_restore, argv, &error);
        }
        /* A running Odoo may hold the registry of an earlier database of this name (odoo-signal.h). */
        if (r == 0)
                r = signal_restored(c, s->db_name, !streq_ptr(source_db, s->db_name), &error);
        /* The files before Odoo's role may connect: it never sees the database without them. */
        if (r == 0 && b.filestore_path) {
                r = filestore_extract(c->odoo_data_dir, b.filestore_path, s->db_name, &error);
                extracted = r == 0;
        }
        /* Its route (and no suspension page a former tenant of the name left) before Odoo's
         * role may connect. */
        if (r == 0 && (web_tenant_remove(c, s->db_name) < 0 || web_route_add(c, s->db_name) < 0)) {
                r = -EIO;
                free(error);
                error = strdup("cannot write its route in web.state_dir");
        }
        if (r == 0 && access_set(s->conn, c, s->db_name, ACCESS_OPEN) < 0)
                r = -EIO;
        if (r != 0) {
                (void) web_tenant_remove(c, s->db_name);
                if (pg_drop_database(s->conn, s->db_name, true) < 0)
                        log_error("%s: could not drop the half-restored database", s->db_name);
                if (extracted && filestore_remove(c->odoo_data_dir, s->db_name) < 0)
                        log_error("%s: could not remove the restored filestore", s->db_name);
                return result_fail(ret, PQstatus(s->conn) == CONNECTION_BAD ? EXIT_UNAVAILABLE : EXIT_SOFTWARE,
                                   "restore_failed", "restoring %s failed, nothing was kept: %s", path,
                                   error ? error : PQerrorMessage(s->conn));
        }
        {
                const char *params[2];
                _cleanup_pgresult_ PGresult *reg = NULL;

                (void) tenant_session_unmark_half_made(s);

                params[0] = s->db_name;
                params[1] = source_db;
                reg = pg_exec(s->conn, NULL, registry_sql, 2, params);
                if (!reg)
                        return tenant_session_db_error(s, "recording the tenant in the registry", ret);
        }

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(s->db_name)) < 0 ||
            json_object_set_new(out, "status", json_string("active")) < 0 ||
            json_object_set_new(out, "backup", backup_info_json(&b)) < 0)
                return result_fail(ret, EXIT_SOFTWARE, "out_of_memory", "out of memory");
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

int tenant_restore(const Config *c, json_t *request, json_t **ret) {
        _cleanup_free_ char *path = NULL, *source = NULL;
        const char *given, *as, *base, *dash;
        struct stat st;
        int bad = 0, r;

        given = request_string(request, "backup", &bad);
        if (bad || (given && (strlen(given) == 0 || strlen(given) > BACKUP_PATH_MAX)))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "backup must be a path of at most %d bytes", BACKUP_PATH_MAX);
        if (!given)
                return result_fail(ret, EXIT_USAGE, "missing_backup", "backup (the path of a .dump) is required");
        as = request_string(request, "as_db_name", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "as_db_name must be a string");

        path = realpath(given, NULL);
        if (!path || stat(path, &st) < 0)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_backup", "cannot find backup %s: %s", given, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "%s is not a regular file", path);

        /* The tenant it was: <db_name>-<UTC>.dump (a name never holds '-'). */
        base = base_name(path);
        dash = strchr(base, '-');
        source = dash ? strndup(base, (size_t) (dash - base)) : NULL;
        if (!as) {
                if (!source || !db_name_is_valid(source))
                        return result_fail(ret, EXIT_USAGE, "missing_db_name",
                                           "cannot tell the tenant from the file name %s: give --as <db_name>", base);
                as = source;
        }
        r = db_name_check(c, as);
        if (r < 0)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name",
                                   r == -EPERM ? "db_name \"%s\" is reserved and cannot be a tenant"
                                               : "invalid db_name \"%s\": it must be 2 to 63 characters of a-z, 0-9 and _, starting with a letter",
                                   as);

        return tenant_session_run(c, as, "restore", restore_locked,
                                  &(RestoreRequest) { .path = path, .source_db = source && db_name_is_valid(source) ? source : as },
                                  ret);
}
