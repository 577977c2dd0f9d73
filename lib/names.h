/* SPDX-License-Identifier: MIT */
/*
 * names.h: what a tenant may be called and where it lives: the db_name rules and the tenant URL.
 */
#pragma once

#include <stdbool.h>

#include "config.h"

/* ^[a-z][a-z0-9_]{1,62}$ */
bool db_name_is_valid(const char *name);

/* Valid, and not reserved: postgres, template0, template1, the maintenance and control databases,
 * any country's template database. Returns 0, -EINVAL (invalid form) or -EPERM (reserved). */
int db_name_check(const Config *c, const char *name);

/* The tenant's URL: the template with {subdomain} replaced by the name with '_' as '-', and
 * {db_name} by the name. Returns a malloc'd string or NULL on OOM. */
char *tenant_url(const Config *c, const char *name);
