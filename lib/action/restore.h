/* SPDX-License-Identifier: MIT */
/*
 * restore.h: restoring a backup (backup.h) as a tenant, database and filestore.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Request "backup" (a path to a .dump), optional "as_db_name". Checks the sha256 (registry, else
 * the .sha256 file beside it) of the dump and of its filestore tar first; 409 db_exists when the
 * target database exists, 409 filestore_exists when its filestore does; creates the database
 * owned by the Odoo role and restores into it, then extracts the filestore under the target name;
 * drops both again on failure.
 * {"success":true,"db_name":…,"status":"active","backup":{…}} */
int tenant_restore(const Config *c, json_t *request, json_t **ret);
