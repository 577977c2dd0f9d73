/* SPDX-License-Identifier: MIT */
/*
 * registry-backup.c: owns the SQL on the registry's backups table (registry-backup.h): recording
 * and adopting backups, what restore, status and retention read of them, and forgetting them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-backup.h"

/* The parameters both inserts share: $1 db_name, $2 path, $3 size, $4 sha256, $6..$8 the
 * filestore tar (NULL without one); $5 is each insert's own. */
typedef struct BackupParams {
        char size[32], filestore_size[32];
        const char *values[8];
} BackupParams;

static void backup_params(const RegistryBackup *b, BackupParams *p) {
        (void) snprintf(p->size, sizeof p->size, "%" PRId64, b->size_bytes);
        (void) snprintf(p->filestore_size, sizeof p->filestore_size, "%" PRId64, b->filestore_size_bytes);
        p->values[0] = b->db_name;
        p->values[1] = b->path;
        p->values[2] = p->size;
        p->values[3] = b->sha256;
        p->values[4] = NULL;
        p->values[5] = b->filestore_path;
        p->values[6] = b->filestore_path ? b->filestore_sha256 : NULL;
        p->values[7] = b->filestore_path ? p->filestore_size : NULL;
}

int registry_backup_record(PGconn *conn, const RegistryBackup *b) {
        static const char sql[] =
                "INSERT INTO public.backups (db_name, path, size_bytes, sha256, kind, filestore_path, filestore_sha256, filestore_size_bytes)"
                "     VALUES ($1, $2, $3::bigint, $4, $5, $6, $7, $8::bigint)";
        BackupParams p;

        backup_params(b, &p);
        p.values[4] = b->kind;
        return pg_run(conn, sql, 8, p.values);
}

int registry_backup_adopt(PGconn *conn, const RegistryBackup *b) {
        static const char sql[] =
                "INSERT INTO public.backups (db_name, path, size_bytes, sha256, kind, created_at,"
                "                            filestore_path, filestore_sha256, filestore_size_bytes)"
                "     VALUES ($1, $2, $3::bigint, $4, 'recovered', to_timestamp($5::bigint), $6, $7, $8::bigint)";
        char created[32];
        BackupParams p;

        backup_params(b, &p);
        (void) snprintf(created, sizeof created, "%lld", (long long) b->created_at);
        p.values[4] = created;
        return pg_run(conn, sql, 8, p.values);
}

int registry_backup_known(PGconn *conn, const char *path) {
        static const char sql[] = "SELECT 1 FROM public.backups WHERE path = $1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { path });

        if (!res)
                return -EIO;
        return PQntuples(res) > 0;
}

/* One of PostgreSQL's advisory lock functions on (PG_LOCK_CLASS_BACKUP, hashtext(path)): 1 when
 * it answered true (or nothing: the waiting ones), 0 false. */
static int backup_lock(PGconn *conn, const char *function, const char *path) {
        _cleanup_free_ char *sql = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;
        char class[16];

        (void) snprintf(class, sizeof class, "%d", PG_LOCK_CLASS_BACKUP);
        if (asprintf(&sql, "SELECT pg_catalog.%s($1::int4, pg_catalog.hashtext($2))::text", function) < 0)
                return -ENOMEM;
        res = pg_exec(conn, NULL, sql, 2, (const char *const[]) { class, path });
        if (!res)
                return -EIO;
        return PQntuples(res) == 1 && streq(PQgetvalue(res, 0, 0), "false") ? 0 : 1;
}

int registry_backup_hold(PGconn *conn, const char *path) {
        int r = backup_lock(conn, "pg_advisory_lock_shared", path);
        return r < 0 ? r : 0;
}

int registry_backup_release(PGconn *conn, const char *path) {
        int r = backup_lock(conn, "pg_advisory_unlock_shared", path);
        return r < 0 ? r : r == 1 ? 0 : -ENOLCK;
}

int registry_backup_claim(PGconn *conn, const char *path) {
        return backup_lock(conn, "pg_try_advisory_lock", path);
}

int registry_backup_unclaim(PGconn *conn, const char *path) {
        int r = backup_lock(conn, "pg_advisory_unlock", path);
        return r < 0 ? r : r == 1 ? 0 : -ENOLCK;
}

void registry_backup_sums_done(RegistryBackupSums *s) {
        free(s->sha256);
        free(s->filestore_path);
        free(s->filestore_sha256);
        *s = (RegistryBackupSums) {};
}

