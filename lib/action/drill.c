/* SPDX-License-Identifier: MIT */
/*
 * drill.c: owns the restore drill (drill.h): choosing the backup, the scratch copy's life (made
 * by restore.c, checked, dropped), the checks inside it, and the result recorded.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "drill.h"
#include "filestore.h"
#include "log.h"
#include "names.h"
#include "pg.h"
#include "registry-drill.h"
#include "restore.h"
#include "result.h"
#include "session.h"
#include "tenant-db.h"

/* The most store_fname values one drill reads: far above any tenant's, and a bound on what a
 * customer's database can make us hold (the query below asks for one more). */
#define DRILL_FILES_MAX 2000000
#define DRILL_FILES_LIMIT_SQL " LIMIT 2000001"

/* Tables every Odoo database has: without them the copy is not an Odoo a tenant could run on. */
static const char core_tables_sql[] =
        "SELECT t FROM pg_catalog.unnest(ARRAY['res_users', 'res_company', 'res_partner', 'res_groups', 'ir_attachment',"
        "       'ir_model', 'ir_model_data', 'ir_module_module', 'ir_config_parameter', 'ir_ui_view', 'ir_ui_menu']) t"
        " WHERE pg_catalog.to_regclass('public.' OPERATOR(pg_catalog.||) t) IS NULL";

/* What the checks found, and the first that failed (error NULL: all passed). */
typedef struct DrillChecks {
        json_t *found;
        char *error;
} DrillChecks;

static void drill_checks_done(DrillChecks *d) {
        json_decref(d->found);
        free(d->error);
}

_printf_(2, 3)
static int check_failed(DrillChecks *d, const char *fmt, ...) {
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&d->error, fmt, ap);
        va_end(ap);
        if (k < 0) {
                d->error = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* One statement's single value; NULL when it returned no row (or SQL NULL). */
static int query_value(PGconn *conn, const char *sql, char **ret) {
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 0, NULL);

        *ret = NULL;
        if (!res)
                return -EIO;
        if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0))
                return 0;
        *ret = strdup(PQgetvalue(res, 0, 0));
        return *ret ? 0 : -ENOMEM;
}

/* Every file an attachment names, in the restored filestore. */
static int check_files(const Config *c, PGconn *conn, DrillChecks *d) {
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_close_ int fd = -1;
        int n, missing = 0, first = -1;

        res = pg_exec(conn, NULL,
                      "SELECT DISTINCT store_fname FROM public.ir_attachment"
                      " WHERE store_fname IS NOT NULL AND store_fname OPERATOR(pg_catalog.<>) ''"
                      DRILL_FILES_LIMIT_SQL,
                      0, NULL);
        if (!res)
                return -EIO;
        n = PQntuples(res);
        if (json_object_set_new(d->found, "attachment_files", json_integer(n)) < 0)
                return -ENOMEM;
        if (n > DRILL_FILES_MAX)
                return check_failed(d, "the attachments name more than %d files", DRILL_FILES_MAX);
        if (n == 0)
                return 0;
        if (!c->odoo_data_dir)
                return check_failed(d, "odoo.data_dir is not configured, so the %d files the attachments name cannot be checked", n);
        fd = filestore_open(c->odoo_data_dir, DB_NAME_DRILL);
        if (fd < 0 && fd != -ENOENT)
                return check_failed(d, "cannot open the restored filestore: %s", strerror(-fd));
        for (int i = 0; i < n; i++) {
                int r = fd < 0 ? 0 : filestore_has_file(fd, PQgetvalue(res, i, 0));

                if (r < 0)
                        return check_failed(d, "cannot check the restored filestore: %s", strerror(-r));
                if (r == 0 && missing++ == 0)
                        first = i;
        }
        if (json_object_set_new(d->found, "missing_files", json_integer(missing)) < 0)
                return -ENOMEM;
        if (missing > 0)
                return check_failed(d, "the restored filestore lacks %d of the %d files the attachments name (the first: %.128s)",
                                    missing, n, PQgetvalue(res, first, 0));
        return 0;
}

/* A statement inside the copy failed: the customer's database answering with an error (a table
 * that is not Odoo's) is a failed check like a missing one. */
