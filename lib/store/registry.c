/* SPDX-License-Identifier: MIT */
/*
 * registry.c: owns the control database — creating it on first use, and its schema: the ordered
 * list of migrations and applying the missing ones exactly once, however many processes race.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "message-id.h"
#include "pg.h"
#include "registry.h"
#include "result.h"

/* The schema, one migration per entry, applied in order: version = index + 1. Released entries
 * are never edited, only new ones appended. */
static const char *const migrations[] = {
        /* 1: tenants, their backups, and a journal of operations. */
        "CREATE TABLE tenants ("
        "  db_name text PRIMARY KEY,"
        "  country text,"
        "  company_name text,"
        "  admin_email text,"
        "  admin_login text,"
        "  whmcs_service_id bigint,"
        "  state text NOT NULL DEFAULT 'active'"
        "    CHECK (state IN ('provisioning','active','suspended','terminating','terminated')),"
        "  created_at timestamptz NOT NULL DEFAULT now(),"
        "  suspended_at timestamptz,"
        "  suspend_reason text,"
        "  unsuspended_at timestamptz,"
        "  terminated_at timestamptz,"
        "  updated_at timestamptz NOT NULL DEFAULT now()"
        ");"
        "CREATE INDEX tenants_whmcs_service_id_idx ON tenants (whmcs_service_id)"
        "  WHERE whmcs_service_id IS NOT NULL;"
        "CREATE INDEX tenants_state_idx ON tenants (state);"
        "CREATE TABLE backups ("
        "  id bigserial PRIMARY KEY,"
        "  db_name text NOT NULL,"
        "  path text NOT NULL,"
        "  size_bytes bigint,"
        "  sha256 text,"
        "  created_at timestamptz NOT NULL DEFAULT now(),"
        "  kind text"
        ");"
        "CREATE INDEX backups_db_name_created_at_idx ON backups (db_name, created_at);"
        "CREATE TABLE operations ("
        "  id bigserial PRIMARY KEY,"
        "  db_name text,"
        "  action text NOT NULL,"
        "  request_id text,"
        "  started_at timestamptz NOT NULL DEFAULT now(),"
        "  finished_at timestamptz,"
        "  outcome text,"
        "  detail jsonb"
        ");"
        "CREATE INDEX operations_db_name_started_at_idx ON operations (db_name, started_at);"
        /* The unfinished ones are what the next action on a tenant must look for. */
        "CREATE INDEX operations_unfinished_idx ON operations (db_name) WHERE finished_at IS NULL;"
        /* pg_database_size() stats every file of a database: ~1.3 ms each, 1.3 s for a list of
         * 1,000 tenants. list reports sizes measured within the last hour from here; status and
         * a list with fresh_sizes measure live and refresh it. Keyed on the oid too, so that a
         * database dropped and made again under the same name is never given the old size. */
        "CREATE TABLE tenant_sizes ("
        "  db_name text PRIMARY KEY,"
        "  db_oid oid NOT NULL,"
        "  size_bytes bigint NOT NULL,"
        "  measured_at timestamptz NOT NULL"
        ");"
        /* The sealed template of each country (vumaerp-template seal): what it was made from,
         * its Odoo version and installed modules when it was sealed. */
        "CREATE TABLE templates ("
        "  country text PRIMARY KEY,"
        "  db_name text NOT NULL UNIQUE,"
        "  source_db text,"
        "  odoo_version text,"
        "  modules jsonb NOT NULL DEFAULT '[]',"
        "  module_count int NOT NULL DEFAULT 0,"
        "  currency text,"
        "  sealed_at timestamptz NOT NULL DEFAULT now()"
        ");"
        /* The tenant's Odoo filestore, archived beside the dump (NULL: it had none). */
        "ALTER TABLE backups ADD COLUMN filestore_path text, ADD COLUMN filestore_sha256 text,"
        "  ADD COLUMN filestore_size_bytes bigint;",

        /* 2: the control database is vumaerp's alone — PostgreSQL grants CONNECT to PUBLIC by
         * default, which let Odoo's role in to hold tenant locks; and a lock key of its own for
         * every name (a hash of the name let two names share one). */
        "DO $$BEGIN"
        "  EXECUTE pg_catalog.format('REVOKE ALL ON DATABASE %I FROM PUBLIC', pg_catalog.current_database());"
        "END$$;"
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;"
        "CREATE TABLE tenant_locks ("
        "  db_name text PRIMARY KEY,"
        "  lock_key bigint GENERATED ALWAYS AS IDENTITY UNIQUE"
        ");",

        /* 3: a WHMCS service owns at most one tenant that is not terminated (issue 13): an action
         * from another service is refused, and a service's tenant is found by its id. The unique
         * index replaces the plain one. A registry that already holds a service owning several
         * live tenants is NOT changed: which of them is the service's is a decision for an admin,
         * and dropping an owner silently would open that tenant to the next claim. So the
         * migration fails, naming them, and every action answers that until the admin has set
         * whmcs_service_id to NULL on the rows that are not the service's (then claims them, if
         * they belong to other services: vumaerp-status --whmcs-service-id N --claim DB). */
        "DO $$DECLARE dups text;"
        "BEGIN"
        "  SELECT string_agg(pg_catalog.format('service %s owns %s', s.id, s.names), '; ' ORDER BY s.id) INTO dups"
        "    FROM (SELECT whmcs_service_id AS id, string_agg(db_name, ', ' ORDER BY db_name) AS names"
        "            FROM public.tenants"
        "           WHERE whmcs_service_id IS NOT NULL AND state <> 'terminated'"
        "           GROUP BY whmcs_service_id HAVING count(*) > 1) s;"
        "  IF dups IS NOT NULL THEN"
        "    RAISE EXCEPTION 'cannot upgrade the registry to schema version 3 (one live tenant per WHMCS service): %;"
        " keep each service on its own tenant and set whmcs_service_id to NULL on the others"
        " (UPDATE public.tenants SET whmcs_service_id = NULL WHERE db_name = ...), then run any action again', dups;"
        "  END IF;"
        "END$$;"
        "DROP INDEX public.tenants_whmcs_service_id_idx;"
        "CREATE UNIQUE INDEX tenants_whmcs_service_id_live_idx ON public.tenants (whmcs_service_id)"
        "  WHERE whmcs_service_id IS NOT NULL AND state <> 'terminated';",

        /* 4: single sign-on's one-time tokens (registry-sso.c): only their SHA-256; a link's token
         * (kind 'link', given to WHMCS) or the one vumaerp hands Odoo for the sign-in itself (kind
         * 'odoo', never leaves the host); the tenant, its provider row and the Odoo identity
         * (oauth_uid) each signs in; when it stops being good and when it was used. A row is good
         * once: used_at is set in the statement that accepts it. */
        "CREATE TABLE sso_tokens ("
        "  token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),"
        "  kind text NOT NULL CHECK (kind IN ('link', 'odoo')),"
        "  db_name text NOT NULL,"
        "  provider_id int NOT NULL,"
        "  login text NOT NULL,"
        "  oauth_uid text NOT NULL,"
        "  created_at timestamptz NOT NULL DEFAULT now(),"
        "  expires_at timestamptz NOT NULL,"
        "  used_at timestamptz"
        ");"
        "CREATE INDEX sso_tokens_expires_at_idx ON sso_tokens (expires_at);",
        /* 5: offsite copies (issue 15): one row per object this host uploaded and checked, by
         * key. A backup's row going (retention) leaves its objects' rows with backup_id NULL:
         * what the remote retention deletes next, and forgets once deleted. Objects another
         * host wrote have no row here and are never deleted from here. */
        "CREATE TABLE offsite_objects ("
        "  key text PRIMARY KEY,"
        "  db_name text NOT NULL,"
        "  backup_id bigint REFERENCES public.backups (id) ON DELETE SET NULL,"
        "  role text NOT NULL CHECK (role IN ('dump', 'filestore')),"
        "  size_bytes bigint NOT NULL,"
        "  sha256 text NOT NULL,"
        "  uploaded_at timestamptz NOT NULL DEFAULT now()"
        ");"
        "CREATE INDEX offsite_objects_backup_id_idx ON public.offsite_objects (backup_id);"
        "CREATE INDEX offsite_objects_gone_idx ON public.offsite_objects (key) WHERE backup_id IS NULL;",

        /* 6: what each tenant bought (issue 14): its plan (a code of plans.yaml), the extra users
         * its WHMCS service added, and the user cap that was applied — the plan's max_users plus
         * the extra users when it was set, kept so that editing plans.yaml later changes no
         * tenant behind its back. NULL plan: none (a tenant from before plans, or no plans
         * configured): no cap. Each change is journaled in its operation's detail. */
        "ALTER TABLE public.tenants"
        "  ADD COLUMN plan text,"
        "  ADD COLUMN extra_users int NOT NULL DEFAULT 0 CHECK (extra_users >= 0),"
        "  ADD COLUMN max_users int CHECK (max_users > 0),"
        "  ADD COLUMN plan_changed_at timestamptz;",

        /* 7: restore drills (issue 15): each time a tenant's newest backup was restored into a
         * scratch database and checked — which backup, when, whether it passed and why not
         * (registry-drill.h). */
        "CREATE TABLE public.drills ("
        "  id bigserial PRIMARY KEY,"
        "  db_name text NOT NULL,"
        "  backup_path text NOT NULL,"
        "  backup_created_at timestamptz,"
        "  started_at timestamptz NOT NULL,"
        "  finished_at timestamptz NOT NULL DEFAULT now(),"
        "  ok boolean NOT NULL,"
        "  error text,"
        "  detail jsonb"
        ");"
        "CREATE INDEX drills_db_name_finished_at_idx ON public.drills (db_name, finished_at);",

        /* 8: a template per country and app set (issue 14, template-choice.h): the apps a plan's
         * template carries beyond the country's modules, sorted ('[]': the country's own
         * template, every row sealed before). */
        "ALTER TABLE public.templates ADD COLUMN apps jsonb NOT NULL DEFAULT '[]';"
        "ALTER TABLE public.templates DROP CONSTRAINT templates_pkey;"
        "ALTER TABLE public.templates ADD PRIMARY KEY (country, apps);",

        /* 9: the service user vumaerp made inside each tenant to install and hide its plan's apps
         * through Odoo (issue 14, tenant-service.h): its res_users id, so that no user count
         * counts it and a row the customer put in its place is told apart. NULL: none made yet. */
        "ALTER TABLE public.tenants ADD COLUMN service_uid int CHECK (service_uid > 0);",
};