/* A column of the first row, malloc'd into *ret; NULL for SQL NULL. */
static int column_dup(PGresult *res, int col, char **ret) {
        if (PQgetisnull(res, 0, col))
                return 0;
        *ret = strdup(PQgetvalue(res, 0, col));
        return *ret ? 0 : -ENOMEM;
}

int registry_backup_sums(PGconn *conn, const char *path, RegistryBackupSums *ret) {
        static const char sql[] =
                "SELECT sha256, filestore_path, filestore_sha256 FROM public.backups WHERE path = $1 ORDER BY id DESC LIMIT 1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { path });

        *ret = (RegistryBackupSums) {};
        if (!res)
                return -EIO;
        if (PQntuples(res) != 1)
                return 0;
        if (column_dup(res, 0, &ret->sha256) < 0 ||
            column_dup(res, 1, &ret->filestore_path) < 0 ||
            column_dup(res, 2, &ret->filestore_sha256) < 0) {
                registry_backup_sums_done(ret);
                return -ENOMEM;
        }
        return 0;
}

int registry_backup_last(PGconn *conn, const char *db_name, json_t **ret) {
        static const char sql[] =
                "SELECT path, size_bytes,"
                "       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                "  FROM public.backups WHERE db_name = $1 ORDER BY created_at DESC, id DESC LIMIT 1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        if (!res)
                return -EIO;
        if (PQntuples(res) == 0)
                *ret = json_null();
        else
                *ret = json_pack("{s:s, s:s, s:o}",
                                 "path", PQgetvalue(res, 0, 0),
                                 "created_at", PQgetvalue(res, 0, 2),
                                 "size_bytes", PQgetisnull(res, 0, 1) ? json_null() :
                                               json_integer(strtoll(PQgetvalue(res, 0, 1), NULL, 10)));
        return *ret ? 0 : -ENOMEM;
}

void registry_backup_list_done(RegistryBackupList *l) {
        free(l->entries);
        PQclear(l->res);
        *l = (RegistryBackupList) {};
}

int registry_backup_list(PGconn *conn, RegistryBackupList *ret) {
        static const char sql[] =
                "SELECT b.id, b.db_name, b.path, extract(epoch FROM b.created_at)::bigint,"
                "       coalesce(t.state = 'terminated', false), coalesce(extract(epoch FROM t.terminated_at)::bigint, 0),"
                "       extract(epoch FROM now())::bigint,"
                "       to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), b.filestore_path, b.kind"
                "  FROM public.backups b LEFT JOIN public.tenants t ON t.db_name = b.db_name"
                " ORDER BY b.db_name, b.created_at, b.id";
        PGresult *res;

        *ret = (RegistryBackupList) {};
        res = pg_exec(conn, NULL, sql, 0, NULL);
        if (!res)
                return -EIO;
        ret->res = res;
        ret->n = (size_t) PQntuples(res);
        ret->entries = calloc(ret->n + 1, sizeof *ret->entries);
        if (!ret->entries) {
                registry_backup_list_done(ret);
                return -ENOMEM;
        }
        for (size_t i = 0; i < ret->n; i++) {
                int row = (int) i;

                ret->entries[i] = (RegistryBackupEntry) {
                        .id = strtoll(PQgetvalue(res, row, 0), NULL, 10),
                        .db_name = PQgetvalue(res, row, 1),
                        .path = PQgetvalue(res, row, 2),
                        .created_at = (time_t) strtoll(PQgetvalue(res, row, 3), NULL, 10),
                        .tenant_terminated = streq(PQgetvalue(res, row, 4), "t"),
                        .terminated_at = (time_t) strtoll(PQgetvalue(res, row, 5), NULL, 10),
                        .created_at_text = PQgetvalue(res, row, 7),
                        .filestore_path = PQgetisnull(res, row, 8) ? NULL : PQgetvalue(res, row, 8),
                        .kind = PQgetisnull(res, row, 9) ? NULL : PQgetvalue(res, row, 9),
                };
        }
        if (ret->n > 0)
                ret->now = (time_t) strtoll(PQgetvalue(res, 0, 6), NULL, 10);
        return 0;
}

int registry_backup_forget(PGconn *conn, int64_t id) {
        static const char sql[] = "DELETE FROM public.backups WHERE id = $1::bigint";
        char text[32];

        (void) snprintf(text, sizeof text, "%" PRId64, id);
        return pg_run(conn, sql, 1, (const char *const[]) { text });
}
