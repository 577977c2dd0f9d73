/* SPDX-License-Identifier: MIT */
/*
 * config.h: loading vumaerp.yaml, countries.yaml and plans.yaml (libyaml) into one immutable Config.
 *
 * Every error — a malformed file, an unknown key, a missing or ill-typed field — is reported as
 * one message "FILE:LINE:COLUMN: what is wrong" and the load fails; callers exit EX_CONFIG (78)
 * without doing anything else.
 *
 * Schema rules (vumaerp.yaml(5)): only backups.dir and countries are required; every other key may
 * be left out, or left empty ("key:" / ~ / null), to get the default noted below. Files over 1 MiB,
 * unknown keys, duplicate keys, several YAML documents, empty strings and NUL characters are
 * refused. Integers are plain decimal digits (quoting is allowed, signs are not). odoo.data_dir,
 * backups.dir and api.action_dir must be absolute; maintenance_db, control_db and odoo_role must
 * match ^[a-z][a-z0-9_]{1,62}$ (they reach SQL); odoo.url starts with http:// or https://.
 * countries.yaml: code (2 lowercase letters) → every field below required; iso_code 2 uppercase
 * letters, currency 3, template a valid db_name that no other country uses and that is not
 * reserved (names.h), modules a non-empty list of ^[a-z][a-z0-9_]*$.
 * plans.yaml (optional: only when vumaerp.yaml names it with "plans:"): code (^[a-z][a-z0-9_]{0,31}$)
 * → name (one line, at most 64 bytes), max_users (1..100000), apps (a list of module names, may be
 * empty), storage_mb (1..16777216) all required, default (a boolean) optional; exactly one plan is
 * the default.
 *
 * The contract: a field with a default (marked "default" below) is never NULL in a Config from
 * config_load() or config_new_default(), whatever the file says (an empty value keeps the
 * default), so code reads it without a fallback; the defaults are written once, in
 * config_new_default(). A field marked "NULL:" is optional and NULL says what it means.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct Country {
        char *code;          /* the key in countries.yaml: "ke" */
        char *name;          /* "Kenya" */
        char *iso_code;      /* "KE" */
        char *currency;      /* "KES" */
        char *language;      /* Odoo language code: "en_US" */
        char *timezone;      /* "Africa/Nairobi" */
        char *template_db;   /* "erp_ke" */
        char **modules;      /* NULL-terminated: Odoo modules the template carries */
} Country;

/* What a customer bought (plans.yaml): how many internal users, which Odoo apps, how much storage. */
typedef struct Plan {
        char *code;          /* the key in plans.yaml: "starter" */
        char *name;          /* "Starter" */
        int max_users;       /* internal users (res_users active AND NOT share), 1..PLAN_MAX_USERS */
        char **apps;         /* NULL-terminated Odoo module names (may be empty: just the country's) */
        int storage_mb;      /* storage quota in MiB (database and filestore: status's disk_bytes; reported, not enforced) */
        bool is_default;     /* the plan of a tenant provisioned without one */
} Plan;

#define PLAN_MAX_USERS 100000
#define PLAN_CODE_MAX 32   /* characters of a plan code */

/* backups.retention: how many backups of each tenant prune keeps (retention.h says which). */
typedef struct BackupRetention {
        int daily;           /* the newest of each of the last N days (UTC); 1..36500, default 7 */
        int weekly;          /* the newest of each of the last N ISO weeks; 0..5200, default 4 */
        int monthly;         /* the newest of each of the last N calendar months; 0..1200, default 3 */
} BackupRetention;

