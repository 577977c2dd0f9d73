/* SPDX-License-Identifier: MIT */
/*
 * tenant-apps.h: what a tenant's database says of Odoo apps (issue 14): whether a module is
 * installed, and its root menus (the ir.ui.menu records without a parent that the module's XML
 * ids name in ir_model_data, or those of the module it extends, tenant-apps.c: the app's entries
 * on Odoo's home screen) and whether they are shown.
 * Read only, as Odoo's role (tenant-db.h), with row_security off so that a policy fails a read
 * rather than shortens it; the customer may have changed any of it, so what is read is only ever
 * handed back to Odoo's own ORM (plan-apps.h), never trusted further.
 *
 * Functions return 0 or a negative errno: -EIO on a failed statement (the message on conn), -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

typedef struct TenantApp {
        bool installed;      /* ir_module_module.state = 'installed' */
        int menus;           /* its root menus */
        int menus_shown;     /* of which active */
} TenantApp;

/* The state of the module named app. */
int tenant_apps_read(PGconn *conn, const char *app, TenantApp *ret);

/* The ids of app's root menus whose active is not shown (show true: the hidden ones; false: the
 * shown ones), as a new JSON array of integers in *ret. */
int tenant_apps_root_menus(PGconn *conn, const char *app, bool show, json_t **ret);
