/* SPDX-License-Identifier: MIT */
/*
 * tenant-cap.h: the user cap of a tenant's plan inside its Odoo database (issue 14): counting its
 * internal users, and the guard that stops Odoo from going past the cap.
 *
 * The count is the authority: Odoo's users that are active and not "share" (portal and public
 * users are), not counting Odoo's superuser (id 1, __system__) nor vumaerp's service user
 * (service_uid below, tenant-service.h; 0: none) while nobody can sign in as it (no password, no
 * API key: vumaerp's one-shot keys exist only during a plan change). A NULL share counts: Odoo reads it
 * as internal, and a customer must not hide a user by clearing it. The count runs with
 * row_security off, so a row-level security policy that the customer (who owns res_users) wrote to
 * hide rows from vumaerp's session makes it fail rather than come out short.
 *
 * The guard is a courtesy (vumaerp(7), TRUST BOUNDARY: a tenant's administrator can run any SQL as
 * Odoo's role and drop it): a BEFORE INSERT OR UPDATE OF active, share trigger on res_users,
 * created as Odoo's role, that refuses a row becoming an internal user when the cap is reached —
 * a new user, an archived one restored, a portal user made internal — with SQLSTATE 23514
 * (check_violation), which Odoo 17 shows its user as "The operation cannot be completed: Your
 * plan allows N users; ask your provider for more." Odoo adds a "CONTEXT: PL/pgSQL function
 * vumaerp_user_cap() line … at RAISE" line under it: PostgreSQL sends every PL/pgSQL error's
 * context and the client (psycopg2) prints it; no server setting removes it.
 *
 * Every function runs on a tenant_db_connect() session (tenant-db.h) and returns 0 (or what it
 * says) or a negative errno: -EIO on a failed statement (the server's message on conn), -ENOMEM.
 */
#pragma once

#include <libpq-fe.h>
#include <stdbool.h>

/* The trigger's and its function's name in the tenant (public schema). */
#define TENANT_CAP_GUARD "vumaerp_user_cap"

/* The number of internal users (>= 0); -ENOENT: the database has no res_users (not an Odoo). */
int tenant_cap_count(PGconn *conn, int service_uid);

/* Applies a cap of max_users, in one transaction that holds res_users against writes
 * (SHARE ROW EXCLUSIVE, waiting at most 10 s): counts the internal users into *ret_users and, when
 * they fit (at most max_users), installs the guard for max_users, replacing any earlier one
 * whatever it was (max_users 0: removes it). -EUSERS: more users than that, nothing changed;
 * -ENOENT: no res_users. */
int tenant_cap_apply(PGconn *conn, int max_users, int service_uid, int *ret_users);

/* Whether the guard for max_users is in place as vumaerp made it: the trigger on res_users,
 * enabled, on INSERT and UPDATE OF active, share, calling the function whose body is ours. */
int tenant_cap_guard_intact(PGconn *conn, int max_users, int service_uid, bool *ret);

/* The function's body for max_users (malloc'd), and the sentence it raises: pure, for tests. */
char *tenant_cap_guard_body(int max_users, int service_uid);
char *tenant_cap_message(int max_users);
