/* SPDX-License-Identifier: MIT */
/*
 * template.h: the template databases every new tenant is cloned from — each country's, and one
 * per country and app set that a plan adds to it (template-choice.h) — sealing an existing Odoo
 * database as one, listing them, building one through a running Odoo's database manager. Admin
 * actions (vumaerp-template); no API endpoint.
 *
 * A sealed template is named as countries.yaml says (Country.template_db), or for a plan's app
 * set as template-choice.h says, owned by the Odoo role, IS_TEMPLATE true and ALLOW_CONNECTIONS
 * false, and has a row in the registry's templates table, keyed by country and app set (its Odoo
 * version, installed modules, currency, source database, sealed_at).
 *
 * seal and build take an optional "plan" (a code of plans.yaml): they then work on the template
 * of the country and that plan's app set, whose modules are the country's and the apps. A plan
 * whose app set is empty chooses the country's template. Their answers say "apps" (the app set)
 * and "plan".
 */
#pragma once

#include <jansson.h>
#include <libpq-fe.h>

#include "config.h"
#include "template-choice.h"

/* Request "country", optional "plan" and optional "database" (default: the template's name). The
 * database must exist, be owned by the Odoo role, not be a tenant nor another template, be an Odoo
 * database with the template's modules installed (the country's, and the plan's apps), and its company's currency (and country, when set) must be the
 * country's: a mismatch is refused (400 currency_mismatch), never fixed here — build fixes it.
 * When database is not the template name, it is renamed to it (and its filestore with it); the
 * template name must then be free (409 template_exists). Open connections are ended.
 * Sealing a sealed template again answers success with "changed": false.
 * {"success":true,"country","apps","plan","template_db","source_db","odoo_version","module_count",
 *  "modules","currency","sealed_at","changed"} */
int template_seal(const Config *c, json_t *request, json_t **ret);

/* Every configured country's template, each followed by one per app set its plans choose:
 * {"success":true,"count":N,"templates":[{"country","name","template_db","apps":[…],
 * "plans":[the plan codes choosing it],"state":"missing"|"unsealed"|"sealed","size_bytes","size",
 * "odoo_version","module_count","currency","sealed_at"}, …]}. A plan's template is "sealed" only
 * when the registry records it with its app set. */
int template_list(const Config *c, json_t *request, json_t **ret);

/* Request "country" and optional "plan". Asks Odoo (odoo.url, master password from
 * odoo.master_password_file) to create "<template>_build" with a random admin password, installs
 * the template's modules (the country's, and the plan's apps) with Odoo's own module install,
 * sets the company currency to the country's when Odoo chose another (Ghana: USD → GHS, by SQL),
 * and seals it as the template. The template must not exist yet (409 template_exists). A failed build
 * drops the build database. Answers what template_seal() does, plus "currency_fixed_from". */
int template_build(const Config *c, json_t *request, json_t **ret);

/* Whether the registry records t's template as sealed with its app set: 1, 0, or a negative
 * errno (-EIO: the statement failed, its message on ctl). What provision checks of a plan's
 * template before it clones it. */
int template_is_recorded(PGconn *ctl, const TemplateChoice *t);

/* Dispatches on request "subcommand": "seal", "list" or "build". */
int template_main(const Config *c, json_t *request, json_t **ret);
