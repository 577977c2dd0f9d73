/* SPDX-License-Identifier: MIT */
/*
 * tenant-cap.c: owns the user cap inside a tenant (tenant-cap.h): the count of internal users that
 * vumaerp trusts, and the guard trigger it installs as Odoo's role.
 */
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "tenant-cap.h"

char *tenant_cap_message(int max_users) {
        char *s;

        if (asprintf(&s, "Your plan allows %d user%s; ask your provider for more.", max_users,
                     max_users == 1 ? "" : "s") < 0)
                return NULL;
        return s;
}

/* The trigger sees the row before it is written. It lets through what does not become an internal
 * user, and what already was one; Odoo computes share after inserting a user and writes it with
 * an UPDATE, so a new row without share yet is checked on that UPDATE. The count leaves the row
 * itself out. Two transactions adding a user at the same moment can both pass: a courtesy, the
 * outside count says so. Only our constants are formatted in (the cap, the sentence, which has no
 * quote). */
char *tenant_cap_guard_body(int max_users, int service_uid) {
        _cleanup_free_ char *msg = tenant_cap_message(max_users);
        char *s;

        if (!msg)
                return NULL;
        if (asprintf(&s,
                     "\nDECLARE n bigint;\n"
                     "BEGIN\n"
                     "  IF NEW.active IS NOT TRUE OR NEW.share IS TRUE OR NEW.id = 1 OR NEW.id = %d THEN RETURN NEW; END IF;\n"
                     "  IF TG_OP = 'INSERT' AND NEW.share IS NULL THEN RETURN NEW; END IF;\n"
                     "  IF TG_OP = 'UPDATE' AND OLD.active IS TRUE AND OLD.share IS FALSE THEN RETURN NEW; END IF;\n"
                     "  SELECT count(*) INTO n FROM public.res_users u\n"
                     "   WHERE u.active AND u.share IS NOT TRUE AND u.id <> 1 AND u.id <> %d AND u.id <> NEW.id;\n"
                     "  IF n >= %d THEN\n"
                     "    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = '%s';\n"
                     "  END IF;\n"
                     "  RETURN NEW;\n"
                     "END\n",
                     service_uid, service_uid, max_users, msg) < 0)
                return NULL;
        return s;
}

/* row_security off: a policy on res_users fails the count instead of shortening it. vumaerp's
 * service user ($1) is left out only while nobody can sign in as it: no password and no API key
 * (vumaerp's one-shot keys live only during a plan change, tenant-service.h). Switched on by the
 * customer with a password or a key of their own, it is a user like any other. */
static const char count_sql[] =
        "SELECT count(*) FROM public.res_users u WHERE u.active AND u.share IS NOT TRUE AND u.id <> 1"
        "   AND NOT (u.id = $1::int AND coalesce(u.password, '') = ''"
        "            AND NOT EXISTS (SELECT 1 FROM public.res_users_apikeys k WHERE k.user_id = u.id))";

/* In a transaction: row_security off for it, and whether res_users is there. */
static int begin(PGconn *conn) {
        static const char sql[] =
                "SELECT pg_catalog.set_config('row_security', 'off', true),"
                /* tenant-db.c checked search_path at connect; a customer's trigger fired by an
                 * earlier write of this session may have changed it since, for the session. */
                "       pg_catalog.set_config('search_path', 'pg_catalog', true),"
                /* No "does not exist, skipping" notice from the DROP … IF EXISTS below. */
                "       pg_catalog.set_config('client_min_messages', 'warning', true),"
                "       pg_catalog.to_regclass('public.res_users') IS NOT NULL";
        _cleanup_pgresult_ PGresult *res = NULL;

        if (pg_run(conn, "BEGIN", 0, NULL) < 0)
                return -EIO;
        res = pg_exec(conn, NULL, sql, 0, NULL);
        if (!res)
                return -EIO;
        return streq(PQgetvalue(res, 0, 3), "t") ? 0 : -ENOENT;
}

static int count_users(PGconn *conn, int service_uid) {
        char uid[16];
        _cleanup_pgresult_ PGresult *res = NULL;

        (void) snprintf(uid, sizeof uid, "%d", service_uid);
        res = pg_exec(conn, NULL, count_sql, 1, (const char *const[]) { uid });

        if (!res)
                return -EIO;
        return atoi(PQgetvalue(res, 0, 0));
}

/* Ends the transaction with ROLLBACK and returns r, keeping the failed statement's message on
 * conn: the ROLLBACK would clear it, so it runs only when nothing failed (-ENOENT, -EUSERS); after
 * a failed statement the transaction is aborted anyway, and the connection is closed unused. */
