/* SPDX-License-Identifier: MIT */
/*
 * provision-order.h: the order — what a provision request carries (provision.h), parsed from its
 * JSON and validated before anything is touched: the name, the country, the admin's address,
 * login and password, the company, the WHMCS service. Pure: no database, no file, no log.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "config.h"

/* Limits on the request's fields (characters; the password's in bytes, password.h). */
#define PROVISION_COMPANY_NAME_MAX 256
#define PROVISION_EMAIL_MAX 254
#define PROVISION_LOGIN_MAX 254

/* Everything a provision needs, validated. The strings are borrowed from the request. */
typedef struct Order {
        const char *db_name;
        const Country *country;
        const char *admin_email;
        const char *admin_login;
        const char *company_name;
        const char *admin_password;   /* NULL: generate one */
        char whmcs_service_id[24];    /* decimal, "" when not given */
        const Plan *plan;             /* the plan asked for, or the default; NULL: no plans configured */
        int extra_users;              /* added to the plan's max_users */
} Order;

/* Fills *o from request (the fields provision.h lists), checked in this order: db_name, then the
 * fields' types, the country, admin_email, company_name, admin_login (default: admin_email),
 * admin_password, plan and extra_users (order_field_plan(); extra_users default 0). Returns EXIT_OK, or the exit status with *ret the answer for the first field
 * that is missing (64 missing_*) or wrong (65 invalid_* / unknown_country). */
int order_parse(const Config *c, json_t *request, Order *o, json_t **ret);

/* A sane address rather than all of RFC 5322: local@domain, at most PROVISION_EMAIL_MAX bytes. */
bool email_is_valid(const char *s);

/* A required or optional string field: EXIT_OK with *ret_value (NULL when absent and optional),
 * else 65 invalid_request (not a string) or 64 missing_field, with *ret set. */
int order_field_string(json_t *request, const char *key, bool required, const char **ret_value, json_t **ret);

/* whmcs_service_id: a JSON integer, or (from forms and the command line) a string of digits, a
 * positive integer of at most 18 digits. EXIT_OK with out the decimal ("" when absent or null),
 * else 65 invalid_whmcs_service_id with *ret set. Every action that names a tenant reads it so
 * (owner.h). */
int order_field_service_id(json_t *request, char out[24], json_t **ret);

/* "plan" (a code of plans.yaml; absent or null: *ret_plan = the default plan, NULL when no plans
 * are configured) and "extra_users" (a JSON integer or a string of digits, 0..PLAN_MAX_USERS;
 * absent or null: *ret_extra = -1, for the caller's default). EXIT_OK, else 65 unknown_plan (not a
 * plan of plans.yaml, or no plans configured and one asked for) / invalid_extra_users / 65
 * invalid_request (plan not a string), with *ret set. */
int order_field_plan(const Config *c, json_t *request, const Plan **ret_plan, int *ret_extra, json_t **ret);

/* admin_password, when given (pw non-NULL): not empty, at most PASSWORD_MAX_LENGTH bytes; else
 * 65 invalid_admin_password with *ret set. */
int order_password_check(const char *pw, json_t **ret);
