/* SPDX-License-Identifier: MIT */
/*
 * tenant-apps.c: owns reading a tenant's Odoo apps (tenant-apps.h): installed or not, and their
 * root menus.
 */
#include <stdlib.h>

#include "macro.h"
#include "pg.h"
#include "result.h"
#include "tenant-apps.h"

/* The app's root menus: ir.ui.menu records without a parent that XML ids of the module name, or
 * of a module it depends on that is no application of its own and whose name its own extends
 * (Odoo's "Sales" menu is sale's, the app is sale_management; base's Settings and mail's Discuss
 * are never an app's). A NULL active is shown, as Odoo's active field reads it. */
#define ROOT_MENUS_SQL                                                                             \
        "SELECT DISTINCT m.id, m.active IS NOT FALSE AS shown FROM public.ir_ui_menu m"            \
        "  JOIN public.ir_model_data d ON d.res_id = m.id AND d.model = 'ir.ui.menu'"              \
        " WHERE m.parent_id IS NULL AND (d.module = $1 OR d.module IN ("                           \
        "       SELECT dep.name FROM public.ir_module_module_dependency dep"                      \
        "         JOIN public.ir_module_module a ON a.id = dep.module_id"                          \
        "         JOIN public.ir_module_module b ON b.name = dep.name"                             \
        "        WHERE a.name = $1 AND b.application IS NOT TRUE"                                 \
        "          AND pg_catalog.starts_with($1, dep.name || '_')))"

static int begin(PGconn *conn) {
        if (pg_run(conn, "BEGIN READ ONLY", 0, NULL) < 0 ||
            /* search_path again: a customer's trigger fired by an earlier write of this session
             * (tenant-service.c) may have changed what tenant-db.c checked at connect. */
            pg_run(conn, "SELECT pg_catalog.set_config('row_security', 'off', true),"
                         "       pg_catalog.set_config('search_path', 'pg_catalog', true)", 0, NULL) < 0)
                return -EIO;
        return 0;
}

static int commit(PGconn *conn, int r) {
        if (r == -EIO)
                return r;   /* aborted: the message stays on conn, the session is closed unused */
        if (pg_run(conn, "COMMIT", 0, NULL) < 0)
                return -EIO;
        return r;
}

int tenant_apps_read(PGconn *conn, const char *app, TenantApp *ret) {
        static const char sql[] =
                "SELECT EXISTS (SELECT 1 FROM public.ir_module_module WHERE name = $1 AND state = 'installed'),"
                "       (SELECT count(*) FROM (" ROOT_MENUS_SQL ") x),"
                "       (SELECT count(*) FROM (" ROOT_MENUS_SQL ") x WHERE x.shown)";
        _cleanup_pgresult_ PGresult *res = NULL;
        int r;

        *ret = (TenantApp) {};
        r = begin(conn);
        if (r < 0)
                return r;
        res = pg_exec(conn, NULL, sql, 1, (const char *const[]) { app });
        if (!res)
                return -EIO;
        *ret = (TenantApp) {
                .installed = streq(PQgetvalue(res, 0, 0), "t"),
                .menus = atoi(PQgetvalue(res, 0, 1)),
                .menus_shown = atoi(PQgetvalue(res, 0, 2)),
        };
        return commit(conn, 0);
}

int tenant_apps_root_menus(PGconn *conn, const char *app, bool show, json_t **ret) {
        static const char sql[] =
                "SELECT x.id FROM (" ROOT_MENUS_SQL ") x WHERE x.shown = $2::bool ORDER BY x.id";
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_json_ json_t *ids = json_array();
        int r;

        if (!ids)
                return -ENOMEM;
        r = begin(conn);
        if (r < 0)
                return r;
        /* The ones to show are those not shown now, and the other way round. */
        res = pg_exec(conn, NULL, sql, 2, (const char *const[]) { app, show ? "f" : "t" });
        if (!res)
                return -EIO;
        for (int i = 0; i < PQntuples(res); i++)
                if (json_array_append_new(ids, json_integer(atoi(PQgetvalue(res, i, 0)))) < 0)
                        return commit(conn, -ENOMEM);
        r = commit(conn, 0);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ids);
        return 0;
}