int registry_schema_version(void) {
        return (int) ELEMENTSOF(migrations);
}

/* libpq's message without its trailing newline, as "%.*s" arguments. */
#define CONN_ERROR(conn) conn_error_len(conn), PQerrorMessage(conn)
static int conn_error_len(PGconn *conn) {
        const char *m = PQerrorMessage(conn);
        size_t n = strlen(m);

        while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
                n--;
        return (int) n;
}

/* Creates the control database from the maintenance database. Losing a race to another process
 * doing the same is success: the database exists, which is all we wanted. */
static int create_control_db(const Config *c, char **ret_error) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *quoted = NULL, *sql = NULL;
        char state[6] = "";
        int r;

        r = pg_connect(c, c->pg_maintenance_db, &conn, ret_error);
        if (r < 0)
                return r;

        quoted = pg_quote_identifier(conn, c->control_db);
        if (!quoted)
                return -ENOMEM;
        /* DDL takes no parameters: the name goes in quoted by PQescapeIdentifier. template0 so
         * the encoding can be UTF8 whatever template1 was made with. */
        if (asprintf(&sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", quoted) < 0)
                return -ENOMEM;

        /* PQexec rather than pg_exec: losing the race is expected and must not log an error. */
        res = PQexec(conn, sql);
        if (res && PQresultStatus(res) == PGRES_COMMAND_OK) {
                log_event(LOG_NOTICE, MESSAGE_ID_SCHEMA, NULL, "created the control database %s", c->control_db);
                return 0;
        }
        /* 42P04 duplicate_database; 23505 when the race is lost on pg_database's unique index. */
        if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE))
                (void) snprintf(state, sizeof state, "%s", PQresultErrorField(res, PG_DIAG_SQLSTATE));
        if (streq(state, "42P04") || streq(state, "23505"))
                return 0;
        error_set(ret_error, "cannot create the control database %s: %.*s", c->control_db, CONN_ERROR(conn));
        return -EIO;
}

