/* SPDX-License-Identifier: MIT */
/*
 * provision.h: making a tenant from its country's template database, and setting its admin's
 * password. Like every action (tenant.h): the loaded config and the request's fields in, the
 * JSON answer in *ret, the exit status returned.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Request: db_name, country (a code of countries.yaml), admin_email, company_name; optional
 * admin_password (generated when absent), whmcs_service_id (an integer, or a string of digits),
 * admin_login (default: admin_email, as Odoo uses the email as the login). The rules and
 * limits on each field: provision-order.h.
 *
 * Clones the template of the country and the plan's apps (template-choice.h; a plan's template
 * only when the registry records it sealed with its app set, else 503 template_missing naming the
 * vumaerp-template build that makes it, nothing changed; no module is installed here)
 * (CREATE DATABASE … TEMPLATE … STRATEGY WAL_LOG) while the
 * password is hashed in a second thread, then in one statement on the clone sets the company
 * name, the admin's login, email and password hash, a new database.uuid, database.secret and
 * database.create_date, and web.base.url; copies the template's filestore with hard links when
 * odoo.data_dir is configured. Any failure after CREATE DATABASE drops what was made.
 *
 * A repeat with the same whmcs_service_id and country succeeds with "existed": true (a given
 * password is set again); anyone else asking for a taken name gets 409 db_exists. A tenant left
 * half-made by a crash ("provisioning" in the registry) is dropped and made again. A service that
 * already owns another tenant that is not terminated gets 409 service_has_tenant (owner.h).
 *
 * {"success":true,"db_name","url","admin_email","admin_login","admin_password" (only when this
 *  call set it),"country" (its name: "Kenya"),"country_code","company_name","existed",
 *  "login_verified": null | bool}
 * Errors: 400 invalid_* / missing_* / unknown_country, 409 db_exists, 503 template_missing,
 * template_busy, tenant_busy, database_unavailable; 500 otherwise. */
int tenant_provision(const Config *c, json_t *request, json_t **ret);

/* Request: db_name, optional admin_password (generated when absent), optional whmcs_service_id
 * and claim (owner.h). Sets the admin's (Odoo's
 * base.user_admin, res_users id 2) password hash. A suspended tenant is refused (409
 * tenant_suspended): its database accepts no connection, not even ours, and opening it for a
 * moment would let its users in too. Absent: 404 no_such_tenant.
 * {"success":true,"db_name","admin_login","admin_password" (only when generated)} */
int tenant_password(const Config *c, json_t *request, json_t **ret);
