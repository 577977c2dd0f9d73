/* SPDX-License-Identifier: MIT */
/*
 * restore.c: owns restoring a backup as a tenant (restore.h): both checksums checked before
 * anything is touched, the database made owned by the holder and filled by pg_restore as Odoo's
 * role, Odoo's caches signalled, the filestore extracted, the route written, and only then the
 * database opened to Odoo; on failure nothing is kept.
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "backup-tool.h"
#include "backup.h"
#include "fileio.h"
#include "filestore.h"
#include "log.h"
#include "names.h"
#include "odoo-signal.h"
#include "offsite.h"
#include "pg.h"
#include "registry.h"
#include "registry-backup.h"
#include "registry-tenant.h"
#include "restore.h"
#include "result.h"
#include "session.h"
#include "tenant-db.h"
#include "web.h"

#define BACKUP_PATH_MAX 4096

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
                return result_oom(ret);
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
        _cleanup_(registry_backup_sums_done) RegistryBackupSums sums = {};
        bool recorded;
        int status, r;

        r = registry_backup_sums(s->conn, path, &sums);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "looking up the backup", ret);
        status = check_file(path, sums.sha256, b->sha256, &b->size_bytes, ret);
        if (status != EXIT_OK)
                return status;
        b->path = strdup(path);
        if (!b->path)
                return result_oom(ret);

        recorded = sums.filestore_path != NULL;
        if (recorded)
                b->filestore_path = TAKE_PTR(sums.filestore_path);
        else {
                b->filestore_path = backup_filestore_tar_path(path);
                if (!b->filestore_path && errno == EINVAL)
                        return EXIT_OK;   /* not named *.dump: no tar can be told by its name */
        }
        if (!b->filestore_path)
                return result_oom(ret);
        if (access(b->filestore_path, F_OK) < 0) {
                if (recorded)
                        return result_fail(ret, EXIT_NO_TENANT, "no_such_backup",
                                           "the filestore archive %s recorded with %s is missing: refusing to restore the database without its files",
                                           b->filestore_path, path);
                free(b->filestore_path);
                b->filestore_path = NULL;
                return EXIT_OK;
        }
        return check_file(b->filestore_path, recorded ? sums.filestore_sha256 : NULL,
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

        if (!q || asprintf(&sql, "CREATE DATABASE %s OWNER " ACCESS_HOLDER_ROLE " TEMPLATE template0 ENCODING 'UTF8' CONNECTION LIMIT 0", q) < 0)
                return -ENOMEM;
        return pg_run(conn, sql, 0, NULL);
}

/* Gives the new database's public schema to Odoo's role, which then restores into it as itself
 * (tenant-db.h), and admits it. Nothing of the tenant's is inside yet (a copy of template0), so
 * this one superuser session inside is safe. Returns an exit status, *ret set on failure. */
static int prepare_database(TenantSession *s, const char *role, json_t **ret) {
        _cleanup_free_ char *qr = pg_quote_identifier(s->conn, role), *sql = NULL, *error = NULL;
        _cleanup_pgconn_ PGconn *fresh = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        int r;

        if (!qr || asprintf(&sql, "ALTER SCHEMA public OWNER TO %s", qr) < 0)
                return result_oom(ret);
        r = pg_connect(s->config, s->db_name, &fresh, &error);
        if (r < 0)
                return pg_connect_failure(r, "the new database", error, ret);
        res = pg_exec(fresh, NULL, sql, 0, NULL);
        if (!res)
                return pg_failure(fresh, "preparing the database for pg_restore", ret);
        if (access_set(s->conn, s->config, s->db_name, ACCESS_ADMITTED) < 0)
                return pg_failure(s->conn, "admitting the database for pg_restore", ret);
        return EXIT_OK;
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
        bool scratch;           /* restore_scratch(): no tenant, nobody's to serve */
} RestoreRequest;