/* The simple query protocol: a migration is several statements, which PQexecParams refuses. */
static int exec_simple(PGconn *conn, const char *sql, char **ret_error) {
        _cleanup_pgresult_ PGresult *res = PQexec(conn, sql);

        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
                error_set(ret_error, "control database: %.*s", CONN_ERROR(conn));
                return -EIO;
        }
        return 0;
}

/* Everything happens in one transaction that first takes a transaction-level advisory lock:
 * two racing "CREATE TABLE IF NOT EXISTS" can still collide on pg_type's unique index, so no DDL
 * runs before the lock is ours. The lock is released by COMMIT/ROLLBACK. */
static int migrate(PGconn *conn, char **ret_error) {
        _cleanup_pgresult_ PGresult *res = NULL;
        char classid[16], version[16];
        const char *params[1] = { classid };
        int have, want = registry_schema_version(), r;

        r = exec_simple(conn, "BEGIN", ret_error);
        if (r < 0)
                return r;

        (void) snprintf(classid, sizeof classid, "%d", PG_LOCK_CLASS_REGISTRY);
        if (pg_run(conn, "SELECT pg_advisory_xact_lock($1::int4, 0)", 1, params) < 0)
                goto fail;

        /* to_regclass instead of IF NOT EXISTS: no "already exists, skipping" notice on every run. */
        res = pg_exec(conn, NULL, "SELECT to_regclass('public.schema_version') IS NULL", 0, NULL);
        if (!res)
                goto fail;
        if (streq(PQgetvalue(res, 0, 0), "t")) {
                r = exec_simple(conn,
                                "CREATE TABLE public.schema_version ("
                                "  version int NOT NULL PRIMARY KEY,"
                                "  applied_at timestamptz NOT NULL DEFAULT now())",
                                ret_error);
                if (r < 0)
                        goto fail_set;
        }
        PQclear(res);

        res = pg_exec(conn, NULL, "SELECT coalesce(max(version), 0) FROM public.schema_version", 0, NULL);
        if (!res)
                goto fail;
        have = atoi(PQgetvalue(res, 0, 0));
        PQclear(res);
        res = NULL;

        if (have > want) {
                (void) exec_simple(conn, "ROLLBACK", NULL);
                error_set(ret_error,
                          "control database %s has schema version %d, newer than this vumaerp (%d): upgrade vumaerp",
                          PQdb(conn), have, want);
                return -EPROTO;
        }

        for (int v = have + 1; v <= want; v++) {
                const char *vparams[1] = { version };

                r = exec_simple(conn, migrations[v - 1], ret_error);
                if (r < 0)
                        goto fail_set;
                (void) snprintf(version, sizeof version, "%d", v);
                if (pg_run(conn, "INSERT INTO public.schema_version (version) VALUES ($1::int4)", 1, vparams) < 0)
                        goto fail;
        }

        r = exec_simple(conn, "COMMIT", ret_error);
        if (r < 0)
                return r;
        if (want > have)
                log_event(LOG_NOTICE, MESSAGE_ID_SCHEMA, NULL,
                          "control database %s migrated from schema version %d to %d", PQdb(conn), have, want);
        return 0;

fail:
        error_set(ret_error, "control database: %.*s", CONN_ERROR(conn));
fail_set:
        (void) exec_simple(conn, "ROLLBACK", NULL);
        return -EIO;
}

