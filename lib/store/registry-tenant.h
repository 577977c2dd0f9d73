/* SPDX-License-Identifier: MIT */
/*
 * registry-tenant.h: the registry's tenants table (registry.h) — what vumaerp knows of a tenant
 * beyond PostgreSQL's catalog, and its state machine, every move of which is one function here:
 *
 *   (none, terminated) --reserve--> provisioning --activate--> active <--suspend/unsuspend--> suspended
 *   provisioning --forget--> (none)                         (a provision undone)
 *   active, suspended --set_state--> terminating --set_state--> terminated
 *   terminating --set_state--> active, suspended            (the drop failed)
 *   (none, terminated, any) --restored--> active
 *
 * suspend, unsuspend and set_state upsert: a tenant made before vumaerp has no row until its
 * first action. The catalog stays the truth of whether Odoo may enter a database (access.h); the
 * row says what vumaerp is doing with it, and the customer's details.
 *
 * The writes are all here. Four reads join a row to PostgreSQL's catalog in the one statement of
 * their view, and stay with it: provision's look-up of a name and the password action's
 * (provision.c), list and status (tenant.c), and reconcile's drift (reconcile.c).
 *
 * Every function runs on a registry_open() connection, under the tenant's lock, and returns 0 (or
 * what it says) or a negative errno: -EIO on a failed statement (the server's message on conn,
 * for pg_failure()), -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/* A new tenant's details. The strings are the caller's. */
typedef struct RegistryTenant {
        const char *db_name;
        const char *country;            /* the country's code */
        const char *company_name;
        const char *admin_email;
        const char *admin_login;
        const char *whmcs_service_id;   /* decimal; NULL: none */
        const char *plan;               /* a plan's code; NULL: none (no cap) */
        int extra_users;                /* added to the plan's max_users */
        int max_users;                  /* the cap applied; 0: none */
} RegistryTenant;

/* What a tenant bought, as the registry records it (schema version 4). */
typedef struct RegistryPlan {
        char *plan;          /* malloc'd; NULL: none */
        int extra_users;
        int max_users;       /* the cap applied in the tenant; 0: none */
        int service_uid;     /* vumaerp's service user in the tenant (tenant-service.h); 0: none */
} RegistryPlan;

void registry_plan_done(RegistryPlan *p);

/* Records the tenant as 'provisioning', committed before anything is made, so that the next
 * provision of the name finds what this one leaves if it dies. A row of a terminated tenant is
 * replaced (its times cleared). -EEXIST: the name has a row in any other state; -ENOTUNIQ: the
 * WHMCS service already owns another tenant that is not terminated (the registry's unique index,
 * schema version 3). */
int registry_tenant_reserve(PGconn *conn, const RegistryTenant *t);

/* provisioning → active, the creation time now. -ENOENT: no row of the name is provisioning. */
int registry_tenant_activate(PGconn *conn, const char *db_name);

/* Removes the row of a tenant that was being made; a row in any other state stays. */
int registry_tenant_forget(PGconn *conn, const char *db_name);

/* → suspended with reason (NULL: keep the last one). The time and the reason move only when
 * changed (the database really was open), so a retry does not rewrite history. *ret_reason: the
 * reason the row now holds (malloc'd; NULL: none). */
int registry_tenant_suspend(PGconn *conn, const char *db_name, const char *reason, bool changed, char **ret_reason);

/* → active; the time moves only when changed. */
int registry_tenant_unsuspend(PGconn *conn, const char *db_name, bool changed);

/* → state ("terminating", "terminated", or back to "active"/"suspended" when a drop failed);
 * terminated_at is set on "terminated". */
int registry_tenant_set_state(PGconn *conn, const char *db_name, const char *state);

/* A restore made db_name: active, with source_db's details (the country, company, admin, plan) and,
 * when it is the same name, its WHMCS service id, unless that service owns another live tenant by
 * now (then none: it may be claimed, owner.h); a former tenant's row of the name is replaced. */
int registry_tenant_restored(PGconn *conn, const char *db_name, const char *source_db);

/* db_name's plan into *ret (registry_plan_done(); all empty when there is no row or no plan). */
int registry_tenant_get_plan(PGconn *conn, const char *db_name, RegistryPlan *ret);

/* Records db_name's plan, extra users and cap, and when they changed; a tenant without a row (made
 * before vumaerp) gets one in state (what the catalog says: "active" or "suspended"). */
int registry_tenant_set_plan(PGconn *conn, const char *db_name, const char *plan, int extra_users, int max_users,
                             const char *state);

/* Records the res_users id of the service user vumaerp made in db_name (schema version 9). */
int registry_tenant_set_service_uid(PGconn *conn, const char *db_name, int service_uid);

/* Whether db_name is a tenant to the registry (a row not terminated): 1, 0, or a negative errno. */
int registry_tenant_is_live(PGconn *conn, const char *db_name);

/* The WHMCS service recorded as db_name's owner: *ret_service_id malloc'd (decimal), NULL when the
 * row has none or there is no row. */
int registry_tenant_get_owner(PGconn *conn, const char *db_name, char **ret_service_id);

/* Records service_id as the owner of db_name, which has none (a tenant made at the shell): its
 * row gets it, or a row is made in state (what the catalog says: "active" or "suspended") for a
 * tenant that had none. -EEXIST: the row already has an owner (never replaced here); -ENOTUNIQ:
 * the service already owns another tenant that is not terminated. */
int registry_tenant_claim(PGconn *conn, const char *db_name, const char *service_id, const char *state);

/* The tenant the WHMCS service owns that is not terminated (at most one: the unique index):
 * *ret_db_name malloc'd, NULL when none. */
int registry_tenant_find_by_service(PGconn *conn, const char *service_id, char **ret_db_name);

/* The state of db_name's row (*ret_state malloc'd, NULL: no row) and the newest backup its
 * termination made (*ret_backup: {"path","size_bytes","sha256","filestore_path",
 * "filestore_size_bytes","filestore_sha256"}, NULL: none). */
int registry_tenant_get_state(PGconn *conn, const char *db_name, char **ret_state, json_t **ret_backup);
