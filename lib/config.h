/* SPDX-License-Identifier: MIT */
/*
 * config.h: loading vumaerp.yaml and countries.yaml (libyaml) into one immutable Config.
 *
 * Every error — a malformed file, an unknown key, a missing or ill-typed field — is reported as
 * one message "FILE:LINE:COLUMN: what is wrong" and the load fails; callers exit EX_CONFIG (78)
 * without doing anything else.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct Country {
        char *code;          /* the key in countries.yaml: "ke" */
        char *name;          /* "Kenya" */
        char *iso_code;      /* "KE" */
        char *currency;      /* "KES" */
        char *language;      /* Odoo language code: "en_US" */
        char *timezone;      /* "Africa/Nairobi" */
        char *template_db;   /* "tpl_ke" */
        char **modules;      /* NULL-terminated: Odoo modules the template carries */
} Country;

typedef struct Config {
        char *path;                 /* the vumaerp.yaml this came from */
        char *countries_path;       /* resolved path of countries.yaml */

        /* postgres: */
        char *pg_host;              /* host name or socket directory; NULL: libpq's default */
        int pg_port;                /* 0: libpq's default */
        char *pg_user;              /* NULL: libpq's default */
        char *pg_password_file;     /* NULL: none; relative names are looked up in $CREDENTIALS_DIRECTORY */
        char *pg_maintenance_db;    /* default "postgres": where the control database is created from */
        char *control_db;           /* default "vumaerp" */
        char *odoo_role;            /* the role that owns tenant databases; default "odoo" */

        /* odoo: */
        char *odoo_url;             /* NULL: not configured (no login verification) */
        char *odoo_data_dir;        /* NULL: no filestore handling */

        /* tenants: */
        char *tenant_url_template;  /* "https://{subdomain}.vumacloud.com" */

        /* backups: */
        char *backup_dir;
        int backup_retention_days;

        /* api: */
        int api_deadline_sec;         /* an action running longer is killed: 504 */
        int api_receive_timeout_sec;  /* a request arriving slower: 408; default 10 */
        char *api_token_file;         /* NULL: $CREDENTIALS_DIRECTORY/api-token */
        char **api_allowed_clients;   /* NULL-terminated CIDRs; NULL or empty: everyone */
        char *action_dir;             /* where vumaerp-<action> live; NULL: beside vumaerp-api */

        Country *countries;
        size_t n_countries;
} Config;

/* Loads the file at path (NULL: $VUMAERP_CONFIG, else the compiled-in default) and the countries
 * file it names (relative to its own directory). On failure returns a negative errno and sets
 * *ret_error to a malloc'd "FILE:LINE:COLUMN: message" (or "FILE: message" for I/O errors). */
int config_load(const char *path, Config **ret, char **ret_error);

Config *config_free(Config *c);

/* NULL when the code is unknown. Codes are matched case-insensitively ("KE" finds ke). */
const Country *config_find_country(const Config *c, const char *code);

/* The path config_load() would read when given NULL. */
const char *config_default_path(void);
