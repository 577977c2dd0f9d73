/* SPDX-License-Identifier: MIT */
/*
 * backup.c: owns making tenant backups (the dump and the filestore tar: claimed, verified,
 * fsync'd, published with their checksums, recorded in the registry's backups table), adopting
 * what a cut-off run left, and retention. The tools run through backup-tool.h.
 */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "backup-all.h"
#include "backup-tool.h"
#include "backup.h"
#include "fileio.h"
#include "filestore.h"
#include "log.h"
#include "message-id.h"
#include "names.h"
#include "offsite.h"
#include "owner.h"
#include "pg.h"
#include "registry.h"
#include "registry-backup.h"
#include "result.h"
#include "retention.h"
#include "session.h"

void backup_info_done(BackupInfo *b) {
        free(b->path);
        free(b->filestore_path);
        json_decref(b->offsite);
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
        if (o && b->offsite && json_object_set(o, "offsite", b->offsite) < 0) {
                json_decref(o);
                return NULL;
        }
        return o;
}

/* --- names, checksums: the pure parts --- */

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

char *backup_sha256_line(const char *hex, const char *path) {
        char *s;

        if (asprintf(&s, "%s  %s\n", hex, basename(path)) < 0)
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
        const char *want = basename(path), *found = NULL, *only = NULL;
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
        struct dirent *de;
        DIR *d;

        if (opendir_at(AT_FDCWD, dir, &d) < 0)
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
                char hex[65], tar_hex[65] = "";
                int64_t size = 0, tar_size = 0;
                bool has_tar, ok;
                struct stat st;
                size_t n = strlen(de->d_name);

                if (n <= STRLEN(".dump") || !streq(de->d_name + n - STRLEN(".dump"), ".dump") ||
                    asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        continue;
                if (registry_backup_known(conn, path) != 0 || lstat(path, &st) < 0 || !S_ISREG(st.st_mode))
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
                if (registry_backup_adopt(conn, &(RegistryBackup) {
                                .db_name = db_name, .path = path, .size_bytes = size, .sha256 = hex,
                                .created_at = st.st_mtime,
                                .filestore_path = has_tar ? tar : NULL, .filestore_sha256 = tar_hex,
                                .filestore_size_bytes = tar_size,
                    }) >= 0)
                        log_notice("%s: recorded %s, a verified backup that a cut-off run had not recorded", db_name, path);
        }
        closedir(d);
}

/* One backup on its way: the names it claimed and what is known of it so far. */
typedef struct BackupMaking {
        const Config *config;
        PGconn *conn;
        const char *db_name;
        BackupToolDir tools;
        char *pg_dump, *pg_restore;
        char *dir;                      /* <backups.dir>/<db_name> */
        char *final, *partial;          /* the dump; partial NULL once renamed to final */
        int fd;                         /* the partial dump, created by us */
        char *tar_final, *tar_partial;  /* the filestore tar; both NULL: the tenant has none */
        char hex[65], tar_hex[65];
        int64_t size, tar_size;
} BackupMaking;

static void making_done(BackupMaking *m) {
        backup_tool_dir_done(&m->tools);
        free(m->pg_dump);
        free(m->pg_restore);
        free(m->dir);
        free(m->final);
        free(m->partial);
        if (m->fd >= 0)
                (void) close(m->fd);
        free(m->tar_final);
        free(m->tar_partial);
}

/* Nothing of a failed backup stays: not the partial files, not final ones, not their hashes. */
static void making_discard(BackupMaking *m) {
        if (m->partial)
                (void) unlink(m->partial);
        else if (m->final)
                (void) unlink_with_sha256(m->final);
        if (m->tar_partial)
                (void) unlink(m->tar_partial);
        else if (m->tar_final)
                (void) unlink_with_sha256(m->tar_final);
}

/* The tools, the tenant's directory (stale partials removed, orphans adopted: we hold the lock),
 * and a name no earlier backup has, its partial file created 0600 (a dump holds everything,
 * password hashes too). */
