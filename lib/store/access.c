/* SPDX-License-Identifier: MIT */
/*
 * access.c: owns the access states of tenant and template databases (access.h): the holder role,
 * and the one transaction that moves a database into each state.
 */
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "pg.h"
#include "result.h"

static const char *const state_names[_ACCESS_STATE_MAX] = {
        [ACCESS_OPEN] = "open",
        [ACCESS_HELD] = "held",
        [ACCESS_ADMITTED] = "admitted",
        [ACCESS_CLOSED] = "closed",
};

const char *access_state_to_string(AccessState s) {
        return s >= 0 && s < _ACCESS_STATE_MAX ? state_names[s] : NULL;
}

AccessState access_state_from_string(const char *s) {
        for (int i = 0; i < _ACCESS_STATE_MAX; i++)
                if (streq_ptr(s, state_names[i]))
                        return (AccessState) i;
        return _ACCESS_STATE_MAX;
}

int access_holder_ensure(PGconn *admin, char **ret_error) {
        /* Created once per server; a concurrent creation loses with 42710 (duplicate_object) or
         * 23505 on pg_authid's index, both meaning "it exists", which the check below confirms. */
        static const char create_sql[] =
                "DO $$BEGIN"
                "  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '" ACCESS_HOLDER_ROLE "') THEN"
                "    CREATE ROLE " ACCESS_HOLDER_ROLE " NOLOGIN NOINHERIT;"
                "  END IF;"
                "END$$";
        static const char check_sql[] =
                "SELECT r.rolsuper, r.rolcanlogin,"
                "       EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.roleid = r.oid)"
                "  FROM pg_catalog.pg_roles r WHERE r.rolname = '" ACCESS_HOLDER_ROLE "'";
        _cleanup_pgresult_ PGresult *res = NULL;
        char state[6] = "";

        res = pg_exec(admin, NULL, check_sql, 0, NULL);
        if (!res)
                goto fail;
        if (PQntuples(res) == 0) {
                PQclear(res);
                res = pg_exec(admin, state, create_sql, 0, NULL);
                if (!res && !streq(state, "42710") && !streq(state, "23505"))
                        goto fail;
                PQclear(res);
                res = pg_exec(admin, NULL, check_sql, 0, NULL);
                if (!res)
                        goto fail;
        }
        if (PQntuples(res) != 1) {
                error_set(ret_error, "the role " ACCESS_HOLDER_ROLE " could not be created");
                return -EIO;
        }
        /* Whoever could log in as the holder, or is a member of it, could re-open every
         * suspended tenant: refuse to hold anything with such a role. */
        if (!streq(PQgetvalue(res, 0, 0), "f") || !streq(PQgetvalue(res, 0, 1), "f") || !streq(PQgetvalue(res, 0, 2), "f")) {
                error_set(ret_error, "the role " ACCESS_HOLDER_ROLE " must be NOSUPERUSER NOLOGIN with no members "
                          "(it owns suspended tenants and sealed templates so that no one can re-open them)");
                return -EPERM;
        }
        return 0;
fail:
        error_set(ret_error, "cannot make sure the role " ACCESS_HOLDER_ROLE " exists: %s", PQerrorMessage(admin));
        return -EIO;
}

int access_holder_ready(PGconn *admin, json_t **ret) {
        _cleanup_free_ char *error = NULL;
        int r = access_holder_ensure(admin, &error);

        if (r == -EPERM)
                return result_fail(ret, EXIT_CONFIG, "config_error", "%s", strempty(error));
        if (r < 0 && pg_connection_lost(admin))
                return result_fail(ret, EXIT_UNAVAILABLE, "database_unavailable", "%s", strempty(error));
        if (r < 0)
                return result_fail(ret, EXIT_SOFTWARE, "database_error", "%s", strempty(error));
        return EXIT_OK;
}