typedef struct Config {
        char *path;                 /* the vumaerp.yaml this came from */
        char *countries_path;       /* resolved path of countries.yaml */
        char *plans_path;           /* resolved path of plans.yaml; NULL: no plans (no caps) */
        char **warnings;            /* NULL-terminated "FILE:LINE:COLUMN: …" lines about what loaded
                                     * but should be written otherwise (a deprecated key), for the
                                     * program to log once; NULL: none */

        /* postgres: */
        char *pg_host;              /* host name or socket directory; NULL: libpq's default */
        int pg_port;                /* 1..65535; 0: libpq's default */
        char *pg_user;              /* NULL: libpq's default */
        char *pg_password_file;     /* NULL: none; relative names are looked up in $CREDENTIALS_DIRECTORY */
        char *pg_maintenance_db;    /* default "postgres": where the control database is created from */
        char *control_db;           /* default "vumaerp" */
        char *odoo_role;            /* the role that owns tenant databases; default "odoo" */
        char *odoo_password_file;   /* its password (tenant-db.h: vumaerp works inside tenants as
                                     * that role); NULL: none; relative: in $CREDENTIALS_DIRECTORY */

        /* odoo: */
        char *odoo_url;             /* NULL: not configured (no login verification) */
        char *odoo_data_dir;        /* NULL: no filestore handling */
        char *odoo_master_password_file; /* Odoo's master (admin_passwd) password, for its database
                                          * manager (template build); NULL: none; relative names are
                                          * looked up in $CREDENTIALS_DIRECTORY */
        bool odoo_update_notification;   /* Odoo's weekly "update notification" to odoo.com (it
                                          * sends each tenant's company name, admin email and user
                                          * counts): false (the default) turns its cron off in
                                          * templates and tenants */

        /* tenants: */
        char *tenant_url_template;  /* default "https://{subdomain}.vumacloud.com"; contains {subdomain} or {db_name} */

        /* web: (web.h) */
        char *web_state_dir;        /* what nginx reads per request; NULL: no web state kept */
        char *web_pay_url;          /* the suspension page's "pay" link (http/https); NULL: none */
        char *web_brand;            /* the name the suspension page gives the service; default "VumaERP" */

        /* backups: */
        char *backup_dir;           /* required, absolute */
        BackupRetention backup_retention; /* default 7/4/3. The deprecated retention_days: N is
                                           * read as {daily: N, weekly: 0, monthly: 0} (the same N
                                           * days), with a warning; giving both is an error */

        /* offsite: copies of every backup in S3-compatible object storage (s3.h, offsite.h). The
         * section is optional; given, endpoint, region, bucket and credentials_file are required. */
        char *offsite_endpoint;     /* http(s)://host[:port], path-style; NULL: no offsite copies */
        char *offsite_region;       /* what SigV4 signs for: ^[a-z0-9-]{1,32}$ */
        char *offsite_bucket;       /* ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ */
        char *offsite_prefix;       /* put before every key: [A-Za-z0-9._/-], ends in '/', no "//"
                                     * or "..", at most 256 bytes; NULL: none */
        char *offsite_credentials_file; /* the access key id and secret (credential.h); relative:
                                         * in $CREDENTIALS_DIRECTORY */
        int offsite_part_size_mib;  /* objects larger go up in parts of this size; 5..5120, default 64 */
        int offsite_retries;        /* tries after the first on a 5xx or a connection error; 0..10, default 4 */

        /* api: */
        int api_deadline_sec;         /* an action running longer is killed: 504; 1..86400, default 300 */
        int api_receive_timeout_sec;  /* a request arriving slower: 408; 1..300, default 10 */
        char *api_token_file;         /* NULL: $CREDENTIALS_DIRECTORY/api-token */
        char **api_allowed_clients;   /* NULL-terminated, as written: addresses with an optional /prefix,
                                       * checked with inet_pton(); NULL or empty: everyone */
        char *action_dir;             /* where vumaerp-<action> live; NULL: beside vumaerp-api */

        /* sso: */
        char *sso_validation_url;     /* what tenants' Odoo calls to validate a sign-in token (vumaerp-api
                                       * on loopback); default http://127.0.0.1:5000/api/v1/sso/validate */
        int sso_token_lifetime_sec;   /* how long a sign-in link is good for; 5..60, default 60 */

        Country *countries;
        size_t n_countries;

        Plan *plans;                /* NULL when plans_path is NULL; else n_plans >= 1 */
        size_t n_plans;
} Config;

/* Loads the file at path (NULL: $VUMAERP_CONFIG, else the compiled-in default) and the countries
 * and plans files it names (relative to its own directory). On failure returns a negative errno and sets
 * *ret_error to a malloc'd "FILE:LINE:COLUMN: message" (or "FILE: message" when vumaerp.yaml itself
 * cannot be read; an unreadable countries or plans file is reported at the line of vumaerp.yaml
 * naming it).
 * *ret_error is NULL only on -ENOMEM. *ret is set only on success. */
int config_load(const char *path, Config **ret, char **ret_error);

Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* A Config holding every default and nothing else (no path, no backups.dir, no countries): what
 * config_load() starts from, and what a test fills in. NULL on OOM. */
Config *config_new_default(void);

/* NULL when the code is unknown. Codes are matched case-insensitively ("KE" finds ke). */
const Country *config_find_country(const Config *c, const char *code);

/* The country whose template database is db; NULL when none is. */
const Country *config_find_template(const Config *c, const char *db);

/* NULL when the code is unknown (exact match: plan codes are lowercase). */
const Plan *config_find_plan(const Config *c, const char *code);

/* The plan marked default; NULL when no plans are configured. */
const Plan *config_default_plan(const Config *c);

/* Whether s may be a plan's code: ^[a-z][a-z0-9_]{0,31}$. */
bool plan_code_is_valid(const char *s);

/* The path config_load() would read when given NULL. */
const char *config_default_path(void);