static int making_claim(BackupMaking *m, char **ret_error) {
        const Config *c = m->config;
        time_t now = time(NULL);
        int r, has_filestore;

        has_filestore = filestore_present(c->odoo_data_dir, m->db_name, ret_error);
        if (has_filestore < 0)
                return has_filestore;
        m->pg_dump = backup_tool_find(m->conn, "pg_dump");
        m->pg_restore = backup_tool_find(m->conn, "pg_restore");
        if (!m->pg_dump || !m->pg_restore) {
                error_set(ret_error, "pg_dump or pg_restore not found (looked in /usr/lib/postgresql/%d/bin and $PATH)",
                          PQserverVersion(m->conn) / 10000);
                return -ENOENT;
        }

        r = mkdir_private(c->backup_dir);
        if (r < 0) {
                error_set(ret_error, "backup directory %s: %s", c->backup_dir, strerror(-r));
                return r;
        }
        if (asprintf(&m->dir, "%s/%s", c->backup_dir, m->db_name) < 0) {
                m->dir = NULL;
                return -ENOMEM;
        }
        r = mkdir_private(m->dir);
        if (r < 0) {
                error_set(ret_error, "backup directory %s: %s", m->dir, strerror(-r));
                return r;
        }
        remove_stale_partials(m->dir);
        sweep_orphans(m->conn, m->db_name, m->dir);

        for (unsigned seq = 1; m->fd < 0; seq++) {
                _cleanup_free_ char *name = backup_file_name(m->db_name, now, seq);

                free(m->final);
                free(m->partial);
                m->final = m->partial = NULL;
                if (!name || seq > 1000)
                        return name ? -EEXIST : -ENOMEM;
                if (asprintf(&m->final, "%s/%s", m->dir, name) < 0 || asprintf(&m->partial, "%s.partial", m->final) < 0)
                        return -ENOMEM;
                if (access(m->final, F_OK) == 0)
                        continue;
                m->fd = open(m->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (m->fd < 0 && errno != EEXIST) {
                        r = negative_errno();
                        error_set(ret_error, "cannot create %s: %s", m->partial, strerror(-r));
                        /* Not ours: nothing to remove. */
                        free(m->partial);
                        m->partial = NULL;
                        free(m->final);
                        m->final = NULL;
                        return r;
                }
        }
        if (has_filestore) {
                m->tar_final = backup_filestore_tar_path(m->final);
                if (!m->tar_final || asprintf(&m->tar_partial, "%s.partial", m->tar_final) < 0) {
                        m->tar_partial = NULL;
                        return -ENOMEM;
                }
        }
        return backup_tool_dir_make(c->odoo_password_file, &m->tools, ret_error);
}

/* pg_dump into the partial file, then fsync through our own descriptor: it flushes the file
 * whoever wrote it. */
static int making_dump(BackupMaking *m, char **ret_error) {
        _cleanup_free_ char *file_arg = NULL, *db_arg = NULL;
        _cleanup_(backup_conn_args_done) BackupConnArgs conn_args = {};
        char *argv[10];
        size_t k = 0;
        int r;

        if (asprintf(&file_arg, "--file=%s", m->partial) < 0 || asprintf(&db_arg, "--dbname=%s", m->db_name) < 0)
                return -ENOMEM;
        argv[k++] = (char *) "pg_dump";
        argv[k++] = (char *) "--format=custom";
        argv[k++] = (char *) "--no-password";
        argv[k++] = file_arg;
        k = backup_conn_args(m->config, argv, k, &conn_args);
        argv[k++] = db_arg;
        argv[k] = NULL;
        r = backup_tool_run(&m->tools, m->pg_dump, argv, ret_error);
        if (r != 0)
                return r < 0 ? r : -EIO;
        if (fsync(m->fd) < 0) {
                r = negative_errno();
                error_set(ret_error, "fsync %s: %s", m->partial, strerror(-r));
                return r;
        }
        return 0;
}

/* pg_restore reads the dump's table of contents while we hash the whole file: the two checks
 * overlap rather than add up. */
static int making_verify(BackupMaking *m, char **ret_error) {
        char *argv[] = { (char *) "pg_restore", (char *) "--list", (char *) "--file=/dev/null", m->partial, NULL };
        pid_t pid;
        int r, hashed;

        r = backup_tool_start(&m->tools, m->pg_restore, argv, &pid, ret_error);
        if (r < 0)
                return r;
        hashed = file_sha256(m->partial, m->hex, &m->size);
        r = backup_tool_wait(&m->tools, m->pg_restore, pid, ret_error);
        if (r != 0) {
                if (r > 0)
                        error_set(ret_error, "the dump does not read back: pg_restore --list exited with status %d", r);
                return r < 0 ? r : -EBADMSG;
        }
        if (hashed < 0) {
                error_set(ret_error, "cannot read back %s: %s", m->partial, strerror(-hashed));
                return hashed;
        }
        return 0;
}

/* The attachments the database points at: without them a restored tenant is broken, so a
 * filestore that cannot be archived fails the whole backup. */
static int making_archive(BackupMaking *m, char **ret_error) {
        if (!m->tar_partial)
                return 0;
        return filestore_archive(m->config->odoo_data_dir, m->db_name, m->tar_partial, m->tar_hex, &m->tar_size, ret_error);
}

static int rename_partial(char **partial, const char *final, char **ret_error) {
        if (rename(*partial, final) < 0) {
                int r = negative_errno();

                error_set(ret_error, "cannot rename %s: %s", *partial, strerror(-r));
                return r;
        }
        free(*partial);
        *partial = NULL;
        return 0;
}

/* The final names, then the checksum files beside them (what a finished backup writes last
 * before its registry row, sweep_orphans()), then the directory made durable. */
static int making_publish(BackupMaking *m, char **ret_error) {
        int r;

        r = rename_partial(&m->partial, m->final, ret_error);
        if (r >= 0 && m->tar_partial)
                r = rename_partial(&m->tar_partial, m->tar_final, ret_error);
        if (r < 0)
                return r;
        r = write_sha256_file(m->final, m->hex);
        if (r >= 0 && m->tar_final)
                r = write_sha256_file(m->tar_final, m->tar_hex);
        if (r >= 0)
                r = fsync_path(m->dir, true);
        if (r < 0)
                error_set(ret_error, "cannot write the checksums beside %s: %s", m->final, strerror(-r));
        return r;
}

static int making_record(BackupMaking *m, const char *kind, char **ret_error) {
        int r;

        r = registry_backup_record(m->conn, &(RegistryBackup) {
                        .db_name = m->db_name, .path = m->final, .size_bytes = m->size, .sha256 = m->hex,
                        .kind = kind,
                        .filestore_path = m->tar_final, .filestore_sha256 = m->tar_hex,
                        .filestore_size_bytes = m->tar_size,
                });
        if (r < 0) {
                error_set(ret_error, "cannot record the backup in the registry: %s", PQerrorMessage(m->conn));
                return r;
        }
        return 0;
}

/* claim → dump → verify → archive → publish → record; on failure nothing is left behind. */
static int backup_make_files(const Config *c, PGconn *conn, const char *db_name, const char *kind, BackupInfo *ret, char **ret_error) {
        _cleanup_(making_done) BackupMaking m = { .config = c, .conn = conn, .db_name = db_name, .fd = -1 };
        int r;

        *ret = (BackupInfo) {};
        r = making_claim(&m, ret_error);
        if (r >= 0)
                r = making_dump(&m, ret_error);
        if (r >= 0)
                r = making_verify(&m, ret_error);
        if (r >= 0)
                r = making_archive(&m, ret_error);
        if (r >= 0)
                r = making_publish(&m, ret_error);
        if (r >= 0)
                r = making_record(&m, kind, ret_error);
        if (r < 0) {
                making_discard(&m);
                if (ret_error && !*ret_error)
                        error_set(ret_error, "%s", strerror(-r));
                return r;
        }

        ret->path = TAKE_PTR(m.final);
        ret->size_bytes = m.size;
        memcpy(ret->sha256, m.hex, sizeof m.hex);
        if (m.tar_final) {
                ret->filestore_path = TAKE_PTR(m.tar_final);
                ret->filestore_size_bytes = m.tar_size;
                memcpy(ret->filestore_sha256, m.tar_hex, sizeof m.tar_hex);
        }
        return 0;
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
        /* Made and verified here: its offsite copy is a copy, and its failure this backup's no more. */
        ret->offsite = offsite_after_backup(c, conn, db_name, ret->path);
        return 0;
}

/* --- the actions --- */

/* userdata: the kind (backup_make()); NULL: "manual". */
static int backup_locked(TenantSession *s, void *userdata, json_t **ret) {
        const char *kind = userdata ? userdata : "manual";
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
        r = backup_make(s->config, s->conn, s->db_name, kind, &b, &error);
        if (tenant_window_close(s, &window) < 0 && r >= 0)
                log_warning("%s: the backup was made, but its access could not be put back yet", s->db_name);
        if (r < 0)
                return result_fail(ret, EXIT_UNAVAILABLE, "backup_failed", "the backup failed: %s", strempty(error));

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(s->db_name)) < 0 ||
            json_object_set_new(out, "backup", backup_info_json(&b)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

static int prune(const Config *c, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_(registry_backup_list_done) RegistryBackupList list = {};
        _cleanup_free_ char *error = NULL;
        _cleanup_free_ RetentionBackup *records = NULL;
        _cleanup_free_ unsigned *keep = NULL;
        _cleanup_json_ json_t *out = NULL, *deleted = NULL, *failed = NULL, *in_use = NULL;
        size_t n;
        time_t now;
        int r;

        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = registry_backup_list(conn, &list);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(conn, "listing the backups", ret);
        n = list.n;
        records = calloc(n + 1, sizeof *records);
        keep = calloc(n + 1, sizeof *keep);
        deleted = json_array();
        failed = json_array();
        in_use = json_array();
        if (!records || !keep || !deleted || !failed || !in_use)
                return result_oom(ret);
        now = n > 0 ? list.now : time(NULL);
        for (size_t i = 0; i < n; i++)
                records[i] = (RetentionBackup) {
                        .id = list.entries[i].id,
                        .db_name = list.entries[i].db_name,
                        .created_at = list.entries[i].created_at,
                        .terminate = streq_ptr(list.entries[i].kind, "terminate"),
                        .tenant_terminated = list.entries[i].tenant_terminated,
                        .terminated_at = list.entries[i].terminated_at,
                };
        if (retention_select(records, n, now, &c->backup_retention, keep) < 0)
                return result_oom(ret);

        for (size_t i = 0; i < n; i++) {
                const RegistryBackupEntry *e = &list.entries[i];
                const char *path = e->path;
                json_t *entry;

                if (keep[i])
                        continue;
                /* A restore of this tenant may be reading it: take its lock, briefly. */
                if (registry_lock_tenant(conn, records[i].db_name, 5000) < 0) {
                        (void) json_array_append_new(failed, json_pack("{s:s,s:s}", "path", path, "error", "tenant busy"));
                        continue;
                }
                /* A drill (or a restore under another name) may be reading it without that lock:
                 * then it stays until the next prune. */
                r = registry_backup_claim(conn, path);
                if (r == 0) {
                        (void) registry_unlock_tenant(conn, records[i].db_name);
                        if (json_array_append_new(in_use, json_string(path)) < 0)
                                return result_oom(ret);
                        log_info("%s: kept backup %s past its retention: a restore is reading it", records[i].db_name, path);
                        continue;
                }
                if (r > 0) {
                        r = unlink_backup(path, e->filestore_path);
                        if (r >= 0)
                                r = registry_backup_forget(conn, e->id);
                        if (registry_backup_unclaim(conn, path) < 0 && r >= 0)
                                r = -EIO;
                }
                (void) registry_unlock_tenant(conn, records[i].db_name);
                if (r < 0) {
                        (void) json_array_append_new(failed, json_pack("{s:s,s:s}", "path", path, "error", strerror(-r)));
                        continue;
                }
                entry = json_pack("{s:s,s:s,s:o,s:s}", "db_name", records[i].db_name, "path", path,
                                  "filestore_path", e->filestore_path ? json_string(e->filestore_path) : json_null(),
                                  "created_at", e->created_at_text);
                if (!entry || json_array_append_new(deleted, entry) < 0)
                        return result_oom(ret);
                log_info("%s: pruned backup %s", records[i].db_name, path);
        }

        /* Download directories (offsite.h) a restore that was cut off left in backups.dir. */
        (void) offsite_sweep_downloads(c);

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "retention", json_pack("{s:i,s:i,s:i}", "daily", c->backup_retention.daily,
                                                            "weekly", c->backup_retention.weekly,
                                                            "monthly", c->backup_retention.monthly)) < 0 ||
            json_object_set_new(out, "count", json_integer((json_int_t) json_array_size(deleted))) < 0 ||
            json_object_set_new(out, "kept", json_integer((json_int_t) (n - json_array_size(deleted)))) < 0 ||
            json_object_set_new(out, "deleted", TAKE_PTR(deleted)) < 0 ||
            json_object_set_new(out, "in_use", TAKE_PTR(in_use)) < 0)
                return result_oom(ret);
        /* The remote side keeps what the local side keeps (offsite.h). */
        if (c->offsite_endpoint) {
                json_t *remote = offsite_prune_remote(c, conn);

                if (!remote || json_object_set_new(out, "offsite", remote) < 0)
                        return result_oom(ret);
        }
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

int backup_tenant(const Config *c, const char *db_name, const char *kind, json_t **ret) {
        return tenant_session_run(c, db_name, "backup", backup_locked, (void *) kind, ret);
}

int tenant_backup(const Config *c, json_t *request, json_t **ret) {
        TenantOwner owner;
        int bad = 0, status;
        bool do_prune = request_bool(request, "prune", false, &bad);
        bool all = request_bool(request, "all", false, &bad);

        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "bad_request", "prune and all must be true or false");
        if (do_prune || all) {
                if ((json_object_get(request, "db_name") && !json_is_null(json_object_get(request, "db_name"))) ||
                    (json_object_get(request, "whmcs_service_id") && !json_is_null(json_object_get(request, "whmcs_service_id"))) ||
                    (do_prune && all))
                        return result_fail(ret, EXIT_USAGE, "bad_request",
                                           "%s applies to every tenant: give no db_name, whmcs_service_id or %s",
                                           do_prune ? "prune" : "all", do_prune ? "all" : "prune");
                return do_prune ? prune(c, ret) : backup_all(c, ret);
        }
        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        return owner_session_run(c, &owner, "backup", backup_locked, NULL, ret);
}
