/* SPDX-License-Identifier: MIT */
/*
 * tenant-db.h: the one way vumaerp runs statements inside a tenant's or a template's database.
 *
 * Why: every customer is the administrator of their own Odoo and can run any SQL as Odoo's role
 * (a server action's env.cr.execute), and Odoo's role owns everything inside these databases:
 * tables, triggers, functions, operators, per-database settings. A statement vumaerp runs there
 * executes whatever of that it touches, with the rights of the session's user. So the session's
 * user is Odoo's role itself — logged in as it, not SET ROLE from a superuser, because SET ROLE
 * and SET SESSION AUTHORIZATION are undone by a RESET inside any function the attacker wrote —
 * and a trap can do no more than the customer already can. search_path is pg_catalog alone,
 * given at connection time (a client's startup options win over ALTER DATABASE/ROLE … SET), and
 * every query names public.* tables, so a function or operator planted in public is never
 * picked by name resolution in the first place.
 *
 * The superuser (pg_connect) is for the catalog and the control database only. pg_dump and
 * pg_restore log in as Odoo's role too (backup.c, with tenant_db_login()).
 */
#pragma once

#include <libpq-fe.h>

#include "config.h"
#include "pg.h"

/* The server options of every such session. */
#define TENANT_DB_OPTIONS "-c search_path=pg_catalog -c default_transaction_read_only=off -c statement_timeout=0"

/* Odoo's role, its password file, TENANT_DB_OPTIONS. */
PgLogin tenant_db_login(const Config *c);

/* Connects to dbname as Odoo's role and checks that the session is what it must be: Odoo's role,
 * not a superuser (then there is no boundary to keep, and vumaerp refuses to pretend), search_path
 * pg_catalog. Returns 0, the errors of pg_connect(), or -EPERM (*ret_error says why). */
int tenant_db_connect(const Config *c, const char *dbname, PGconn **ret, char **ret_error);
