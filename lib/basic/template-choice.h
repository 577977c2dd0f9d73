/* SPDX-License-Identifier: MIT */
/*
 * template-choice.h: which template a tenant of a country on a plan is cloned from (issue 14).
 *
 * The app set of (country, plan) is the plan's apps that are not among the country's modules,
 * sorted, each once. Empty (a plan of only what every tenant has, or no plan): the country's
 * template, countries.yaml's name. Not empty: a template of its own, the country's modules and
 * those apps, named "<country template>_<the first 8 hex digits of the SHA-256 of the set, joined
 * by commas>": deterministic, and two plans with the same set share one. Provision only ever
 * clones it (vumaerp-template builds and seals it); a module is never installed in a tenant.
 */
#pragma once

#include <stdbool.h>

#include "config.h"

#define TEMPLATE_CHOICE_HASH_LEN 8   /* hex digits of the app set's SHA-256 in the name */

typedef struct TemplateChoice {
        const Country *country;
        char **apps;         /* the app set: NULL-terminated, sorted, never NULL (empty: none) */
        char **modules;      /* the country's modules, then the apps: what the template carries */
        char *db;            /* the template database */
} TemplateChoice;

/* Fills *ret for co and plan (NULL: no plan, the country's template). Returns 0, -ENOMEM, or
 * -ENAMETOOLONG when the name would not be a valid database name (a country template name too
 * long to add the suffix to). */
int template_choice(const Country *co, const Plan *plan, TemplateChoice *ret);

void template_choice_done(TemplateChoice *t);

/* Whether t is a plan's template (its app set is not empty). */
static inline bool template_choice_has_apps(const TemplateChoice *t) {
        return t->apps && t->apps[0];
}

/* The app set "a, b, c" (for messages); NULL on OOM. */
char *template_choice_apps_text(const TemplateChoice *t);

/* Whether name is the template database of some configured country and plan (countries'
 * templates included): never a tenant's name. */
bool template_choice_is_template(const Config *c, const char *name);
