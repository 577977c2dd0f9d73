/* SPDX-License-Identifier: MIT */
/*
 * names.h: what a tenant may be called and where it lives: the db_name rules and the tenant URL.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "config.h"

/* ^[a-z][a-z0-9_]{1,62}$, not ending in '_', not "??__…" (as a host label, '_' becomes '-': a
 * label cannot end in '-', and "xn--" is an IDNA label). */
bool db_name_is_valid(const char *name);

/* The scratch database a restore drill restores a backup into (drill.h). It begins vumaerp_, so
 * it is never a tenant's name (db_name_check()), and it is on the reserved list below, so that
 * list, status, reconcile and the daily backup never take it for a tenant while a drill runs. */
#define DB_NAME_DRILL "vumaerp_drill"

/* The one list of databases that are never a tenant nor a template: PostgreSQL's own (postgres,
 * template0, template1), the configured maintenance and control databases, and the drill's
 * scratch database. The i-th of them,
 * NULL past the last (to list them: tenant.c leaves them out of what the Odoo role owns). */
const char *db_name_reserved(const Config *c, size_t i);

/* Whether name is on that list. */
bool db_name_is_reserved(const Config *c, const char *name);

/* A tenant's name: valid, not reserved, not any country's template database nor any plan's
 * (template-choice.h), not "vumaerp" and not beginning pg_ or vumaerp_. Returns 0, -EINVAL (invalid form) or -EPERM (reserved). */
int db_name_check(const Config *c, const char *name);

/* The tenant's URL: the template with {subdomain} replaced by the name with '_' as '-', and
 * {db_name} by the name. Returns a malloc'd string or NULL on OOM. */
char *tenant_url(const Config *c, const char *name);

/* The request's "db_name", valid and not reserved, in *ret_name; otherwise *ret is the answer
 * (64 missing_db_name, 65 invalid_db_name). Returns the exit status. Every action that names a
 * tenant checks it this way, before PostgreSQL is touched. */
int request_db_name(const Config *c, json_t *request, const char **ret_name, json_t **ret);
