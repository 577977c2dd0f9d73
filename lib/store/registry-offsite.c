/* SPDX-License-Identifier: MIT */
/*
 * registry-offsite.c: owns the SQL on the registry's offsite_objects table (registry-offsite.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-offsite.h"

void registry_offsite_pending_list_done(RegistryOffsitePendingList *l) {
        free(l->entries);
        if (l->res)
                PQclear(l->res);
        *l = (RegistryOffsitePendingList) {};
}

int registry_offsite_pending(PGconn *conn, const char *db_name, const char *path, RegistryOffsitePendingList *ret) {
        static const char sql[] =
                "SELECT b.id, b.db_name, b.path, b.sha256, b.size_bytes,"
                "       b.filestore_path, b.filestore_sha256, b.filestore_size_bytes, d.key IS NOT NULL, f.key IS NOT NULL"
                "  FROM public.backups b"
                "  LEFT JOIN public.offsite_objects d ON d.backup_id = b.id AND d.role = 'dump'"
                "  LEFT JOIN public.offsite_objects f ON f.backup_id = b.id AND f.role = 'filestore'"
                " WHERE (d.key IS NULL OR (b.filestore_path IS NOT NULL AND f.key IS NULL))"
                "   AND ($1::text IS NULL OR b.db_name = $1) AND ($2::text IS NULL OR b.path = $2)"
                "   AND b.sha256 IS NOT NULL"
                " ORDER BY b.created_at, b.id";
        PGresult *res;

        *ret = (RegistryOffsitePendingList) {};
        res = pg_exec(conn, NULL, sql, 2, (const char *const[]) { db_name, path });
        if (!res)
                return -EIO;
        ret->res = res;
        ret->n = (size_t) PQntuples(res);
        ret->entries = calloc(ret->n + 1, sizeof *ret->entries);
        if (!ret->entries) {
                registry_offsite_pending_list_done(ret);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ret->n; i++) {
                int row = (int) i;
                bool fs = !PQgetisnull(res, row, 5);

                ret->entries[i] = (RegistryOffsitePending) {
                        .id = strtoll(PQgetvalue(res, row, 0), NULL, 10),
                        .db_name = PQgetvalue(res, row, 1),
                        .path = PQgetvalue(res, row, 2),
                        .sha256 = PQgetvalue(res, row, 3),
                        .size_bytes = strtoll(PQgetvalue(res, row, 4), NULL, 10),
                        .filestore_path = fs ? PQgetvalue(res, row, 5) : NULL,
                        .filestore_sha256 = fs ? PQgetvalue(res, row, 6) : NULL,
                        .filestore_size_bytes = fs ? strtoll(PQgetvalue(res, row, 7), NULL, 10) : 0,
                        .dump_uploaded = streq(PQgetvalue(res, row, 8), "t"),
                        .filestore_uploaded = streq(PQgetvalue(res, row, 9), "t"),
                };
        }
        return 0;
}

int registry_offsite_record(PGconn *conn, const char *key, const char *backup_path, const char *role,
                            int64_t size_bytes, const char *sha256) {
        static const char sql[] =
                "INSERT INTO public.offsite_objects (key, db_name, backup_id, role, size_bytes, sha256)"
                "     SELECT $1, b.db_name, b.id, $3, $4::bigint, $5 FROM public.backups b"
                "      WHERE b.path = $2 ORDER BY b.id DESC LIMIT 1"
                " ON CONFLICT (key) DO UPDATE SET db_name = EXCLUDED.db_name, backup_id = EXCLUDED.backup_id,"
                "       role = EXCLUDED.role, size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256,"
                "       uploaded_at = pg_catalog.now()";
        _cleanup_pgresult_ PGresult *res = NULL;
        char size[32];

        (void) snprintf(size, sizeof size, "%" PRId64, size_bytes);
        res = pg_exec(conn, NULL, sql, 5, (const char *const[]) { key, backup_path, role, size, sha256 });
        if (!res)
                return -EIO;
        return streq(PQcmdTuples(res), "0") ? -ENOENT : 0;
}

int registry_offsite_gone(PGconn *conn, char ***ret, size_t *ret_n) {
        static const char sql[] = "SELECT key FROM public.offsite_objects WHERE backup_id IS NULL ORDER BY key";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 0, NULL);
        _cleanup_strv_free_ char **keys = NULL;
        size_t n;

        if (!res)
                return -EIO;
        n = (size_t) PQntuples(res);
        keys = calloc(n + 1, sizeof *keys);
        if (!keys)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(keys[i] = strdup(PQgetvalue(res, (int) i, 0))))
                        return -ENOMEM;
        *ret = TAKE_PTR(keys);
        *ret_n = n;
        return 0;
}

int registry_offsite_forget(PGconn *conn, const char *key) {
        static const char sql[] = "DELETE FROM public.offsite_objects WHERE key = $1";

        return pg_run(conn, sql, 1, (const char *const[]) { key });
}

int registry_offsite_keys(PGconn *conn, const char *path, char **ret_dump, char **ret_filestore) {
        static const char sql[] =
                "SELECT o.role, o.key FROM public.offsite_objects o JOIN public.backups b ON b.id = o.backup_id"
                " WHERE b.path = $1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { path });

        *ret_dump = *ret_filestore = NULL;
        if (!res)
                return -EIO;
        for (int i = 0; i < PQntuples(res); i++) {
                char **field = streq(PQgetvalue(res, i, 0), "dump") ? ret_dump : ret_filestore;

                free(*field);
                *field = strdup(PQgetvalue(res, i, 1));
                if (!*field) {
                        free(*ret_dump);
                        free(*ret_filestore);
                        *ret_dump = *ret_filestore = NULL;
                        return -ENOMEM;
                }
        }
        return 0;
}
