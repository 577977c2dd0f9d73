/* SPDX-License-Identifier: MIT */
/*
 * tenant-service.h: vumaerp's service user inside a tenant's Odoo (issue 14), the credential under
 * which vumaerp asks that Odoo to install and hide its plan's apps through JSON-RPC (plan-apps.h).
 *
 * The user is made as Odoo's role (tenant-db.h), its res_users id recorded in the registry
 * (tenants.service_uid), and it holds no long-lived secret: no password, and at rest it is
 * archived (active false), so that nobody can sign in as it and Odoo counts it nowhere. For one
 * operation tenant_service_open() makes it active and gives it a one-shot API key, inserted into
 * res_users_apikeys as Odoo 17 stores one (password.h: scope 'rpc', the key's first 8 characters
 * as index, its pbkdf2-sha512 hash; Odoo 17 accepts such a key for RPC, never for the web login);
 * tenant_service_close() deletes every key of the user and archives it again. A process killed
 * between the two leaves an active user with a key nobody knows (the key lived only in its
 * memory): the next open or close removes it.
 *
 * Everything in the tenant is the customer's to change: a user with the service login that vumaerp
 * did not record, a recorded one renamed, given a password, or taken out of base.group_user or
 * base.group_system is refused (-EPERM, *ret_error says what), never used, and never repaired
 * behind the customer's back.
 *
 * Every function runs on a tenant_db_connect() session and returns 0 or a negative errno: -EIO on
 * a failed statement (the server's message on conn), -ENOMEM.
 */
#pragma once

#include <libpq-fe.h>

/* Its login and name in the tenant. */
#define TENANT_SERVICE_LOGIN "__vumaerp__"
#define TENANT_SERVICE_NAME "vumaerp (hosting service)"

/* Makes the service user, archived and without a password, in the first company, in base.group_user
 * and base.group_system and every group they imply (res_groups_implied_rel, as Odoo's ORM adds
 * them): *ret_uid. -EEXIST: a user with its login exists already (made by someone else, or by a
 * vumaerp whose registry lost it); -ENOENT: no res_users, or the base groups are not there. */
int tenant_service_create(PGconn *conn, int *ret_uid, char **ret_error);

/* Whether uid is still the service user vumaerp made: -EPERM with *ret_error when not. */
int tenant_service_check(PGconn *conn, int uid, char **ret_error);

/* Makes uid active with a new one-shot API key (*ret_key, malloc'd: free it with
 * odoo_secret_free()), its earlier keys deleted; committed, so that Odoo sees it. */
int tenant_service_open(PGconn *conn, int uid, char **ret_key);

/* Deletes every API key of uid and archives it. */
int tenant_service_close(PGconn *conn, int uid);
