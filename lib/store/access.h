/* SPDX-License-Identifier: MIT */
/*
 * access.h: who may enter a tenant's or a template's database — the catalog side of the trust
 * boundary.
 *
 * Odoo's role owns every database Odoo serves, and every customer can run SQL as that role. The
 * owner of a database may ALTER it (ALLOW_CONNECTIONS, CONNECTION LIMIT, settings) and GRANT on
 * it, so a database that must stay shut to Odoo (a suspended tenant, a sealed template, a tenant
 * still being made or backed up for termination) must not be owned by Odoo's role while it is
 * shut: its owner moves to ACCESS_HOLDER_ROLE, a role nobody can log in as and nobody is a member
 * of. Odoo lists and serves only databases its role owns (odoo/service/db.py, list_dbs), so a
 * held database is invisible to Odoo even while vumaerp lets Odoo's role in for a dump.
 *
 * The three states, each set in one transaction:
 *   open      owner Odoo's role, connections allowed, CONNECT for Odoo's role only (not PUBLIC)
 *   held      owner the holder, connections refused, CONNECT for nobody
 *   admitted  owner the holder, connections allowed, CONNECT, CREATE, TEMPORARY for Odoo's role
 *             only: what vumaerp's own sessions as Odoo's role need (pg_dump, pg_restore with its
 *             trusted extensions, a new tenant's set-up); the owner alone may ALTER the database
 * Superusers pass every CONNECT check, so vumaerp's catalog work is unaffected.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"

#define ACCESS_HOLDER_ROLE "vumaerp_holder"

typedef enum AccessState {
        ACCESS_OPEN,
        ACCESS_HELD,
        ACCESS_ADMITTED,
        ACCESS_CLOSED,       /* owned by Odoo's role but shut: how earlier versions suspended */
        _ACCESS_STATE_MAX,
} AccessState;

/* The state as SQL over pg_database d joined to pg_roles r on the owner, with Odoo's role name in
 * the query parameter odoo (e.g. "$2"): one of the names access_state_from_string() reads. */
#define ACCESS_STATE_SQL(odoo)                                                              \
        "CASE WHEN r.rolname = " odoo " AND d.datallowconn AND d.datconnlimit <> 0 THEN 'open'" \
        "     WHEN r.rolname = " odoo " THEN 'closed'"                                        \
        "     WHEN d.datallowconn THEN 'admitted'"                                            \
        "     ELSE 'held' END"

/* SQL: what differs in database d (owner r) from what vumaerp set, as a JSON array of sentences
 * (empty: nothing). Odoo's role owns every active tenant, so any customer may ALTER another's
 * database (CONNECTION LIMIT, SET …, GRANT): this is how status and list show it and what
 * vumaerp-reconcile puts back. */
#define ACCESS_DRIFT_SQL(odoo)                                                                   \
        "(SELECT coalesce(pg_catalog.jsonb_agg(y.x ORDER BY y.x), '[]')::text FROM ("               \
        "   SELECT 'connection limit ' || d.datconnlimit AS x WHERE d.datconnlimit <> -1"          \
        "   UNION ALL SELECT 'connections refused to its owner'"                                 \
        "    WHERE r.rolname = " odoo " AND NOT d.datallowconn"                                 \
        "   UNION ALL SELECT 'default privileges (CONNECT for PUBLIC)' WHERE d.datacl IS NULL"  \
        "   UNION ALL SELECT 'privilege ' || a.privilege_type || ' for '"                          \
        "          || CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee) END" \
        "     FROM pg_catalog.aclexplode(d.datacl) a"                                             \
        "    WHERE a.grantee <> d.datdba"                                                         \
        "      AND NOT (r.rolname = '" ACCESS_HOLDER_ROLE "' AND d.datallowconn"                  \
        "               AND a.grantee = (SELECT o.oid FROM pg_catalog.pg_roles o WHERE o.rolname = " odoo "))" \
        "   UNION ALL SELECT 'setting ' || c.cfg"                                                 \
        "          || CASE WHEN st.setrole <> 0 THEN ' for ' || pg_catalog.pg_get_userbyid(st.setrole) ELSE '' END" \
        "     FROM pg_catalog.pg_db_role_setting st, pg_catalog.unnest(st.setconfig) c (cfg)"     \
        "    WHERE st.setdatabase = d.oid"                                                        \
        ") y)"

/* SQL: the owner r is one vumaerp manages databases under (Odoo's role in parameter odoo). */
#define ACCESS_OWNER_SQL(odoo) "r.rolname IN (" odoo ", '" ACCESS_HOLDER_ROLE "')"

const char *access_state_to_string(AccessState s);
AccessState access_state_from_string(const char *s);   /* _ACCESS_STATE_MAX when unknown */

/* Makes sure the holder role exists (NOLOGIN) and is fit to hold: not a superuser, no login, no
 * members. Returns 0, -EPERM when it is not fit (*ret_error says how), -EIO. */
int access_holder_ensure(PGconn *admin, char **ret_error);

/* access_holder_ensure() as an action's exit status: 78 config_error when the role is unfit,
 * 70 database_error when it cannot be checked; *ret set on failure. */
int access_holder_ready(PGconn *admin, json_t **ret);

/* Puts db into the state (one transaction, on an admin connection; the caller holds the tenant's
 * lock). Holding or admitting does not end sessions already open: tenant_end_sessions() does.
 * Returns 0, -ENOMEM, -EIO (the server's message on admin, for pg_failure()). */
int access_set(PGconn *admin, const Config *c, const char *db, AccessState state);

/* Removes every per-database setting of db (ALTER DATABASE … RESET ALL, and ALTER ROLE … IN
 * DATABASE … RESET ALL for each role that has some): vumaerp sets none, Odoo sets none. */
int access_reset_settings(PGconn *admin, const char *db);