int access_set(PGconn *admin, const Config *c, const char *db, AccessState state) {
        _cleanup_free_ char *q_db = pg_quote_identifier(admin, db);
        _cleanup_free_ char *q_odoo = pg_quote_identifier(admin, c->odoo_role);
        _cleanup_free_ char *sql = NULL, *grant = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        int r;

        if (!q_db || !q_odoo)
                return -ENOMEM;
        /* DDL takes no parameters: the names are quoted. One simple-query string, which PostgreSQL
         * runs as one implicit transaction (rolled back whole if any statement fails, leaving the
         * server's message on the connection for the caller's answer): no moment has an owner
         * without its grants, or connections without the owner.
         * The owner moves first: ALTER … OWNER hands the old owner's entries in the ACL to the
         * new owner, so the REVOKEs after it leave no right behind for Odoo's role. */
        switch (state) {
        case ACCESS_OPEN:
                r = asprintf(&sql,
                             "ALTER DATABASE %1$s OWNER TO %2$s;"
                             "REVOKE ALL ON DATABASE %1$s FROM PUBLIC;"
                             /* CONNECT, CREATE, TEMPORARY: what an owner has by default. */
                             "GRANT ALL ON DATABASE %1$s TO %2$s;"
                             "ALTER DATABASE %1$s ALLOW_CONNECTIONS true CONNECTION LIMIT -1",
                             q_db, q_odoo);
                break;
        case ACCESS_HELD:
        case ACCESS_ADMITTED:
                if (state == ACCESS_ADMITTED && asprintf(&grant, "GRANT ALL ON DATABASE %s TO %s;", q_db, q_odoo) < 0) {
                        grant = NULL;
                        return -ENOMEM;
                }
                r = asprintf(&sql,
                             "ALTER DATABASE %1$s OWNER TO " ACCESS_HOLDER_ROLE ";"
                             "REVOKE ALL ON DATABASE %1$s FROM PUBLIC;"
                             "REVOKE ALL ON DATABASE %1$s FROM %2$s;"
                             "REVOKE ALL ON DATABASE %1$s FROM " ACCESS_HOLDER_ROLE ";"
                             "%3$s"
                             "ALTER DATABASE %1$s ALLOW_CONNECTIONS %4$s CONNECTION LIMIT -1",
                             q_db, q_odoo, strempty(grant), state == ACCESS_ADMITTED ? "true" : "false");
                break;
        default:
                return -EINVAL;
        }
        if (r < 0) {
                sql = NULL;
                return -ENOMEM;
        }
        res = PQexec(admin, sql);
        return PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -EIO;
}

int access_reset_settings(PGconn *admin, const char *db) {
        static const char roles_sql[] =
                "SELECT pg_catalog.pg_get_userbyid(st.setrole) FROM pg_catalog.pg_db_role_setting st"
                "  JOIN pg_catalog.pg_database d ON d.oid = st.setdatabase"
                " WHERE d.datname = $1 AND st.setrole <> 0";
        const char *params[1] = { db };
        _cleanup_free_ char *q_db = pg_quote_identifier(admin, db), *sql = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;

        if (!q_db || asprintf(&sql, "ALTER DATABASE %s RESET ALL", q_db) < 0) {
                sql = NULL;
                return -ENOMEM;
        }
        res = pg_exec(admin, NULL, sql, 0, NULL);
        if (!res)
                return -EIO;
        PQclear(res);
        res = pg_exec(admin, NULL, roles_sql, 1, params);
        if (!res)
                return -EIO;
        for (int i = 0; i < PQntuples(res); i++) {
                _cleanup_free_ char *q_role = pg_quote_identifier(admin, PQgetvalue(res, i, 0)), *role_sql = NULL;
                _cleanup_pgresult_ PGresult *k = NULL;

                if (!q_role || asprintf(&role_sql, "ALTER ROLE %s IN DATABASE %s RESET ALL", q_role, q_db) < 0) {
                        role_sql = NULL;
                        return -ENOMEM;
                }
                k = pg_exec(admin, NULL, role_sql, 0, NULL);
                if (!k)
                        return -EIO;
        }
        return 0;
}
