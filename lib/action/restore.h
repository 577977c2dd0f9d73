/* SPDX-License-Identifier: MIT */
/*
 * restore.h: restoring a backup (backup.h) as a tenant, database and filestore.
 */
#pragma once

#include <jansson.h>

#include "config.h"
#include "session.h"

/* Request "backup" (a path to a .dump) or "remote_key" (the offsite key of a backup's .dump,
 * downloaded and checked first, offsite.h's offsite_fetch()), optional "as_db_name". Checks the sha256 (registry, else
 * the .sha256 file beside it) of the dump and of its filestore tar first; 409 db_exists when the
 * target database exists, 409 filestore_exists when its filestore does; creates the database
 * owned by the Odoo role and restores into it, then extracts the filestore under the target name;
 * drops both again on failure.
 * {"success":true,"db_name":…,"status":"active","backup":{…}} */
int tenant_restore(const Config *c, json_t *request, json_t **ret);

/* What tenant_restore() does, in a session the caller holds on a name that is never a tenant's
 * (drill.h), up to the database filled and the filestore extracted, both checked first: not
 * signalled, no route, left admitted (Odoo's role may connect, Odoo neither lists nor serves it:
 * access.h) and marked half made (session.h), so that the caller, or the next session on the
 * name, drops it. Returns an exit status; *ret the backup's JSON (backup_info_json()), or the
 * failure with nothing kept. */
int restore_scratch(TenantSession *s, const char *path, const char *source_db, json_t **ret);
