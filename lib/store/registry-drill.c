/* SPDX-License-Identifier: MIT */
/*
 * registry-drill.c: owns the SQL on the registry's drills table (registry-drill.h): which
 * tenant's backup is drilled next, recording a drill, and what status reads of them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-drill.h"

void registry_drill_target_done(RegistryDrillTarget *t) {
        free(t->db_name);
        free(t->path);
        *t = (RegistryDrillTarget) {};
}

int registry_drill_next(PGconn *conn, const char *db_name, RegistryDrillTarget *ret) {
        static const char sql[] =
                "WITH newest AS ("
                "  SELECT DISTINCT ON (b.db_name) b.db_name, b.path, b.created_at"
                "    FROM public.backups b LEFT JOIN public.tenants t ON t.db_name = b.db_name"
                "   WHERE ($1::text IS NULL AND coalesce(t.state, 'active') <> 'terminated') OR b.db_name = $1::text"
                "   ORDER BY b.db_name, b.created_at DESC, b.id DESC"
                ")"
                "SELECT n.db_name, n.path, extract(epoch FROM n.created_at)::bigint"
                "  FROM newest n"
                "  LEFT JOIN (SELECT d.db_name, max(d.started_at) AS last FROM public.drills d GROUP BY d.db_name) l"
                "    ON l.db_name = n.db_name"
                " ORDER BY l.last NULLS FIRST, n.db_name COLLATE \"C\""
                " LIMIT 1";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        *ret = (RegistryDrillTarget) {};
        if (!res)
                return -EIO;
        if (PQntuples(res) == 0)
                return 0;
        ret->db_name = strdup(PQgetvalue(res, 0, 0));
        ret->path = strdup(PQgetvalue(res, 0, 1));
        ret->created_at = (time_t) strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        if (!ret->db_name || !ret->path) {
                registry_drill_target_done(ret);
                return -ENOMEM;
        }
        return 1;
}

int registry_drill_record(PGconn *conn, const RegistryDrillTarget *t, time_t started_at, bool ok,
                          const char *error, json_t *detail) {
        static const char sql[] =
                "INSERT INTO public.drills (db_name, backup_path, backup_created_at, started_at, ok, error, detail)"
                "     VALUES ($1, $2, to_timestamp($3::bigint), to_timestamp($4::bigint), $5::boolean, $6, $7::jsonb)";
        _cleanup_free_ char *detail_text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
        char created[32], started[32];

        if (detail && !detail_text)
                return -ENOMEM;
        (void) snprintf(created, sizeof created, "%lld", (long long) t->created_at);
        (void) snprintf(started, sizeof started, "%lld", (long long) started_at);
        return pg_run(conn, sql, 7, (const char *const[]) {
                t->db_name, t->path, created, started, ok ? "true" : "false", error, detail_text });
}

int registry_drill_status(PGconn *conn, const char *db_name, json_t *obj) {
        static const char sql[] =
                "SELECT k, to_char(d.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), d.ok, d.error,"
                "       d.backup_path, to_char(d.backup_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                "  FROM (VALUES ('last_drill', false), ('last_good_drill', true)) AS w (k, good_only)"
                "  CROSS JOIN LATERAL (SELECT * FROM public.drills x"
                "                       WHERE x.db_name = $1 AND (x.ok OR NOT w.good_only)"
                "                       ORDER BY x.finished_at DESC, x.id DESC LIMIT 1) d";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });

        if (!res)
                return -EIO;
        if (json_object_set_new(obj, "last_drill", json_null()) < 0 ||
            json_object_set_new(obj, "last_good_drill", json_null()) < 0)
                return -ENOMEM;
        for (int i = 0; i < PQntuples(res); i++) {
                json_t *d = json_pack("{s:s,s:b,s:s?,s:s,s:s?}",
                                      "drilled_at", PQgetvalue(res, i, 1),
                                      "ok", streq(PQgetvalue(res, i, 2), "t"),
                                      "error", PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3),
                                      "backup", PQgetvalue(res, i, 4),
                                      "backup_created_at", PQgetisnull(res, i, 5) ? NULL : PQgetvalue(res, i, 5));

                if (!d || json_object_set_new(obj, PQgetvalue(res, i, 0), d) < 0)
                        return -ENOMEM;
        }
        return 0;
}