static int read_failed(PGconn *conn, DrillChecks *d) {
        _cleanup_free_ char *msg = pg_error_message(conn);

        return check_failed(d, "reading the restored copy failed: %s", strempty(msg));
}

/* A check that one statement returns a value: found[key] set to it, or the check failed with
 * missing. */
static int check_value(PGconn *conn, DrillChecks *d, const char *sql, const char *key, const char *missing) {
        _cleanup_free_ char *v = NULL;
        int r;

        r = query_value(conn, sql, &v);
        if (r < 0)
                return r == -EIO ? read_failed(conn, d) : r;
        if (!v)
                return check_failed(d, "%s", missing);
        return json_object_set_new(d->found, key, json_string(v)) < 0 ? -ENOMEM : 0;
}

/* The checks, inside the scratch copy as Odoo's role, reading only. Returns 0 (d->error set when
 * a check failed), -ENOMEM, or another negative errno with d->error saying why they could not
 * run. */
static int drill_check(const Config *c, DrillChecks *d) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL, *tables = NULL;
        int r;

        d->found = json_object();
        if (!d->found)
                return -ENOMEM;
        r = tenant_db_connect(c, DB_NAME_DRILL, &conn, &error);
        if (r < 0) {
                if (check_failed(d, "cannot enter the restored copy as Odoo's role: %s", strempty(error)) < 0)
                        return -ENOMEM;
                return r;
        }
        res = pg_exec(conn, NULL,
                      "SELECT pg_catalog.set_config('default_transaction_read_only', 'on', false),"
                      "       pg_catalog.set_config('statement_timeout', '15min', false)",
                      0, NULL);
        if (!res)
                return read_failed(conn, d);
        PQclear(res);

        res = pg_exec(conn, NULL, core_tables_sql, 0, NULL);
        if (!res)
                return read_failed(conn, d);
        if (PQntuples(res) > 0)
                return check_failed(d, "Odoo's table %s is missing", PQgetvalue(res, 0, 0));
        r = query_value(conn, "SELECT pg_catalog.count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'", &tables);
        if (r < 0)
                return r == -EIO ? read_failed(conn, d) : r;
        if (json_object_set_new(d->found, "tables", json_integer(strtoll(strempty(tables), NULL, 10))) < 0)
                return -ENOMEM;

        r = check_value(conn, d,
                        "SELECT u.login FROM public.ir_model_data m JOIN public.res_users u ON u.id OPERATOR(pg_catalog.=) m.res_id"
                        " WHERE m.module OPERATOR(pg_catalog.=) 'base' AND m.name OPERATOR(pg_catalog.=) 'user_admin'"
                        "   AND m.model OPERATOR(pg_catalog.=) 'res.users' AND u.active"
                        "   AND coalesce(u.login, '') OPERATOR(pg_catalog.<>) '' AND coalesce(u.password, '') OPERATOR(pg_catalog.<>) ''",
                        "admin_login", "the admin user (base.user_admin) is missing, inactive, or has no login or password");
        if (r < 0 || d->error)
                return r;
        r = check_value(conn, d,
                        "SELECT c.name FROM public.ir_model_data m JOIN public.res_company c ON c.id OPERATOR(pg_catalog.=) m.res_id"
                        " WHERE m.module OPERATOR(pg_catalog.=) 'base' AND m.name OPERATOR(pg_catalog.=) 'main_company'"
                        "   AND m.model OPERATOR(pg_catalog.=) 'res.company' AND coalesce(c.name, '') OPERATOR(pg_catalog.<>) ''",
                        "company", "the company (base.main_company) is missing or has no name");
        if (r < 0 || d->error)
                return r;

        r = check_files(c, conn, d);
        return r == -EIO ? read_failed(conn, d) : r;
}

/* What an earlier drill left that its session's repair did not (a copy whose drop failed). The
 * name is never a tenant's (names.h), so whatever holds it is a drill's. */
static int clear_scratch(TenantSession *s) {
        if (pg_drop_database(s->conn, DB_NAME_DRILL, true) < 0)
                return -EIO;
        if (s->config->odoo_data_dir && filestore_remove(s->config->odoo_data_dir, DB_NAME_DRILL) < 0)
                return -EIO;
        return 0;
}

