/* SPDX-License-Identifier: MIT */
/*
 * registry-operation.c: owns the SQL on the registry's operations table (registry-operation.h):
 * opening and closing an action's journal row, its notes, and finding and closing the rows an
 * interrupted action left.
 */
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "registry-operation.h"

int registry_operation_begin(PGconn *conn, const char *db_name, const char *action, char **ret_id) {
        static const char sql[] =
                "INSERT INTO public.operations (db_name, action, request_id) VALUES ($1, $2, $3) RETURNING id";
        const char *params[3] = { db_name, action, getenv("VUMAERP_REQUEST_ID") };
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 3, params);

        if (!res)
                return -EIO;
        *ret_id = strdup(PQgetvalue(res, 0, 0));
        return *ret_id ? 0 : -ENOMEM;
}

int registry_operation_end(PGconn *conn, const char *id, int status, json_t *result) {
        static const char sql[] =
                "UPDATE public.operations SET finished_at = now(), outcome = $2 WHERE id = $1::bigint";
        const char *code = json_string_value(json_object_get(result, "code"));

        return pg_run(conn, sql, 2, (const char *const[]) { id, status == EXIT_OK ? "ok" : (code ? code : "failed") });
}

int registry_operation_note(PGconn *conn, const char *id, const char *json_object_text) {
        static const char sql[] =
                "UPDATE public.operations SET detail = coalesce(detail, '{}'::jsonb) || $2::jsonb WHERE id = $1::bigint";

        return pg_run(conn, sql, 2, (const char *const[]) { id, json_object_text });
}

int registry_operation_unnote(PGconn *conn, const char *id, const char *key) {
        static const char sql[] = "UPDATE public.operations SET detail = detail - $2 WHERE id = $1::bigint";

        return pg_run(conn, sql, 2, (const char *const[]) { id, key });
}

void registry_interrupted_list_done(RegistryInterruptedList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].id);
                free(l->items[i].was);
        }
        free(l->items);
        *l = (RegistryInterruptedList) {};
}

int registry_operation_find_interrupted(PGconn *conn, const char *db_name, RegistryInterruptedList *ret) {
        static const char sql[] =
                /* "was" since access states; older notes said allow/limit. */
                "SELECT o.id, coalesce(o.detail->'backup_window'->>'was',"
                "                      CASE WHEN (o.detail->'backup_window'->>'allow')::bool THEN 'open' ELSE 'held' END),"
                /* The very database the operation worked on, not a later one of the same name. */
                "       EXISTS (SELECT 1 FROM pg_catalog.pg_database d WHERE d.datname = o.db_name"
                "                  AND d.oid::text = coalesce(o.detail->'backup_window'->>'oid', o.detail->>'drop_on_interrupt')),"
                "       o.detail ? 'drop_on_interrupt', o.detail->'backup_window' IS NOT NULL"
                "       AND pg_catalog.jsonb_typeof(o.detail->'backup_window') = 'object'"
                "  FROM public.operations o"
                " WHERE o.db_name = $1 AND o.finished_at IS NULL"
                "   AND (o.detail ? 'backup_window' OR o.detail ? 'drop_on_interrupt')";
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { db_name });
        int n;

        *ret = (RegistryInterruptedList) {};
        if (!res)
                return -EIO;
        n = PQntuples(res);
        if (n == 0)
                return 0;
        ret->items = calloc((size_t) n, sizeof *ret->items);
        if (!ret->items)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                RegistryInterrupted *o = &ret->items[ret->n++];

                *o = (RegistryInterrupted) {
                        .id = strdup(PQgetvalue(res, i, 0)),
                        .was = strdup(PQgetvalue(res, i, 1)),
                        .same_db = streq(PQgetvalue(res, i, 2), "t"),
                        .half_made = streq(PQgetvalue(res, i, 3), "t"),
                        .window = streq(PQgetvalue(res, i, 4), "t"),
                };
                if (!o->id || !o->was) {
                        registry_interrupted_list_done(ret);
                        return -ENOMEM;
                }
        }
        return 0;
}

int registry_operation_close_interrupted(PGconn *conn, const char *id) {
        static const char sql[] =
                "UPDATE public.operations SET finished_at = now(), outcome = 'interrupted',"
                "       detail = detail - 'backup_window' - 'drop_on_interrupt'"
                "                || jsonb_build_object('repaired', detail->'backup_window', 'dropped', detail ? 'drop_on_interrupt')"
                " WHERE id = $1::bigint";

        return pg_run(conn, sql, 1, (const char *const[]) { id });
}