/* The schema version without a lock or a transaction, or -1 when it cannot be read (no
 * schema_version table yet: a fresh database). Not through pg_exec(): a missing table is
 * expected here and not worth an error in the log. */
static int schema_version_probe(PGconn *conn) {
        _cleanup_pgresult_ PGresult *res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM public.schema_version");

        if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
                return -1;
        return atoi(PQgetvalue(res, 0, 0));
}

int registry_open(const Config *c, PGconn **ret, char **ret_error) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = pg_connect(c, c->control_db, &conn, ret_error);
        if (r == -ENOENT) {
                if (ret_error) {
                        free(*ret_error);
                        *ret_error = NULL;
                }
                r = create_control_db(c, ret_error);
                if (r < 0)
                        return r;
                r = pg_connect(c, c->control_db, &conn, ret_error);
        }
        if (r < 0)
                return r;

        /* Every action opens the registry, and almost always the schema is current: one round
         * trip settles that, and only a fresh or outdated database pays for the locked path. */
        if (schema_version_probe(conn) != registry_schema_version()) {
                r = migrate(conn, ret_error);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(conn);
        return 0;
}

int registry_open_failure(int r, const char *error, json_t **ret) {
        const char *msg = strempty(error);

        switch (r) {
        case -ECONNREFUSED:
                return result_fail(ret, EXIT_UNAVAILABLE, "database_unavailable",
                                   "PostgreSQL is unavailable: %s", msg);
        case -EPROTO:
                return result_fail(ret, EXIT_CONFIG, "schema_too_new", "%s", msg);
        case -EACCES:
                return result_fail(ret, EXIT_CONFIG, "database_access_denied",
                                   "PostgreSQL refused vumaerp's credentials: %s", msg);
        case -ENOKEY:
                return result_fail(ret, EXIT_CONFIG, "config_error", "%s", msg);
        default:
                return result_fail(ret, EXIT_SOFTWARE, "registry_error",
                                   "cannot open the control database: %s", isempty(error) ? strerror(-r) : msg);
        }
}