typedef struct DrillRequest {
        const char *db_name;    /* NULL: round-robin */
} DrillRequest;

static int drill_locked(TenantSession *s, void *userdata, json_t **ret) {
        const DrillRequest *q = userdata;
        _cleanup_(registry_drill_target_done) RegistryDrillTarget t = {};
        _cleanup_(drill_checks_done) DrillChecks d = {};
        _cleanup_json_ json_t *restored = NULL, *out = NULL;
        _cleanup_free_ char *restore_error = NULL;
        time_t started = time(NULL);
        const char *stage = NULL, *error = NULL;
        int status, r;

        r = registry_drill_next(s->conn, q->db_name, &t);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "choosing the backup to drill", ret);
        if (r == 0) {
                if (q->db_name)
                        return result_fail(ret, EXIT_NO_TENANT, "no_backup", "the registry knows no backup of \"%s\"", q->db_name);
                out = result_ok();
                if (!out || json_object_set_new(out, "db_name", json_null()) < 0)
                        return result_oom(ret);
                *ret = TAKE_PTR(out);
                return EXIT_OK;
        }

        if (clear_scratch(s) < 0)
                return pg_failure(s->conn, "removing an earlier drill's scratch database", ret);

        status = restore_scratch(s, t.path, t.db_name, &restored);
        if (status != EXIT_OK) {
                stage = "restore";
                restore_error = strdup(strempty(json_string_value(json_object_get(restored, "error"))));
                if (!restore_error)
                        return result_oom(ret);
                error = restore_error;
        } else {
                r = drill_check(s->config, &d);
                if (r == -ENOMEM || (r < 0 && !d.error))
                        return result_oom(ret);
                if (d.error) {
                        stage = "check";
                        error = d.error;
                }
        }

        /* The copy goes, passed or not; if it cannot, the half-made note restore_scratch() left
         * makes the next drill's session drop it. */
        if (pg_drop_database(s->conn, DB_NAME_DRILL, true) < 0) {
                _cleanup_free_ char *msg = pg_error_message(s->conn);

                log_error("%s: could not drop the drill's scratch database: %s", DB_NAME_DRILL, strempty(msg));
        } else {
                if (s->config->odoo_data_dir && filestore_remove(s->config->odoo_data_dir, DB_NAME_DRILL) < 0)
                        log_error("%s: could not remove the drill's scratch filestore", DB_NAME_DRILL);
                (void) tenant_session_unmark_half_made(s);
        }

        if (registry_drill_record(s->conn, &t, started, !error, error, d.found) < 0)
                return pg_failure(s->conn, "recording the drill", ret);

        if (error) {
                status = result_fail(ret, EXIT_SOFTWARE, "drill_failed", "the drill of %s's backup %s failed at its %s: %s",
                                     t.db_name, t.path, stage, error);
                if (json_object_set_new(*ret, "db_name", json_string(t.db_name)) < 0 ||
                    json_object_set_new(*ret, "backup", json_string(t.path)) < 0 ||
                    json_object_set_new(*ret, "stage", json_string(stage)) < 0)
                        return result_oom(ret);
                return status;
        }
        out = result_ok();
        if (!out ||
            json_object_set_new(out, "db_name", json_string(t.db_name)) < 0 ||
            json_object_set_new(out, "backup", TAKE_PTR(restored)) < 0 ||
            json_object_set_new(out, "checks", json_incref(d.found)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

int tenant_drill(const Config *c, json_t *request, json_t **ret) {
        DrillRequest q = {};
        int bad = 0;

        /* The scratch name must be nothing else of the configuration's. */
        if (streq(c->control_db, DB_NAME_DRILL) || streq(c->pg_maintenance_db, DB_NAME_DRILL) ||
            config_find_template(c, DB_NAME_DRILL))
                return result_fail(ret, EXIT_CONFIG, "config_error",
                                   "%s is the restore drill's scratch database; it cannot be the control, maintenance or a template database",
                                   DB_NAME_DRILL);
        q.db_name = request_string(request, "db_name", &bad);
        if (bad || (q.db_name && db_name_check(c, q.db_name) < 0))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "db_name must be a tenant's name");
        return tenant_session_run(c, DB_NAME_DRILL, "drill", drill_locked, &q, ret);
}
