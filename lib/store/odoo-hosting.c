/* SPDX-License-Identifier: MIT */
/*
 * odoo-hosting.c: owns the hosting policy applied inside Odoo databases (odoo-hosting.h).
 */
#include "odoo-hosting.h"
#include "pg.h"

int odoo_hosting_apply(PGconn *conn, bool update_notification) {
        /* One statement, so one transaction; the DO block because auth_oauth_provider exists
         * only where auth_oauth is installed. The only thing formatted in is "true" or "false". */
        static const char sql_format[] =
                "DO $$BEGIN"
                "  IF pg_catalog.to_regclass('public.auth_oauth_provider') IS NOT NULL THEN"
                "    UPDATE public.auth_oauth_provider p SET enabled = false, client_id = NULL"
                "      FROM public.ir_model_data m"
                "     WHERE m.module = 'auth_oauth' AND m.name = 'provider_openerp'"
                "       AND m.model = 'auth.oauth.provider' AND m.res_id = p.id;"
                "  END IF;"
                "  UPDATE public.ir_cron c SET active = %s"
                "    FROM public.ir_model_data m"
                "   WHERE m.module = 'mail' AND m.name = 'ir_cron_module_update_notification'"
                "     AND m.model = 'ir.cron' AND m.res_id = c.id;"
                "END$$";
        _cleanup_pgresult_ PGresult *res = NULL;
        _cleanup_free_ char *sql = NULL;

        if (asprintf(&sql, sql_format, update_notification ? "true" : "false") < 0)
                return -ENOMEM;
        res = pg_exec(conn, NULL, sql, 0, NULL);
        return res ? 0 : -EIO;
}