int registry_lock_tenant(PGconn *conn, const char *name, int timeout_ms) {
        /* The upsert commits on its own, before the wait: racing lockers never wait on the row. */
        static const char key_sql[] =
                "INSERT INTO public.tenant_locks AS l (db_name) VALUES ($1)"
                " ON CONFLICT (db_name) DO UPDATE SET db_name = l.db_name"
                " RETURNING l.lock_key, pg_catalog.set_config('lock_timeout', $2, false)";
        char timeout[32];
        const char *params[2] = { name, timeout };
        _cleanup_pgresult_ PGresult *res = NULL, *lock = NULL;
        _cleanup_free_ char *key = NULL;
        const char *key_param[1];
        char state[6] = "";
        int r = 0;

        (void) snprintf(timeout, sizeof timeout, "%dms", timeout_ms > 0 ? timeout_ms : 1);
        res = pg_exec(conn, NULL, key_sql, 2, params);
        if (!res || PQntuples(res) != 1)
                return -EIO;
        key = strdup(PQgetvalue(res, 0, 0));
        if (!key)
                return -ENOMEM;
        key_param[0] = key;

        /* Running into lock_timeout (55P03) is an answer (503 tenant_busy), not an error. */
        lock = pg_exec(conn, state, "SELECT pg_catalog.pg_advisory_lock($1::bigint)", 1, key_param);
        if (!lock) {
                if (!streq(state, "55P03"))
                        return -EIO;   /* the server's message stays on conn for the caller */
                r = -EBUSY;
        }
        PQclear(res);
        res = pg_exec(conn, NULL, "SELECT pg_catalog.set_config('lock_timeout', '0', false)", 0, NULL);
        if (!res && r == 0)
                r = -EIO;
        return r;
}

int registry_unlock_tenant(PGconn *conn, const char *name) {
        static const char sql[] =
                "SELECT pg_catalog.pg_advisory_unlock(l.lock_key) FROM public.tenant_locks l WHERE l.db_name = $1";
        const char *params[1] = { name };
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, params);

        if (!res)
                return -EIO;
        /* false or no row: we did not hold it (PostgreSQL also warns); a caller bug. */
        return PQntuples(res) == 1 && streq(PQgetvalue(res, 0, 0), "t") ? 0 : -ENOLCK;
}
