/* SPDX-License-Identifier: MIT */
/*
 * template.c: owns the templates (template.h), a country's and a country and plan's apps'
 * (template-choice.h): what makes a database fit to be one, the sealing (the order of the catalog
 * changes, so a template is never half sealed), the registry's templates table, the list, and the
 * build through Odoo's database manager.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "names.h"
#include "odoo.h"
#include "password.h"
#include "pg.h"
#include "registry.h"
#include "registry-operation.h"
#include "registry-tenant.h"
#include "tenant-db.h"
#include "access.h"
#include "filestore.h"
#include "odoo-hosting.h"
#include "result.h"
#include "session.h"
#include "template-choice.h"
#include "template.h"

/* How long seal and build wait for another action on the same template. */
#define TEMPLATE_LOCK_TIMEOUT_MS 10000
#define TEMPLATE_BUILD_SUFFIX "_build"

typedef struct Inspection {
        char *odoo_version;   /* ir_module_module 'base' latest_version: "17.0.1.3" */
        char *modules;        /* installed modules, a JSON array text, sorted */
        int module_count;
        char *currency;       /* the company's (res_company id 1) */
        char *country;        /* ISO code of the company's partner's country; NULL: not set */
        char *missing;        /* configured modules not installed, "a, b"; NULL: none */
        char *fiscal_country; /* ISO code of the company's account_fiscal_country_id; NULL: none */
        PGresult *files;      /* the distinct ir_attachment.store_fname, one per row */
} Inspection;

/* How seal treats a template's filestore. */
typedef struct SealOptions {
        bool allow_missing_files;   /* seal although attachments' files are missing */
        const char *source_db;      /* what the registry records it was made from; NULL: db */
} SealOptions;

static void inspection_done(Inspection *i) {
        free(i->odoo_version);
        free(i->modules);
        free(i->currency);
        free(i->country);
        free(i->missing);
        free(i->fiscal_country);
        PQclear(i->files);
        *i = (Inspection) {};
}

