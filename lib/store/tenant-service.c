/* SPDX-License-Identifier: MIT */
/*
 * tenant-service.c: owns vumaerp's service user inside a tenant (tenant-service.h): making it,
 * checking it is still what vumaerp made, and its one-shot API keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "odoo.h"
#include "password.h"
#include "pg.h"
#include "tenant-service.h"
#include "result.h"

/* First in each transaction: tenant-db.c checked search_path at connect, but a customer's trigger
 * fired by one of this session's writes (the res_users updates below) may have changed it since,
 * for the session; the statements after it must resolve operators in pg_catalog only. */
#define SEARCH_PATH_SQL "SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)"

/* Odoo writes its timestamps as UTC without a time zone. */
#define NOW_UTC "pg_catalog.timezone('UTC', pg_catalog.now())"

/* base.group_user and base.group_system, by their XML ids (ir_model_data), as Odoo's env.ref()
 * finds them. */
#define BASE_GROUPS_SQL                                                                            \
        "SELECT d.res_id FROM public.ir_model_data d"                                              \
        " WHERE d.module = 'base' AND d.model = 'res.groups' AND d.name IN ('group_user', 'group_system')"

static int rollback(PGconn *conn, int r) {
        /* After a failed statement the transaction is aborted and the message is on conn: a
         * ROLLBACK would clear it, and the session is closed unused. */
        if (r != -EIO)
                (void) pg_run(conn, "ROLLBACK", 0, NULL);
        return r;
}

int tenant_service_create(PGconn *conn, int *ret_uid, char **ret_error) {
        static const char check_sql[] =
                "SELECT (SELECT count(*) FROM (" BASE_GROUPS_SQL ") g),"
                "       (SELECT count(*) FROM public.res_users WHERE login = '" TENANT_SERVICE_LOGIN "'),"
                "       (SELECT min(id) FROM public.res_company)";
        static const char user_sql[] =
                "WITH p AS ("
                "  INSERT INTO public.res_partner (name, complete_name, type, active, is_company, partner_share,"
                "                                  create_uid, write_uid, create_date, write_date)"
                "  VALUES ('" TENANT_SERVICE_NAME "', '" TENANT_SERVICE_NAME "', 'contact', false, false, false,"
                "          1, 1, " NOW_UTC ", " NOW_UTC ") RETURNING id)"
                " INSERT INTO public.res_users (company_id, partner_id, login, active, share, notification_type,"
                "                               create_uid, write_uid, create_date, write_date)"
                " SELECT $1::int, p.id, '" TENANT_SERVICE_LOGIN "', false, false, 'email', 1, 1, " NOW_UTC ", " NOW_UTC
                "   FROM p RETURNING id";
        static const char company_sql[] =
                "INSERT INTO public.res_company_users_rel (cid, user_id) VALUES ($1::int, $2::int)";
        /* The groups and, as res.groups' implied_ids make Odoo's ORM do, all they imply. */
        static const char groups_sql[] =
                "WITH RECURSIVE g(id) AS (" BASE_GROUPS_SQL
                "  UNION SELECT i.hid FROM public.res_groups_implied_rel i JOIN g ON i.gid = g.id)"
                " INSERT INTO public.res_groups_users_rel (gid, uid) SELECT g.id, $1::int FROM g";
        _cleanup_pgresult_ PGresult *res = NULL, *user = NULL;
        const char *company, *uid;
        int r;

        *ret_uid = 0;
        if (pg_run(conn, "BEGIN", 0, NULL) < 0 ||
            pg_run(conn, "SELECT pg_catalog.set_config('row_security', 'off', true)", 0, NULL) < 0 ||
            pg_run(conn, SEARCH_PATH_SQL, 0, NULL) < 0)
                return -EIO;
        res = pg_exec(conn, NULL, "SELECT pg_catalog.to_regclass('public.res_users') IS NOT NULL"
                                  "   AND pg_catalog.to_regclass('public.res_groups_implied_rel') IS NOT NULL", 0, NULL);
        if (!res)
                return -EIO;
        if (!streq(PQgetvalue(res, 0, 0), "t")) {
                error_set(ret_error, "no res_users or res_groups_implied_rel table: not an Odoo database");
                return rollback(conn, -ENOENT);
        }
        PQclear(res);
        res = pg_exec(conn, NULL, check_sql, 0, NULL);
        if (!res)
                return -EIO;
        if (!streq(PQgetvalue(res, 0, 0), "2") || PQgetisnull(res, 0, 2)) {
                error_set(ret_error, "base.group_user, base.group_system or a company is missing");
                return rollback(conn, -ENOENT);
        }
        if (!streq(PQgetvalue(res, 0, 1), "0")) {
                error_set(ret_error, "a user with the login %s exists already, and vumaerp did not record it as its own",
                          TENANT_SERVICE_LOGIN);
                return rollback(conn, -EEXIST);
        }
        company = PQgetvalue(res, 0, 2);
        user = pg_exec(conn, NULL, user_sql, 1, (const char *const[]) { company });
        if (!user || PQntuples(user) != 1)
                return -EIO;
        uid = PQgetvalue(user, 0, 0);
        if (pg_run(conn, company_sql, 2, (const char *const[]) { company, uid }) < 0 ||
            pg_run(conn, groups_sql, 1, (const char *const[]) { uid }) < 0)
                return -EIO;
        r = atoi(uid);
        if (pg_run(conn, "COMMIT", 0, NULL) < 0)
                return -EIO;
        *ret_uid = r;
        return 0;
}

