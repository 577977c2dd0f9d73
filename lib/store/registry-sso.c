/* SPDX-License-Identifier: MIT */
/*
 * registry-sso.c: owns the SQL on the registry's sso_tokens table (registry-sso.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-sso.h"

void registry_sso_done(RegistrySso *t) {
        free(t->db_name);
        free(t->provider_id);
        free(t->login);
        free(t->oauth_uid);
        *t = (RegistrySso) {};
}

int registry_sso_add(PGconn *conn, const char *hash_hex, const char *kind, const RegistrySso *t,
                     int lifetime_sec, char **ret_expires_at) {
        static const char sql[] =
                "INSERT INTO public.sso_tokens (token_hash, kind, db_name, provider_id, login, oauth_uid, expires_at)"
                " VALUES ($1::bytea, $2, $3, $4::int4, $5, $6, now() + pg_catalog.make_interval(secs => $7::int4))"
                " RETURNING to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
        char lifetime[16];
        _cleanup_pgresult_ PGresult *res = NULL;

        (void) snprintf(lifetime, sizeof lifetime, "%d", lifetime_sec);
        res = pg_exec(conn, NULL, sql, 7, (const char *const[]) {
                hash_hex, kind, t->db_name, t->provider_id, t->login, t->oauth_uid, lifetime });
        if (!res)
                return -EIO;
        *ret_expires_at = strdup(PQgetvalue(res, 0, 0));
        return *ret_expires_at ? 0 : -ENOMEM;
}

int registry_sso_use(PGconn *conn, const char *hash_hex, const char *kind, const char *db_name, RegistrySso *ret) {
        /* One statement: two uses of the same token at once cannot both see it unused. */
        static const char sql[] =
                "UPDATE public.sso_tokens SET used_at = now()"
                " WHERE token_hash = $1::bytea AND kind = $2 AND ($3::text IS NULL OR db_name = $3::text)"
                "   AND used_at IS NULL AND expires_at > now()"
                " RETURNING db_name, provider_id::text, login, oauth_uid";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 3, (const char *const[]) { hash_hex, kind, db_name });
        RegistrySso t = {};

        if (!res)
                return -EIO;
        if (PQntuples(res) != 1)
                return -ENOENT;
        t.db_name = strdup(PQgetvalue(res, 0, 0));
        t.provider_id = strdup(PQgetvalue(res, 0, 1));
        t.login = strdup(PQgetvalue(res, 0, 2));
        t.oauth_uid = strdup(PQgetvalue(res, 0, 3));
        if (!t.db_name || !t.provider_id || !t.login || !t.oauth_uid) {
                registry_sso_done(&t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

int registry_sso_revoke(PGconn *conn, const char *db_name) {
        return pg_run(conn, "UPDATE public.sso_tokens SET used_at = now()"
                      " WHERE db_name = $1 AND kind = 'link' AND used_at IS NULL",
                      1, (const char *const[]) { db_name });
}

int registry_sso_sweep(PGconn *conn) {
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, "DELETE FROM public.sso_tokens WHERE expires_at <= now()", 0, NULL);

        if (!res)
                return -EIO;
        return atoi(PQcmdTuples(res));
}
