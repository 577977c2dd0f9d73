/* SPDX-License-Identifier: MIT */
/*
 * plan-apps.h: a plan's apps in a tenant (issue 14). When a tenant's plan changes, the apps the new
 * plan names that are not installed are installed THROUGH the tenant's running Odoo (JSON-RPC
 * object.execute_kw: ir.module.module search, then button_immediate_install — Odoo's own install,
 * its data, its registry reload), and the apps the old plan named that the new one does not are
 * hidden: their root menus archived (ir.ui.menu write {"active": false}), never uninstalled (an
 * uninstall deletes the app's data: a downgrade must keep the customer's invoices for an upgrade
 * back). An app of the new plan whose root menus are hidden is shown again the same way.
 *
 * Hiding goes through Odoo's ORM too, not SQL: Odoo keeps the visible menus in a per-registry
 * ormcache (ir.ui.menu._visible_menu_ids), and ir.ui.menu.write() clears the registry's caches in
 * every worker (its cache signal), so the menu leaves every user's home screen at the next
 * request. An SQL UPDATE would need the cache signal of odoo-signal.h as well, and would skip
 * what Odoo's write does besides (write_date, its own checks): the ORM is the one way it stays
 * Odoo's.
 *
 * Every call is made as vumaerp's service user in the tenant with a one-shot API key
 * (tenant-service.h), opened just before the first call and closed right after the last.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "session.h"

/* What a plan change does to a tenant's apps: JSON arrays of module names. */
typedef struct PlanApps {
        json_t *install;     /* the new plan's, not installed */
        json_t *show;        /* the new plan's, installed, a root menu hidden */
        json_t *hide;        /* only the old plan's, installed, a root menu shown */
        int service_uid;     /* the service user, when anything is to be done */
} PlanApps;

void plan_apps_done(PlanApps *a);

/* Works out what going from plan from (NULL: none, or no longer in plans.yaml) to plan to does to
 * the tenant's apps, and, when it does anything, makes sure the service user is there: made and
 * recorded in the registry when service_uid is 0, else checked (409 service_user_tampered when the
 * customer changed or deleted it: nothing is changed). EXIT_OK, or the failure in *ret. */
int plan_apps_prepare(TenantSession *s, PGconn *tenant, const Plan *from, const Plan *to, int service_uid,
                      PlanApps *ret_apps, json_t **ret);

/* Does it through the tenant's Odoo. EXIT_OK with *ret_done {"installed": [...], "hidden": [...],
 * "shown": [...]} (what was done; empty arrays when nothing), or the failure in *ret. */
int plan_apps_run(TenantSession *s, PGconn *tenant, const PlanApps *a, json_t **ret_done, json_t **ret);

/* What status shows of plan p's apps in the tenant: {"<app>": "installed" | "hidden" (installed,
 * its root menus all archived) | "not_installed", …} in *ret; 0 or a negative errno (-EIO: the
 * message on tenant). */
int plan_apps_status(PGconn *tenant, const Plan *p, json_t **ret);