int tenant_service_check(PGconn *conn, int uid, char **ret_error) {
        static const char sql[] =
                "SELECT u.login, coalesce(u.password, '') = '',"
                "       (SELECT count(*) FROM public.res_groups_users_rel r WHERE r.uid = u.id"
                "           AND r.gid IN (" BASE_GROUPS_SQL "))"
                "  FROM public.res_users u WHERE u.id = $1::int";
        _cleanup_pgresult_ PGresult *res = NULL;
        char id[16];

        (void) snprintf(id, sizeof id, "%d", uid);
        res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { id });
        if (!res)
                return -EIO;
        if (PQntuples(res) != 1) {
                error_set(ret_error, "vumaerp's service user (res_users id %d) was deleted", uid);
                return -EPERM;
        }
        if (!streq(PQgetvalue(res, 0, 0), TENANT_SERVICE_LOGIN)) {
                error_set(ret_error, "vumaerp's service user (res_users id %d) is no longer %s: its login was changed",
                          uid, TENANT_SERVICE_LOGIN);
                return -EPERM;
        }
        if (!streq(PQgetvalue(res, 0, 1), "t")) {
                error_set(ret_error, "vumaerp's service user (res_users id %d) was given a password", uid);
                return -EPERM;
        }
        if (!streq(PQgetvalue(res, 0, 2), "2")) {
                error_set(ret_error, "vumaerp's service user (res_users id %d) was taken out of base.group_user or "
                          "base.group_system", uid);
                return -EPERM;
        }
        return 0;
}

int tenant_service_open(PGconn *conn, int uid, char **ret_key) {
        static const char key_sql[] =
                "INSERT INTO public.res_users_apikeys (name, user_id, scope, index, key, create_date)"
                " VALUES ('vumaerp one-shot', $1::int, 'rpc', $2, $3, " NOW_UTC ")";
        _cleanup_secret_ char *key = NULL;
        _cleanup_free_ char *hash = NULL;
        char id[16], index[PASSWORD_APIKEY_INDEX + 1];
        int r;

        (void) snprintf(id, sizeof id, "%d", uid);
        r = password_apikey(&key, &hash);
        if (r < 0)
                return r;
        memcpy(index, key, PASSWORD_APIKEY_INDEX);
        index[PASSWORD_APIKEY_INDEX] = '\0';
        if (pg_run(conn, "BEGIN", 0, NULL) < 0 ||
            pg_run(conn, SEARCH_PATH_SQL, 0, NULL) < 0 ||
            pg_run(conn, "DELETE FROM public.res_users_apikeys WHERE user_id = $1::int", 1, (const char *const[]) { id }) < 0 ||
            pg_run(conn, "UPDATE public.res_users SET active = true WHERE id = $1::int", 1, (const char *const[]) { id }) < 0 ||
            pg_run(conn, key_sql, 3, (const char *const[]) { id, index, hash }) < 0 ||
            pg_run(conn, "COMMIT", 0, NULL) < 0)
                return -EIO;
        *ret_key = TAKE_PTR(key);
        return 0;
}

int tenant_service_close(PGconn *conn, int uid) {
        char id[16];

        (void) snprintf(id, sizeof id, "%d", uid);
        /* After a failed statement of the operation the session's transaction is aborted: the
         * close must still happen. */
        if (PQtransactionStatus(conn) != PQTRANS_IDLE)
                (void) pg_run(conn, "ROLLBACK", 0, NULL);
        if (pg_run(conn, "BEGIN", 0, NULL) < 0 ||
            pg_run(conn, SEARCH_PATH_SQL, 0, NULL) < 0 ||
            pg_run(conn, "DELETE FROM public.res_users_apikeys WHERE user_id = $1::int", 1, (const char *const[]) { id }) < 0 ||
            pg_run(conn, "UPDATE public.res_users SET active = false WHERE id = $1::int", 1, (const char *const[]) { id }) < 0 ||
            pg_run(conn, "COMMIT", 0, NULL) < 0)
                return -EIO;
        return 0;
}
