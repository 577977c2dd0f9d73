/* SPDX-License-Identifier: MIT */
/*
 * drill.h: the restore drill (vumaerp-drill, units/vumaerp-drill.timer) — proof that a tenant's
 * newest backup restores. Restored into the scratch database DB_NAME_DRILL (names.h: never a
 * tenant's) and its filestore beside it, checked, dropped, and the result recorded in the
 * registry (registry-drill.h), which status shows.
 *
 * The trust boundary: the dump is the customer's writing, so the scratch database is filled and
 * read as Odoo's role only (pg_restore as restore does; the checks through tenant-db.h), and the
 * holder owns it throughout (access.h: Odoo neither lists nor serves it).
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Request: optional "db_name" (drill that tenant's newest backup, whatever its state); without,
 * the next tenant round-robin (registry_drill_next(): the live tenant whose last drill is the
 * oldest). One drill at a time: it runs in the tenant session of DB_NAME_DRILL, whose repair
 * drops a scratch copy a killed drill left.
 *
 * The checks: the backup's checksums and restore (restore_scratch()); Odoo's core tables present;
 * the admin user (base.user_admin) active with a login and a password; the main company
 * (base.main_company) with a name; every file ir_attachment.store_fname names in the restored
 * filestore.
 *
 * Passed: {"success":true,"db_name":…,"backup":{…},"checks":{"tables","admin_login","company",
 * "attachment_files"}}. Nothing to drill: {"success":true,"db_name":null}. Failed: 70
 * drill_failed with "db_name", "backup" (the path), "stage" ("restore" or "check") and the
 * reason in "error"; recorded as failed. 66 no_backup when db_name has none. */
int tenant_drill(const Config *c, json_t *request, json_t **ret);