static int restore_held(TenantSession *s, void *userdata, json_t **ret) {
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
                return pg_failure(s->conn, "looking up the database", ret);
        if (exists)
                return result_fail(ret, EXIT_EXISTS, "db_exists", "database \"%s\" already exists", s->db_name);
        if (b.filestore_path) {
                _cleanup_free_ char *fs = filestore_path(c->odoo_data_dir, s->db_name);
                struct stat st;

                if (!fs)
                        return result_oom(ret);
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
                return pg_failure(s->conn, "creating the database", ret);
        {
                TenantDb db;

                status = tenant_session_inspect(s, &db, ret);
                if (status == EXIT_OK && (!db.exists || tenant_session_mark_half_made(s, db.oid) < 0))
                        status = pg_failure(s->conn, "recording the operation", ret);
                if (status == EXIT_OK)
                        status = prepare_database(s, role, ret);
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
        if (r == 0 && !q->scratch)
                r = signal_restored(c, s->db_name, !streq_ptr(source_db, s->db_name), &error);
        /* The files before Odoo's role may connect: it never sees the database without them. */
        if (r == 0 && b.filestore_path) {
                r = filestore_extract(c->odoo_data_dir, b.filestore_path, s->db_name, &error);
                extracted = r == 0;
        }
        /* Its route (and no suspension page a former tenant of the name left) before Odoo's
         * role may connect. */
        if (r == 0 && !q->scratch && (web_tenant_remove(c, s->db_name) < 0 || web_route_add(c, s->db_name) < 0)) {
                r = -EIO;
                free(error);
                error = strdup("cannot write its route in web.state_dir");
        }
        if (r == 0 && !q->scratch && access_set(s->conn, c, s->db_name, ACCESS_OPEN) < 0) {
                r = -EIO;
                free(error);
                error = pg_error_message(s->conn);
        }
        if (r != 0) {
                bool gone;

                if (!error)
                        error = pg_error_message(s->conn);
                gone = pg_connection_lost(s->conn);
                if (!q->scratch)
                        (void) web_tenant_remove(c, s->db_name);
                if (pg_drop_database(s->conn, s->db_name, true) < 0) {
                        _cleanup_free_ char *msg = pg_error_message(s->conn);

                        log_error("%s: could not drop the half-restored database: %s", s->db_name, strempty(msg));
                }
                if (extracted && filestore_remove(c->odoo_data_dir, s->db_name) < 0)
                        log_error("%s: could not remove the restored filestore", s->db_name);
                return result_fail(ret, gone ? EXIT_UNAVAILABLE : EXIT_SOFTWARE,
                                   "restore_failed", "restoring %s failed, nothing was kept: %s", path, strempty(error));
        }
        if (q->scratch) {
                /* Still half made: if the caller is killed before it drops it, the next session
                 * on the name does. */
                *ret = backup_info_json(&b);
                return *ret ? EXIT_OK : result_oom(ret);
        }
        (void) tenant_session_unmark_half_made(s);
        /* An old row of the target name (a terminated tenant) describes another company: the row
         * says what was restored, from the source's row. */
        if (registry_tenant_restored(s->conn, s->db_name, source_db) < 0)
                return pg_failure(s->conn, "recording the tenant in the registry", ret);

        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(s->db_name)) < 0 ||
            json_object_set_new(out, "status", json_string("active")) < 0 ||
            json_object_set_new(out, "backup", backup_info_json(&b)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* The backup's files are held while they are read (registry-backup.h): prune keeps a backup a
 * restore or a drill is reading, whichever tenant's lock they hold. */
static int restore_locked(TenantSession *s, void *userdata, json_t **ret) {
        const RestoreRequest *q = userdata;
        int status;

        if (registry_backup_hold(s->conn, q->path) < 0)
                return pg_failure(s->conn, "holding the backup", ret);
        status = restore_held(s, userdata, ret);
        if (registry_backup_release(s->conn, q->path) < 0)
                log_warning("%s: could not release the hold on %s (the connection's end does)", s->db_name, q->path);
        return status;
}

int restore_scratch(TenantSession *s, const char *path, const char *source_db, json_t **ret) {
        return restore_locked(s, &(RestoreRequest) { .path = path, .source_db = source_db, .scratch = true }, ret);
}

int tenant_restore(const Config *c, json_t *request, json_t **ret) {
        _cleanup_free_ char *path = NULL, *source = NULL;
        _cleanup_(offsite_download_done) OffsiteDownload fetched = OFFSITE_DOWNLOAD_INIT;
        const char *given, *as, *base, *dash, *remote;
        struct stat st;
        int bad = 0, r;

        given = request_string(request, "backup", &bad);
        if (bad || (given && (strlen(given) == 0 || strlen(given) > BACKUP_PATH_MAX)))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "backup must be a path of at most %d bytes", BACKUP_PATH_MAX);
        remote = request_string(request, "remote_key", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "remote_key must be a string");
        if (given && remote)
                return result_fail(ret, EXIT_USAGE, "bad_request", "give backup or remote_key, not both");
        if (!given && !remote)
                return result_fail(ret, EXIT_USAGE, "missing_backup",
                                   "backup (the path of a .dump) or remote_key (its offsite key) is required");
        as = request_string(request, "as_db_name", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "as_db_name must be a string");
        /* A backup from the offsite store (from this host or another): downloaded and checked
         * first, then restored as a local one is, then removed. */
        if (remote) {
                int status = offsite_fetch(c, remote, &fetched, ret);

                if (status != EXIT_OK)
                        return status;
                given = fetched.path;
        }

        path = realpath(given, NULL);
        if (!path || stat(path, &st) < 0)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_backup", "cannot find backup %s: %s", given, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_backup", "%s is not a regular file", path);

        /* The tenant it was: <db_name>-<UTC>.dump (a name never holds '-'). */
        base = basename(path);
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
