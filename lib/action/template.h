/* SPDX-License-Identifier: MIT */
/*
 * template.h: each country's template database, the one every new tenant of that country is
 * cloned from: sealing an existing Odoo database as it, listing them, building one through a
 * running Odoo's database manager. Admin actions (vumaerp-template); no API endpoint.
 *
 * A sealed template is named as countries.yaml says (Country.template_db), owned by the Odoo
 * role, IS_TEMPLATE true and ALLOW_CONNECTIONS false, and has a row in the registry's templates
 * table (its Odoo version, installed modules, currency, source database, sealed_at).
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* Request "country" and optional "database" (default: the country's template name). The
 * database must exist, be owned by the Odoo role, not be a tenant, be an Odoo database with the
 * country's modules installed, and its company's currency (and country, when set) must be the
 * country's: a mismatch is refused (400 currency_mismatch), never fixed here — build fixes it.
 * When database is not the template name, it is renamed to it (and its filestore with it); the
 * template name must then be free (409 template_exists). Open connections are ended.
 * Sealing a sealed template again answers success with "changed": false.
 * {"success":true,"country","template_db","source_db","odoo_version","module_count","modules",
 *  "currency","sealed_at","changed"} */
int template_seal(const Config *c, json_t *request, json_t **ret);

/* Every configured country: {"success":true,"count":N,"templates":[{"country","name",
 * "template_db","state":"missing"|"unsealed"|"sealed","size_bytes","size","odoo_version",
 * "module_count","sealed_at"}, …]} */
int template_list(const Config *c, json_t *request, json_t **ret);

/* Request "country". Asks Odoo (odoo.url, master password from odoo.master_password_file) to
 * create "<template>_build" with a random admin password, installs the country's modules, sets
 * the company currency to the country's when Odoo chose another (Ghana: USD → GHS, by SQL), and
 * seals it as the template. The template must not exist yet (409 template_exists). A failed build
 * drops the build database. Answers what template_seal() does, plus "currency_fixed_from". */
int template_build(const Config *c, json_t *request, json_t **ret);

/* Dispatches on request "subcommand": "seal", "list" or "build". */
int template_main(const Config *c, json_t *request, json_t **ret);