static int abandon(PGconn *conn, int r) {
        if (r != -EIO)
                (void) pg_run(conn, "ROLLBACK", 0, NULL);
        return r;
}

int tenant_cap_count(PGconn *conn, int service_uid) {
        int r, n;

        r = begin(conn);
        if (r < 0)
                return abandon(conn, r);
        n = count_users(conn, service_uid);
        if (n < 0)
                return abandon(conn, n);
        r = pg_run(conn, "COMMIT", 0, NULL);
        return r < 0 ? r : n;
}

int tenant_cap_apply(PGconn *conn, int max_users, int service_uid, int *ret_users) {
        static const char drop_sql[] =
                "DROP TRIGGER IF EXISTS " TENANT_CAP_GUARD " ON public.res_users";
        static const char trigger_sql[] =
                "CREATE TRIGGER " TENANT_CAP_GUARD " BEFORE INSERT OR UPDATE OF active, share ON public.res_users"
                " FOR EACH ROW EXECUTE FUNCTION public." TENANT_CAP_GUARD "()";
        _cleanup_free_ char *body = NULL, *function_sql = NULL;
        int r, n;

        *ret_users = -1;
        if (max_users > 0) {
                body = tenant_cap_guard_body(max_users, service_uid);
                if (!body)
                        return -ENOMEM;
                /* Dollar quoting with a tag the body cannot contain: it holds only our text. */
                if (asprintf(&function_sql,
                             "CREATE FUNCTION public." TENANT_CAP_GUARD "() RETURNS trigger"
                             " LANGUAGE plpgsql SET search_path = pg_catalog AS $vumaerp_cap$%s$vumaerp_cap$",
                             body) < 0)
                        return -ENOMEM;
        }

        r = begin(conn);
        if (r < 0)
                return abandon(conn, r);
        /* No user is added between the count and the guard: Odoo's writes wait (10 s at most). */
        if (pg_run(conn, "SELECT pg_catalog.set_config('lock_timeout', '10s', true)", 0, NULL) < 0 ||
            pg_run(conn, "LOCK TABLE public.res_users IN SHARE ROW EXCLUSIVE MODE", 0, NULL) < 0)
                return -EIO;
        n = count_users(conn, service_uid);
        if (n < 0)
                return abandon(conn, n);
        *ret_users = n;
        if (max_users > 0 && n > max_users)
                return abandon(conn, -EUSERS);

        /* Whatever the customer left under these names goes first: a function of another return
         * type could not be replaced. */
        if (pg_run(conn, drop_sql, 0, NULL) < 0 ||
            pg_run(conn, "DROP FUNCTION IF EXISTS public." TENANT_CAP_GUARD "()", 0, NULL) < 0)
                return -EIO;
        if (max_users > 0 &&
            (pg_run(conn, function_sql, 0, NULL) < 0 || pg_run(conn, trigger_sql, 0, NULL) < 0))
                return -EIO;
        return pg_run(conn, "COMMIT", 0, NULL);
}

int tenant_cap_guard_intact(PGconn *conn, int max_users, int service_uid, bool *ret) {
        /* tgtype 7: ROW | BEFORE | INSERT; 16: UPDATE; the columns are active and share. */
        static const char sql[] =
                "SELECT p.prosrc, t.tgtype::int, t.tgenabled::text,"
                "       (SELECT pg_catalog.string_agg(a.attname::text, ',' ORDER BY a.attname)"
                "          FROM pg_catalog.pg_attribute a"
                "         WHERE a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr::int2[]))"
                "  FROM pg_catalog.pg_trigger t"
                "  JOIN pg_catalog.pg_proc p ON p.oid = t.tgfoid"
                "  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                " WHERE t.tgrelid = pg_catalog.to_regclass('public.res_users')"
                "   AND t.tgname = '" TENANT_CAP_GUARD "' AND p.proname = '" TENANT_CAP_GUARD "'"
                "   AND n.nspname = 'public' AND p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql')";
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *body = NULL;

        *ret = false;
        res = pg_exec(conn, NULL, sql, 0, NULL);
        if (!res)
                return -EIO;
        if (PQntuples(res) != 1 || max_users <= 0)
                return 0;
        body = tenant_cap_guard_body(max_users, service_uid);
        if (!body)
                return -ENOMEM;
        *ret = streq(PQgetvalue(res, 0, 0), body) && atoi(PQgetvalue(res, 0, 1)) == (1 | 2 | 4 | 16) &&
                !streq(PQgetvalue(res, 0, 2), "D") && streq(PQgetvalue(res, 0, 3), "active,share");
        return 0;
}