static char *column_dup(PGresult *res, int row, int col) {
        return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

/* The journal of operations (registry-operation.h): one row per seal/build. A failure to record
 * is not fatal: the action itself matters more than its journal. */
static char *operation_start(PGconn *ctl, const char *db, const char *action) {
        char *id = NULL;

        return registry_operation_begin(ctl, db, action, &id) < 0 ? NULL : id;
}

static int operation_finish(PGconn *ctl, char *id, int status, json_t *result) {
        if (id)
                (void) registry_operation_end(ctl, id, status, result);
        free(id);
        return status;
}

/* What seal and build work on: a country's template, or the template of the country and a
 * plan's apps (template-choice.h). */
typedef struct Target {
        const Country *co;
        const Plan *plan;        /* the plan asked for; NULL: none */
        TemplateChoice choice;   /* the app set, every module the template carries, its name */
        const char *db;          /* choice.db: the template database */
        char *name;              /* for messages: "Kenya", or "Kenya with crm, project, stock" */
        char *apps_json;         /* choice.apps as a JSON array text, as the registry keeps it */
} Target;

static void target_done(Target *t) {
        template_choice_done(&t->choice);
        free(t->name);
        free(t->apps_json);
        *t = (Target) {};
}

static char *strv_json(char **l) {
        _cleanup_json_ json_t *a = json_array();

        if (!a)
                return NULL;
        for (; l && *l; l++)
                if (json_array_append_new(a, json_string(*l)) < 0)
                        return NULL;
        return json_dumps(a, JSON_COMPACT);
}

/* The country field, checked. Returns an exit status, *ret set on failure. */
static int request_country(const Config *c, json_t *request, const Country **ret_country, json_t **ret) {
        const char *code;
        int bad = 0;

        code = request_string(request, "country", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_country", "country must be a string");
        if (!code)
                return result_fail(ret, EXIT_USAGE, "missing_country", "country is required");
        *ret_country = strlen(code) == 2 ? config_find_country(c, code) : NULL;
        if (!*ret_country)
                return result_fail(ret, EXIT_BAD_INPUT, "unknown_country",
                                   "country must be one of the codes in countries.yaml");
        return EXIT_OK;
}

/* Names that can never become t's template: the reserved databases (names.h), another
 * template (a country's or a plan's, template-choice.h). */
static bool name_is_reserved(const Config *c, const Target *t, const char *name) {
        return db_name_is_reserved(c, name) || (template_choice_is_template(c, name) && !streq(name, t->db));
}

/* What seal and build are asked: allow_missing_files, the country and the optional plan ("plan":
 * a code of plans.yaml), and so the template they choose. Returns an exit status, *ret set on
 * failure. */
static int request_target(const Config *c, json_t *request, Target *ret_target, SealOptions *ret_opts, json_t **ret) {
        _cleanup_(target_done) Target t = {};
        _cleanup_free_ char *apps = NULL;
        const char *code;
        int status, r, bad = 0;

        ret_opts->allow_missing_files = request_bool(request, "allow_missing_files", false, &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_allow_missing_files", "allow_missing_files must be a boolean");
        status = request_country(c, request, &t.co, ret);
        if (status != EXIT_OK)
                return status;
        code = request_string(request, "plan", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_plan", "plan must be a string");
        if (code) {
                t.plan = config_find_plan(c, code);
                if (!t.plan)
                        return result_fail(ret, EXIT_BAD_INPUT, "unknown_plan", c->n_plans == 0 ?
                                           "no plans are configured (vumaerp.yaml's plans:)" :
                                           "plan must be one of the codes in plans.yaml");
        }
        r = template_choice(t.co, t.plan, &t.choice);
        if (r == -ENAMETOOLONG)
                return result_fail(ret, EXIT_CONFIG, "config_error",
                                   "%s's template name %s is too long to name a plan's template after it",
                                   t.co->name, t.co->template_db);
        if (r < 0)
                return result_from_errno(ret, r, "template_error", "cannot choose the template");
        t.db = t.choice.db;
        apps = template_choice_apps_text(&t.choice);
        t.apps_json = strv_json(t.choice.apps);
        if (!apps || !t.apps_json)
                return result_oom(ret);
        if (template_choice_has_apps(&t.choice) ? asprintf(&t.name, "%s with %s", t.co->name, apps) < 0 :
            !(t.name = strdup(t.co->name)))
                return result_oom(ret);
        *ret_target = t;
        t = (Target) {};
        return EXIT_OK;
}

static char *modules_json(const Target *t) {
        return strv_json(t->choice.modules);
}

/* Reads what the registry records of a template, from the database itself, as Odoo's role
 * (tenant-db.h: the database is Odoo's, and whatever its role planted in it runs with no more
 * than that role's rights). Returns an exit status. */
static int inspect(const Config *c, const Target *t, const char *db, Inspection *ret_ins, json_t **ret) {
        static const char sql[] =
                "SELECT (SELECT latest_version FROM public.ir_module_module WHERE name = 'base'),"
                "       (SELECT coalesce(jsonb_agg(name ORDER BY name), '[]')::text"
                "          FROM public.ir_module_module WHERE state = 'installed'),"
                "       (SELECT count(*) FROM public.ir_module_module WHERE state = 'installed'),"
                "       (SELECT cur.name FROM public.res_company co JOIN public.res_currency cur ON cur.id = co.currency_id"
                "         WHERE co.id = 1),"
                "       (SELECT k.code FROM public.res_company co JOIN public.res_partner p ON p.id = co.partner_id"
                "          JOIN public.res_country k ON k.id = p.country_id WHERE co.id = 1),"
                "       (SELECT string_agg(m, ', ' ORDER BY m) FROM jsonb_array_elements_text($1::jsonb) m"
                "         WHERE NOT EXISTS (SELECT 1 FROM public.ir_module_module x WHERE x.name = m AND x.state = 'installed')),"
                /* account's column, read through the row so that a database without account
                 * has none rather than an error */
                "       (SELECT k.code FROM public.res_company co"
                "          JOIN public.res_country k ON k.id = (pg_catalog.to_jsonb(co) ->> 'account_fiscal_country_id')::int"
                "         WHERE co.id = 1)";
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL, *wanted = modules_json(t);
        const char *params[1] = { wanted };
        int r;

        if (!wanted)
                return result_oom(ret);
        r = tenant_db_connect(c, db, &conn, &error);
        if (r == -ECONNREFUSED || r == -EACCES || r == -ENOKEY || r == -EPERM)
                return result_fail(ret, r == -ECONNREFUSED ? EXIT_UNAVAILABLE : EXIT_CONFIG, "database_unavailable",
                                   "cannot connect to %s: %s", db, strempty(error));
        if (r < 0)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_database", "cannot connect to %s: %s", db, strempty(error));

        res = pg_exec(conn, NULL,
                      "SELECT to_regclass('public.ir_module_module') IS NOT NULL AND to_regclass('public.res_company') IS NOT NULL"
                      "   AND to_regclass('public.res_currency') IS NOT NULL",
                      0, NULL);
        if (!res)
                return pg_failure(conn, "reading the database's tables", ret);
        if (!streq(PQgetvalue(res, 0, 0), "t"))
                return result_fail(ret, EXIT_BAD_INPUT, "not_odoo",
                                   "database %s is not an Odoo database (no ir_module_module, res_company, res_currency)", db);
        PQclear(res);

        res = pg_exec(conn, NULL, sql, 1, params);
        if (!res)
                return pg_failure(conn, "reading the Odoo version and modules", ret);
        *ret_ins = (Inspection) {
                .odoo_version = column_dup(res, 0, 0),
                .modules = column_dup(res, 0, 1),
                .module_count = atoi(PQgetvalue(res, 0, 2)),
                .currency = column_dup(res, 0, 3),
                .country = column_dup(res, 0, 4),
                .missing = column_dup(res, 0, 5),
                .fiscal_country = column_dup(res, 0, 6),
        };
        if (!ret_ins->modules)
                return result_oom(ret);

        ret_ins->files = pg_exec(conn, NULL,
                                 "SELECT DISTINCT store_fname FROM public.ir_attachment"
                                 " WHERE store_fname IS NOT NULL AND store_fname <> ''",
                                 0, NULL);
        if (!ret_ins->files)
                return pg_failure(conn, "reading the attachments", ret);
        return EXIT_OK;
}

/* Whether an Odoo database is fit to be co's template. */
static int check_fit(const Target *t, const char *db, const Inspection *ins, json_t **ret) {
        const Country *co = t->co;

        if (ins->missing)
                return result_fail(ret, EXIT_BAD_INPUT, "modules_missing",
                                   "database %s lacks modules %s needs: %s", db, t->name, ins->missing);
        if (!streq_ptr(ins->currency, co->currency))
                return result_fail(ret, EXIT_BAD_INPUT, "currency_mismatch",
                                   "database %s's company currency is %s, but %s's is %s: "
                                   "a template with the wrong currency is not sealed "
                                   "(vumaerp-template build sets the country's currency)",
                                   db, ins->currency ? ins->currency : "not set", t->name, co->currency);
        if (ins->country && !streq(ins->country, co->iso_code))
                return result_fail(ret, EXIT_BAD_INPUT, "country_mismatch",
                                   "database %s's company is in %s, not %s", db, ins->country, co->iso_code);
        /* Taxes and reports follow the fiscal country; Odoo's generic chart leaves it US. */
        if (ins->fiscal_country && !streq(ins->fiscal_country, co->iso_code))
                return result_fail(ret, EXIT_BAD_INPUT, "fiscal_country_mismatch",
                                   "database %s's fiscal country is %s, not %s "
                                   "(vumaerp-template build sets it, and its taxes' country)",
                                   db, ins->fiscal_country, co->iso_code);
        return EXIT_OK;
}

/* Whether every attachment's file is in db's filestore: a tenant cloned from a template without
 * them answers HTTP 500 wherever Odoo serves one (menu icons, web assets). Sets the answer's
 * attachment_files and missing_files (null: not checked). Returns an exit status. */
static int check_filestore(const Config *c, const char *db, const Inspection *ins, const SealOptions *opts,
                           json_t *out, json_t **ret) {
        _cleanup_close_ int fd = -1;
        int n = PQntuples(ins->files), missing = 0, first = -1;

        if (n > 0 && !c->odoo_data_dir) {
                if (!opts->allow_missing_files)
                        return result_fail(ret, EXIT_CONFIG, "filestore_unchecked",
                                           "odoo.data_dir is not configured, so the %d files %s's attachments name "
                                           "cannot be checked: configure it, or seal with --allow-missing-files", n, db);
                missing = -1;
        } else if (n > 0) {
                fd = filestore_open(c->odoo_data_dir, db);
                if (fd < 0 && fd != -ENOENT)
                        return result_fail(ret, EXIT_SOFTWARE, "filestore_error", "cannot open the filestore of %s: %s",
                                           db, strerror(-fd));
                for (int i = 0; i < n; i++) {
                        int r = fd < 0 ? 0 : filestore_has_file(fd, PQgetvalue(ins->files, i, 0));

                        if (r < 0)
                                return result_from_errno(ret, r, "filestore_error",
                                                   "cannot check the filestore of %s", db);
                        if (r == 0 && missing++ == 0)
                                first = i;
                }
                if (missing > 0 && !opts->allow_missing_files) {
                        _cleanup_free_ char *path = filestore_path(c->odoo_data_dir, db);

                        return result_fail(ret, EXIT_BAD_INPUT, "filestore_incomplete",
                                           "%s lacks %d of the %d files %s's attachments name (the first: %s): a tenant of it "
                                           "would fail on each; put them in place, or seal with --allow-missing-files",
                                           strempty(path), missing, n, db, PQgetvalue(ins->files, first, 0));
                }
        }
        if (json_object_set_new(out, "attachment_files", json_integer(n)) < 0 ||
            json_object_set_new(out, "missing_files", missing < 0 ? json_null() : json_integer(missing)) < 0)
                return result_oom(ret);
        return EXIT_OK;
}

typedef struct CatalogEntry {
        bool exists;
        bool odoo_owned;         /* by Odoo's role or the holder (access.h) */
        bool is_template;
        bool allow_connections;
        AccessState access;
} CatalogEntry;

static int catalog_lookup(const Config *c, PGconn *ctl, const char *name, CatalogEntry *ret_entry, json_t **ret) {
        _cleanup_pgresult_ PGresult *res = NULL;
        const char *params[2] = { name, c->odoo_role };

        res = pg_exec(ctl, NULL,
                      "SELECT " ACCESS_OWNER_SQL("$2") ", d.datistemplate, d.datallowconn, " ACCESS_STATE_SQL("$2")
                      "  FROM pg_catalog.pg_database d"
                      "  JOIN pg_catalog.pg_roles r ON r.oid = d.datdba WHERE d.datname = $1",
                      2, params);
        if (!res)
                return pg_failure(ctl, "reading pg_database", ret);
        *ret_entry = (CatalogEntry) {};
        if (PQntuples(res) == 1)
                *ret_entry = (CatalogEntry) {
                        .exists = true,
                        .odoo_owned = streq(PQgetvalue(res, 0, 0), "t"),
                        .is_template = streq(PQgetvalue(res, 0, 1), "t"),
                        .allow_connections = streq(PQgetvalue(res, 0, 2), "t"),
                        .access = access_state_from_string(PQgetvalue(res, 0, 3)),
                };
        return EXIT_OK;
}

/* The registry's row of a template as the answer's fields. */
static int template_row(PGconn *ctl, const Target *t, json_t *out, json_t **ret) {
        _cleanup_pgresult_ PGresult *res = NULL;
        const char *params[2] = { t->co->code, t->apps_json };
        json_error_t jerr;
        json_t *modules, *apps;

        res = pg_exec(ctl, NULL,
                      "SELECT db_name, source_db, odoo_version, module_count, modules::text, currency,"
                      "       to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), apps::text"
                      "  FROM public.templates WHERE country = $1 AND apps = $2::jsonb",
                      2, params);
        if (!res)
                return pg_failure(ctl, "reading the templates table", ret);
        if (PQntuples(res) != 1)
                return result_fail(ret, EXIT_SOFTWARE, "registry_error", "the template of %s is not in the registry", t->name);
        modules = json_loads(PQgetvalue(res, 0, 4), 0, &jerr);
        apps = json_loads(PQgetvalue(res, 0, 7), 0, &jerr);
        if (json_object_set_new(out, "country", json_string(t->co->code)) < 0 ||
            json_object_set_new(out, "apps", apps) < 0 ||
            json_object_set_new(out, "plan", t->plan ? json_string(t->plan->code) : json_null()) < 0 ||
            json_object_set_new(out, "template_db", json_string(PQgetvalue(res, 0, 0))) < 0 ||
            json_object_set_new(out, "source_db", PQgetisnull(res, 0, 1) ? json_null() : json_string(PQgetvalue(res, 0, 1))) < 0 ||
            json_object_set_new(out, "odoo_version", PQgetisnull(res, 0, 2) ? json_null() : json_string(PQgetvalue(res, 0, 2))) < 0 ||
            json_object_set_new(out, "module_count", json_integer(atoi(PQgetvalue(res, 0, 3)))) < 0 ||
            json_object_set_new(out, "modules", modules) < 0 ||
            json_object_set_new(out, "currency", PQgetisnull(res, 0, 5) ? json_null() : json_string(PQgetvalue(res, 0, 5))) < 0 ||
            json_object_set_new(out, "sealed_at", json_string(PQgetvalue(res, 0, 6))) < 0)
                return result_oom(ret);
        return EXIT_OK;
}

/* Seals db as t's template; the caller holds the locks on both names. Returns an exit status;
 * on success *ret is the answer. */
static int seal_locked(const Config *c, PGconn *ctl, const Target *t, const char *db, const SealOptions *opts,
                       json_t **ret) {
        _cleanup_(inspection_done) Inspection ins = {};
        _cleanup_json_ json_t *out = NULL, *files = json_object();
        _cleanup_free_ char *q_db = NULL, *q_tpl = NULL, *rename_sql = NULL, *template_sql = NULL;
        bool rename = !streq(db, t->db);
        CatalogEntry entry, target;
        int status, r;

        status = catalog_lookup(c, ctl, db, &entry, ret);
        if (status != EXIT_OK)
                return status;
        if (!entry.exists)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_database", "there is no database \"%s\"", db);
        if (!entry.odoo_owned)
                return result_fail(ret, EXIT_BAD_INPUT, "not_owned_by_odoo",
                                   "database %s is not owned by the Odoo role %s", db, c->odoo_role);
        r = registry_tenant_is_live(ctl, db);
        if (r < 0)
                return pg_failure(ctl, "reading the tenants table", ret);
        if (r > 0)
                return result_fail(ret, EXIT_EXISTS, "is_tenant",
                                   "database %s is a tenant: a tenant is never made a template", db);
        if (rename) {
                status = catalog_lookup(c, ctl, t->db, &target, ret);
                if (status != EXIT_OK)
                        return status;
                if (target.exists)
                        return result_fail(ret, EXIT_EXISTS, "template_exists",
                                           "%s's template %s exists already: drop or rename it before sealing %s",
                                           t->name, t->db, db);
        }

        /* Sealed already (held, access.h), and recorded: nothing to do (a retried seal succeeds). */
        if (!rename && entry.is_template && entry.access == ACCESS_HELD) {
                _cleanup_pgresult_ PGresult *res = NULL;
                const char *params[3] = { t->co->code, db, t->apps_json };

                res = pg_exec(ctl, NULL,
                              "SELECT 1 FROM public.templates WHERE country = $1 AND db_name = $2 AND apps = $3::jsonb",
                              3, params);
                if (!res)
                        return pg_failure(ctl, "reading the templates table", ret);
                if (PQntuples(res) == 1) {
                        out = result_ok();
                        if (!out)
                                return result_oom(ret);
                        status = template_row(ctl, t, out, ret);
                        if (status != EXIT_OK)
                                return status;
                        if (json_object_set_new(out, "changed", json_false()) < 0)
                                return result_oom(ret);
                        *ret = TAKE_PTR(out);
                        return EXIT_OK;
                }
        }

        /* A database Odoo's role cannot enter (sealed by hand, or by an earlier version) is
         * admitted to read it: Odoo's role may connect, but no longer owns it. */
        if (entry.access != ACCESS_OPEN && entry.access != ACCESS_ADMITTED) {
                if (access_set(ctl, c, db, ACCESS_ADMITTED) < 0)
                        return pg_failure(ctl, "opening the database to read it", ret);
                entry.access = ACCESS_HELD;   /* what it goes back to */
        }

        status = files ? inspect(c, t, db, &ins, ret) :
                result_oom(ret);
        if (status == EXIT_OK)
                status = check_fit(t, db, &ins, ret);
        if (status == EXIT_OK)
                status = check_filestore(c, db, &ins, opts, files, ret);
        if (status != EXIT_OK)
                goto restore;

        /* From here on, nobody gets in, and Odoo's role can change nothing: held first (owned by
         * the holder, no connections, no CONNECT), so the ended sessions cannot be replaced by
         * new ones, nor the seal undone, before the rename and IS_TEMPLATE. */
        if (access_set(ctl, c, db, ACCESS_HELD) < 0) {
                status = pg_failure(ctl, "refusing connections", ret);
                goto restore;
        }
        r = tenant_end_sessions(ctl, db);
        if (r != 0) {
                status = r > 0 ?
                        result_fail(ret, EXIT_TEMPFAIL, "database_busy", "sessions on %s would not end", db) :
                        pg_failure(ctl, "ending the sessions", ret);
                goto restore;
        }

        q_db = pg_quote_identifier(ctl, db);
        q_tpl = pg_quote_identifier(ctl, t->db);
        /* DDL takes no parameters: the names are quoted. */
        if (!q_db || !q_tpl || asprintf(&rename_sql, "ALTER DATABASE %s RENAME TO %s", q_db, q_tpl) < 0 ||
            asprintf(&template_sql, "ALTER DATABASE %s IS_TEMPLATE true", q_tpl) < 0) {
                status = result_oom(ret);
                goto restore;
        }

        /* One transaction: renamed, a template and recorded, or none of these. ALTER DATABASE
         * (but SET TABLESPACE) may run in a transaction block. */
        {
                _cleanup_pgresult_ PGresult *res = NULL;
                const char *params[8] = { t->co->code, t->db, opts->source_db ? opts->source_db : db,
                                          ins.odoo_version, ins.modules, NULL, ins.currency, t->apps_json };
                char count[16];

                (void) snprintf(count, sizeof count, "%d", ins.module_count);
                params[5] = count;
                if (pg_run(ctl, "BEGIN", 0, NULL) < 0 ||
                    (rename && pg_run(ctl, rename_sql, 0, NULL) < 0) ||
                    pg_run(ctl, template_sql, 0, NULL) < 0 ||
                    !(res = pg_exec(ctl, NULL,
                                    "WITH gone AS (DELETE FROM public.templates"
                                    "               WHERE db_name = $2 AND (country, apps) IS DISTINCT FROM ($1, $8::jsonb))"
                                    "INSERT INTO public.templates AS t"
                                    "  (country, apps, db_name, source_db, odoo_version, modules, module_count, currency, sealed_at)"
                                    "  VALUES ($1, $8::jsonb, $2, $3, $4, $5::jsonb, $6::int, $7, now())"
                                    "  ON CONFLICT (country, apps) DO UPDATE SET db_name = excluded.db_name,"
                                    "    source_db = excluded.source_db, odoo_version = excluded.odoo_version,"
                                    "    modules = excluded.modules, module_count = excluded.module_count,"
                                    "    currency = excluded.currency, sealed_at = excluded.sealed_at",
                                    8, params)) ||
                    pg_run(ctl, "COMMIT", 0, NULL) < 0) {
                        status = pg_failure(ctl, "sealing the template", ret);
                        (void) pg_run(ctl, "ROLLBACK", 0, NULL);
                        goto restore;
                }
        }

        out = result_ok();
        if (!out)
                return result_oom(ret);
        status = template_row(ctl, t, out, ret);
        if (status != EXIT_OK)
                return status;
        if (json_object_set_new(out, "changed", json_true()) < 0 || json_object_update(out, files) < 0)
                return result_oom(ret);
        if (rename) {
                r = c->odoo_data_dir ? filestore_rename(c->odoo_data_dir, db, t->db) : 0;
                if (r < 0) {
                        log_warning("template %s: the filestore of %s could not be renamed: %s",
                                    t->db, db, strerror(-r));
                        (void) json_object_set_new(out, "filestore_warning",
                                                   json_sprintf("the filestore of %s could not be renamed to %s: %s",
                                                                db, t->db, strerror(-r)));
                }
        }
        *ret = TAKE_PTR(out);
        return EXIT_OK;

restore:
        /* Not sealed: Odoo's role gets back what it had (an Odoo database it owns), or the
         * database stays held. */
        (void) access_set(ctl, c, db, entry.access == ACCESS_OPEN ? ACCESS_OPEN : ACCESS_HELD);
        return status;
}

/* Opens the registry and takes the advisory locks on the names an action touches (the same
 * locks the tenant actions take, so no provision can clone a template being rebuilt). */
static int open_locked(const Config *c, const char *a, const char *b, PGconn **ret_conn, json_t **ret) {
        _cleanup_pgconn_ PGconn *ctl = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = registry_open(c, &ctl, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = access_holder_ready(ctl, ret);
        if (r != EXIT_OK)
                return r;
        /* Always in name order, so two actions locking the same pair cannot deadlock. */
        if (b && strcmp(b, a) < 0) {
                const char *t = a;
                a = b;
                b = t;
        }
        r = registry_lock_tenant(ctl, a, TEMPLATE_LOCK_TIMEOUT_MS);
        if (r >= 0 && b && !streq(a, b))
                r = registry_lock_tenant(ctl, b, TEMPLATE_LOCK_TIMEOUT_MS);
        if (r == -EBUSY)
                return result_fail(ret, EXIT_TEMPFAIL, "template_busy", "another action is working on %s", a);
        if (r < 0)
                return pg_failure(ctl, "taking the template's lock", ret);
        *ret_conn = TAKE_PTR(ctl);
        return EXIT_OK;
}

int template_seal(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *ctl = NULL;
        _cleanup_(target_done) Target target = {};
        const Target *t = &target;
        const char *db;
        SealOptions opts = {};
        char *op;
        int status, bad = 0;

        status = request_target(c, request, &target, &opts, ret);
        if (status != EXIT_OK)
                return status;
        db = request_string(request, "database", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "database must be a string");
        if (!db)
                db = t->db;
        if (!db_name_is_valid(db))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name",
                                   "invalid database name: it must be 2 to 63 characters of a-z, 0-9 and _, starting with a letter");
        if (name_is_reserved(c, t, db))
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "database \"%s\" is reserved and cannot be %s's template", db, t->name);

        status = open_locked(c, db, t->db, &ctl, ret);
        if (status != EXIT_OK)
                return status;
        op = operation_start(ctl, t->db, "template_seal");
        status = seal_locked(c, ctl, t, db, &opts, ret);
        return operation_finish(ctl, op, status, *ret);
}

/* Appends to rows the templates of country i: its own first, then one per app set its plans
 * choose (template-choice.h), each with the plans that choose it. A plan whose template could
 * not be named (too long) is left out: build and provision say why. */
static int list_country(const Config *c, size_t i, json_t *rows) {
        const Country *co = &c->countries[i];
        size_t first = json_array_size(rows);
        json_t *row;

        row = json_pack("{s:i, s:s, s:s, s:s, s:[], s:[]}", "n", (int) json_array_size(rows), "code", co->code,
                        "name", co->name, "template_db", co->template_db, "apps", "plans");
        if (!row || json_array_append_new(rows, row) < 0)
                return -ENOMEM;
        for (size_t j = 0; j < c->n_plans; j++) {
                _cleanup_(template_choice_done) TemplateChoice t = {};
                json_t *apps;
                int r;

                r = template_choice(co, &c->plans[j], &t);
                if (r == -ENAMETOOLONG)
                        continue;
                if (r < 0)
                        return r;
                row = NULL;
                for (size_t k = first; k < json_array_size(rows) && !row; k++)
                        if (streq(json_string_value(json_object_get(json_array_get(rows, k), "template_db")), t.db))
                                row = json_array_get(rows, k);
                if (!row) {
                        row = json_pack("{s:i, s:s, s:s, s:s, s:[], s:[]}", "n", (int) json_array_size(rows),
                                        "code", co->code, "name", co->name, "template_db", t.db, "apps", "plans");
                        if (!row || json_array_append_new(rows, row) < 0)
                                return -ENOMEM;
                        apps = json_object_get(row, "apps");
                        for (char **a = t.apps; *a; a++)
                                if (json_array_append_new(apps, json_string(*a)) < 0)
                                        return -ENOMEM;
                }
                if (json_array_append_new(json_object_get(row, "plans"), json_string(c->plans[j].code)) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int template_list(const Config *c, json_t *request, json_t **ret) {
        static const char sql[] =
                "SELECT x.code, x.name, x.template_db, d.datname IS NOT NULL, d.datistemplate, d.datallowconn,"
                "       pg_catalog.pg_database_size(d.oid), pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.oid)),"
                "       t.odoo_version, t.module_count, t.currency,"
                "       to_char(t.sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                "       x.apps::text, x.plans::text"
                "  FROM jsonb_to_recordset($1::jsonb) AS x(n int, code text, name text, template_db text, apps jsonb, plans jsonb)"
                "  LEFT JOIN pg_catalog.pg_database d ON d.datname = x.template_db"
                "  LEFT JOIN public.templates t ON t.country = x.code AND t.db_name = x.template_db AND t.apps = x.apps"
                " ORDER BY x.n";
        _cleanup_pgconn_ PGconn *ctl = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_json_ json_t *countries = json_array(), *out = result_ok(), *list = json_array();
        _cleanup_free_ char *error = NULL, *text = NULL;
        const char *params[1];
        int r, n;

        if (!countries || !out || !list)
                return result_oom(ret);
        for (size_t i = 0; i < c->n_countries; i++) {
                r = list_country(c, i, countries);
                if (r < 0)
                        return result_from_errno(ret, r, "template_error", "cannot name the plans' templates");
        }
        text = json_dumps(countries, JSON_COMPACT);
        if (!text)
                return result_oom(ret);

        r = registry_open(c, &ctl, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        params[0] = text;
        res = pg_exec(ctl, NULL, sql, 1, params);
        if (!res)
                return pg_failure(ctl, "listing the templates", ret);

        n = PQntuples(res);
        for (int i = 0; i < n; i++) {
                bool exists = streq(PQgetvalue(res, i, 3), "t");
                /* A plan's template is provisioned from only once the registry records it with its
                 * app set (provision.c): sealed says so. */
                bool plan = !streq(PQgetvalue(res, i, 12), "[]");
                bool sealed = exists && streq(PQgetvalue(res, i, 4), "t") && streq(PQgetvalue(res, i, 5), "f") &&
                        (!plan || !PQgetisnull(res, i, 11));
                json_t *t = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                        "country", PQgetvalue(res, i, 0),
                        "name", PQgetvalue(res, i, 1),
                        "template_db", PQgetvalue(res, i, 2),
                        "apps", json_loads(PQgetvalue(res, i, 12), 0, NULL),
                        "plans", json_loads(PQgetvalue(res, i, 13), 0, NULL),
                        "state", !exists ? "missing" : sealed ? "sealed" : "unsealed",
                        "size_bytes", exists ? json_integer(strtoll(PQgetvalue(res, i, 6), NULL, 10)) : json_null(),
                        "size", exists ? json_string(PQgetvalue(res, i, 7)) : json_null(),
                        "odoo_version", PQgetisnull(res, i, 8) ? json_null() : json_string(PQgetvalue(res, i, 8)),
                        "module_count", PQgetisnull(res, i, 9) ? json_null() : json_integer(atoi(PQgetvalue(res, i, 9))),
                        "currency", PQgetisnull(res, i, 10) ? json_null() : json_string(PQgetvalue(res, i, 10)),
                        "sealed_at", PQgetisnull(res, i, 11) ? json_null() : json_string(PQgetvalue(res, i, 11)));

                if (!t || json_array_append_new(list, t) < 0)
                        return result_oom(ret);
        }
        if (json_object_set_new(out, "count", json_integer(n)) < 0 ||
            json_object_set_new(out, "templates", TAKE_PTR(list)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

/* An Odoo call's failure as an answer. */
static int odoo_failure(int r, const char *error, json_t **ret) {
        switch (r) {
        case -EDESTADDRREQ:
        case -ENOKEY:
                return result_fail(ret, EXIT_CONFIG, "odoo_not_configured", "%s", strempty(error));
        case -ECONNREFUSED:
        case -ETIMEDOUT:
                return result_fail(ret, EXIT_UNAVAILABLE, "odoo_unavailable", "%s", strempty(error));
        default:
                return result_fail(ret, EXIT_SOFTWARE, "odoo_error", "%s", strempty(error));
        }
}

/* The build's steps through Odoo, on build_db (which they create). Returns an exit status, and
 * sets *ret_created once the database exists. */
static int build_through_odoo(const Config *c, const Target *t, const char *build_db, const char *master,
                              bool *ret_created, json_t **ret) {
        _cleanup_json_ json_t *args = NULL, *result = NULL, *ids = NULL;
        _cleanup_secret_ char *password = NULL;
        _cleanup_free_ char *error = NULL;
        size_t n_modules = 0;
        int r, uid;

        for (char **m = t->choice.modules; m && *m; m++)
                n_modules++;

        r = password_generate(&password);
        if (r < 0)
                return result_from_errno(ret, r, "password_error", "cannot generate a password");

        /* db.create_database(master, name, demo, lang, password, login, country_code, phone) */
        args = json_pack("[s, s, b, s, s, s, s, s]", master, build_db, 0, t->co->language, password, "admin",
                         t->co->iso_code, "");
        if (!args)
                return result_oom(ret);
        r = odoo_call_timeout(c, "db", "create_database", args, ODOO_LONG_CALL_TIMEOUT_SEC, &result, &error);
        json_decref(TAKE_PTR(args));
        if (r == -EACCES)
                return result_fail(ret, EXIT_CONFIG, "odoo_master_password_refused",
                                   "Odoo refused the master password from odoo.master_password_file");
        if (r < 0)
                return odoo_failure(r, error, ret);
        *ret_created = true;
        json_decref(TAKE_PTR(result));

        r = odoo_authenticate(c, build_db, "admin", password, &uid, &error);
        if (r < 0)
                return odoo_failure(r, error, ret);

        /* object.execute_kw(db, uid, password, 'ir.module.module', 'search', [[('name', 'in', …)]]) */
        args = json_pack("[s, i, s, s, s, [[[s, s, o]]]]", build_db, uid, password, "ir.module.module", "search",
                         "name", "in", json_array());
        if (!args)
                return result_oom(ret);
        {
                json_t *names = json_array_get(json_array_get(json_array_get(json_array_get(args, 5), 0), 0), 2);
                for (char **m = t->choice.modules; m && *m; m++)
                        if (json_array_append_new(names, json_string(*m)) < 0)
                                return result_oom(ret);
        }
        r = odoo_call(c, "object", "execute_kw", args, &ids, &error);
        json_decref(TAKE_PTR(args));
        if (r < 0)
                return odoo_failure(r, error, ret);
        if (!json_is_array(ids) || json_array_size(ids) != n_modules)
                return result_fail(ret, EXIT_SOFTWARE, "modules_missing",
                                   "Odoo does not offer every module %s needs (%zu of %zu found)", t->name,
                                   json_is_array(ids) ? json_array_size(ids) : 0, n_modules);

        args = json_pack("[s, i, s, s, s, [O]]", build_db, uid, password, "ir.module.module",
                         "button_immediate_install", ids);
        if (!args)
                return result_oom(ret);
        r = odoo_call_timeout(c, "object", "execute_kw", args, ODOO_LONG_CALL_TIMEOUT_SEC, &result, &error);
        if (r < 0)
                return odoo_failure(r, error, ret);
        return EXIT_OK;
}

/* What Odoo's database manager leaves wrong for a country without a localization (Ghana), set by
 * SQL on the fresh build database, as Odoo's role, in one transaction, before anything else uses
 * it: the company's currency (activated first: Odoo ships most currencies inactive; sound only
 * on a database without journal entries, which a build's is), and the fiscal country, with the
 * taxes and tax groups the generic chart gave the old one (account's columns: only where account
 * is installed); then the hosting policy (odoo-hosting.h). *ret_currency_from and
 * *ret_fiscal_from are what was replaced (NULL: nothing). Returns an exit status. */
static int fix_company(const Config *c, const Country *co, const char *db, char **ret_currency_from,
                       char **ret_fiscal_from, json_t **ret) {
        static const char currency_sql[] =
                "WITH old AS (SELECT cur.name FROM public.res_company co JOIN public.res_currency cur ON cur.id = co.currency_id"
                "              WHERE co.id = 1),"
                "     want AS (UPDATE public.res_currency SET active = true WHERE name = $1 RETURNING id),"
                "     fixed AS (UPDATE public.res_company SET currency_id = (SELECT id FROM want)"
                "                WHERE id = 1 AND EXISTS (SELECT 1 FROM want)"
                "                  AND currency_id IS DISTINCT FROM (SELECT id FROM want) RETURNING id)"
                "SELECT (SELECT name FROM old), EXISTS (SELECT 1 FROM want), EXISTS (SELECT 1 FROM fixed)";
        static const char has_fiscal_sql[] =
                "SELECT count(*) FROM pg_catalog.pg_attribute"
                " WHERE attrelid = pg_catalog.to_regclass('public.res_company')"
                "   AND attname = 'account_fiscal_country_id' AND NOT attisdropped";
        static const char fiscal_sql[] =
                "WITH want AS (SELECT id FROM public.res_country WHERE code = $1),"
                "     old AS (SELECT account_fiscal_country_id AS id FROM public.res_company WHERE id = 1),"
                "     company AS (UPDATE public.res_company SET account_fiscal_country_id = (SELECT id FROM want)"
                "                  WHERE id = 1 AND EXISTS (SELECT 1 FROM want)"
                "                    AND account_fiscal_country_id IS DISTINCT FROM (SELECT id FROM want) RETURNING id),"
                "     taxes AS (UPDATE public.account_tax t SET country_id = (SELECT id FROM want)"
                "                WHERE t.company_id = 1 AND t.country_id = (SELECT id FROM old)"
                "                  AND EXISTS (SELECT 1 FROM company) RETURNING t.id),"
                "     tax_groups AS (UPDATE public.account_tax_group g SET country_id = (SELECT id FROM want)"
                "                     WHERE g.company_id = 1 AND g.country_id = (SELECT id FROM old)"
                "                       AND EXISTS (SELECT 1 FROM company) RETURNING g.id)"
                "SELECT (SELECT k.code FROM public.res_country k JOIN old ON k.id = old.id),"
                "       EXISTS (SELECT 1 FROM want), EXISTS (SELECT 1 FROM company),"
                "       (SELECT count(*) FROM taxes), (SELECT count(*) FROM tax_groups)";
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *error = NULL;
        const char *currency[1] = { co->currency }, *country[1] = { co->iso_code };
        int r;

        r = tenant_db_connect(c, db, &conn, &error);
        if (r < 0)
                return result_fail(ret, EXIT_UNAVAILABLE, "database_unavailable", "cannot connect to %s: %s", db, strempty(error));
        if (pg_run(conn, "BEGIN", 0, NULL) < 0)
                return pg_failure(conn, "starting the company's fixes", ret);

        res = pg_exec(conn, NULL, currency_sql, 1, currency);
        if (!res)
                return pg_failure(conn, "setting the company currency", ret);
        if (!streq(PQgetvalue(res, 0, 1), "t"))
                return result_fail(ret, EXIT_SOFTWARE, "currency_unknown", "Odoo has no currency %s", co->currency);
        *ret_currency_from = streq(PQgetvalue(res, 0, 2), "t") ? column_dup(res, 0, 0) : NULL;
        PQclear(res);

        res = pg_exec(conn, NULL, has_fiscal_sql, 0, NULL);
        if (!res)
                return pg_failure(conn, "reading the company's columns", ret);
        if (!streq(PQgetvalue(res, 0, 0), "0")) {
                PQclear(res);
                res = pg_exec(conn, NULL, fiscal_sql, 1, country);
                if (!res)
                        return pg_failure(conn, "setting the company's fiscal country", ret);
                if (!streq(PQgetvalue(res, 0, 1), "t"))
                        return result_fail(ret, EXIT_SOFTWARE, "country_unknown", "Odoo has no country %s", co->iso_code);
                *ret_fiscal_from = streq(PQgetvalue(res, 0, 2), "t") ? column_dup(res, 0, 0) : NULL;
        }
        if (odoo_hosting_apply(conn, c->odoo_update_notification) < 0)
                return pg_failure(conn, "applying the hosting policy", ret);
        if (pg_run(conn, "COMMIT", 0, NULL) < 0)
                return pg_failure(conn, "committing the company's fixes", ret);
        return EXIT_OK;
}

/* Removes what a build made under name: through Odoo's own db.drop first (Odoo forgets its
 * registry of it and removes its filestore: a database dropped behind a running Odoo's back
 * leaves its cron threads failing on it every minute), and what Odoo could not, ourselves. */
static void build_discard(const Config *c, PGconn *ctl, const char *master, const char *name) {
        _cleanup_json_ json_t *args = json_pack("[s, s]", master, name), *result = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = args ? odoo_call_timeout(c, "db", "drop", args, ODOO_LONG_CALL_TIMEOUT_SEC, &result, &error) : -ENOMEM;
        if (r < 0 || !json_is_true(result))
                log_warning("template build: Odoo did not drop %s (%s): dropping it without Odoo", name,
                            r < 0 ? strempty(error) : "it does not list it");
        if (pg_drop_database(ctl, name, true) < 0) {
                _cleanup_free_ char *msg = pg_error_message(ctl);

                log_error("template build: the database %s could not be dropped: %s", name, strempty(msg));
        }
        if (c->odoo_data_dir) {
                r = filestore_remove(c->odoo_data_dir, name);
                if (r < 0)
                        log_error("template build: the filestore of %s could not be removed: %s", name, strerror(-r));
        }
}

/* Renames the finished build to the template's name through Odoo's db.rename (which drops its
 * registry of the old name and moves the filestore). Returns an exit status. */
static int build_rename(const Config *c, const char *master, const char *from, const char *to, json_t **ret) {
        _cleanup_json_ json_t *args = json_pack("[s, s, s]", master, from, to), *result = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        if (!args)
                return result_oom(ret);
        r = odoo_call_timeout(c, "db", "rename", args, ODOO_LONG_CALL_TIMEOUT_SEC, &result, &error);
        if (r < 0)
                return odoo_failure(r, error, ret);
        return EXIT_OK;
}

/* Whether <data_dir>/filestore/<name> exists. */
static bool filestore_exists(const Config *c, const char *name) {
        _cleanup_close_ int fd = c->odoo_data_dir ? filestore_open(c->odoo_data_dir, name) : -ENOENT;

        return fd != -ENOENT;
}

static int build_locked(const Config *c, PGconn *ctl, const Target *t, const char *build_db, const SealOptions *opts,
                        json_t **ret) {
        _cleanup_secret_ char *master = NULL;
        _cleanup_free_ char *error = NULL, *currency_from = NULL, *fiscal_from = NULL;
        const char *made = NULL;   /* the database this build made, under its current name */
        CatalogEntry entry;
        bool created = false;
        int status, r;

        r = odoo_master_password(c, &master, &error);
        if (r < 0)
                return odoo_failure(r, error, ret);

        status = catalog_lookup(c, ctl, t->db, &entry, ret);
        if (status != EXIT_OK)
                return status;
        if (entry.exists)
                return result_fail(ret, EXIT_EXISTS, "template_exists",
                                   "%s's template %s exists already: drop or rename it to build a new one",
                                   t->name, t->db);
        /* Odoo's db.rename moves a filestore only onto nothing: one already there would be
         * mixed up with the new template's. It is no live database's (there is none of that
         * name, and tenants never take a template's name), but whose it was is the admin's
         * call. */
        if (filestore_exists(c, t->db))
                return result_fail(ret, EXIT_EXISTS, "filestore_exists",
                                   "a filestore for %s exists already in %s/filestore without its database: "
                                   "move it away to build %s's template", t->db, c->odoo_data_dir, t->name);

        /* A build database is only ever ours: one left by an interrupted build goes, and so does
         * its filestore. */
        status = catalog_lookup(c, ctl, build_db, &entry, ret);
        if (status != EXIT_OK)
                return status;
        if (entry.exists && (!entry.odoo_owned || entry.is_template))
                return result_fail(ret, EXIT_EXISTS, "db_exists",
                                   "database %s exists and is not a leftover build of %s", build_db, t->name);
        if (entry.exists || filestore_exists(c, build_db)) {
                log_notice("template build: removing %s, left by an interrupted build", build_db);
                build_discard(c, ctl, master, build_db);
                status = catalog_lookup(c, ctl, build_db, &entry, ret);
                if (status != EXIT_OK)
                        return status;
                if (entry.exists || filestore_exists(c, build_db))
                        return result_fail(ret, EXIT_SOFTWARE, "leftover_build",
                                           "%s, left by an interrupted build, could not be removed", build_db);
        }

        status = build_through_odoo(c, t, build_db, master, &created, ret);
        if (created)
                made = build_db;
        if (status == EXIT_OK)
                status = fix_company(c, t->co, build_db, &currency_from, &fiscal_from, ret);
        if (status == EXIT_OK) {
                _cleanup_json_ json_t *ignored = NULL;

                status = build_rename(c, master, build_db, t->db, ret);
                /* Odoo renames the database first, then its filestore: a failure may come after. */
                if (status == EXIT_OK ||
                    (catalog_lookup(c, ctl, t->db, &entry, &ignored) == EXIT_OK && entry.exists))
                        made = t->db;
        }
        if (status == EXIT_OK)
                status = seal_locked(c, ctl, t, t->db,
                                     &(SealOptions) { .allow_missing_files = opts->allow_missing_files, .source_db = build_db },
                                     ret);
        if (status != EXIT_OK) {
                if (made)
                        build_discard(c, ctl, master, made);
                return status;
        }
        if (json_object_set_new(*ret, "currency_fixed_from", currency_from ? json_string(currency_from) : json_null()) < 0 ||
            json_object_set_new(*ret, "fiscal_country_fixed_from", fiscal_from ? json_string(fiscal_from) : json_null()) < 0)
                return result_oom(ret);
        return EXIT_OK;
}

int template_build(const Config *c, json_t *request, json_t **ret) {
        _cleanup_pgconn_ PGconn *ctl = NULL;
        _cleanup_free_ char *build_db = NULL;
        _cleanup_(target_done) Target target = {};
        const Target *t = &target;
        SealOptions opts = {};
        char *op;
        int status;

        status = request_target(c, request, &target, &opts, ret);
        if (status != EXIT_OK)
                return status;
        if (asprintf(&build_db, "%s" TEMPLATE_BUILD_SUFFIX, t->db) < 0)
                return result_oom(ret);
        if (!db_name_is_valid(build_db))
                return result_fail(ret, EXIT_CONFIG, "config_error",
                                   "%s's template name %s is too long to build (%s)", t->name, t->db, build_db);
        if (isempty(c->odoo_url))
                return result_fail(ret, EXIT_CONFIG, "odoo_not_configured", "odoo.url is not configured: there is no Odoo to build with");

        status = open_locked(c, t->db, build_db, &ctl, ret);
        if (status != EXIT_OK)
                return status;
        op = operation_start(ctl, t->db, "template_build");
        status = build_locked(c, ctl, t, build_db, &opts, ret);
        return operation_finish(ctl, op, status, *ret);
}

int template_is_recorded(PGconn *ctl, const TemplateChoice *t) {
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *apps = strv_json(t->apps);
        const char *params[3] = { t->country->code, apps, t->db };

        if (!apps)
                return -ENOMEM;
        res = pg_exec(ctl, NULL,
                      "SELECT 1 FROM public.templates WHERE country = $1 AND apps = $2::jsonb AND db_name = $3",
                      3, params);
        if (!res)
                return -EIO;
        return PQntuples(res) == 1;
}

int template_main(const Config *c, json_t *request, json_t **ret) {
        const char *sub;
        int bad = 0;

        sub = request_string(request, "subcommand", &bad);
        if (bad || !sub)
                return result_fail(ret, EXIT_USAGE, "missing_subcommand", "say seal, list or build");
        if (streq(sub, "seal"))
                return template_seal(c, request, ret);
        if (streq(sub, "list"))
                return template_list(c, request, ret);
        if (streq(sub, "build"))
                return template_build(c, request, ret);
        return result_fail(ret, EXIT_USAGE, "unknown_subcommand", "unknown subcommand '%.32s': say seal, list or build", sub);
}
