/* SPDX-License-Identifier: MIT */
/*
 * tenant-db.c: owns sessions inside tenant and template databases (tenant-db.h says why they run
 * as Odoo's role).
 */
#include "result.h"
#include "tenant-db.h"

PgLogin tenant_db_login(const Config *c) {
        return (PgLogin) {
                .user = c->odoo_role,
                .password_file = c->odoo_password_file,
                .options = TENANT_DB_OPTIONS,
        };
}

int tenant_db_connect(const Config *c, const char *dbname, PGconn **ret, char **ret_error) {
        static const char check_sql[] =
                /* current_user and session_user are SQL keywords: nothing can shadow them. */
                "SELECT current_user = $1, r.rolsuper, pg_catalog.current_setting('search_path')"
                "  FROM pg_catalog.pg_roles r WHERE r.rolname = session_user";
        PgLogin login = tenant_db_login(c);
        const char *params[1] = { login.user };
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        int r;

        r = pg_connect_as(c, dbname, &login, &conn, ret_error);
        if (r < 0)
                return r;
        res = pg_exec(conn, NULL, check_sql, 1, params);
        if (!res || PQntuples(res) != 1) {
                error_set(ret_error, "cannot check the session in %s: %s", dbname, PQerrorMessage(conn));
                return PQstatus(conn) == CONNECTION_BAD ? -ECONNREFUSED : -EIO;
        }
        if (!streq(PQgetvalue(res, 0, 0), "t")) {
                error_set(ret_error, "the session in %s is not Odoo's role %s", dbname, login.user);
                return -EPERM;
        }
        if (!streq(PQgetvalue(res, 0, 1), "f")) {
                error_set(ret_error, "Odoo's role %s is a PostgreSQL superuser: every Odoo administrator could then do "
                          "anything on this server; make it NOSUPERUSER (ALTER ROLE %s NOSUPERUSER)", login.user, login.user);
                return -EPERM;
        }
        if (!streq(PQgetvalue(res, 0, 2), "pg_catalog")) {
                error_set(ret_error, "the session in %s has search_path %s, not pg_catalog", dbname, PQgetvalue(res, 0, 2));
                return -EPERM;
        }
        *ret = TAKE_PTR(conn);
        return 0;
}
