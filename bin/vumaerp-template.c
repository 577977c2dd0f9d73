/* SPDX-License-Identifier: MIT */
/* vumaerp-template: seal, list and build the template databases, each country's and each country and
 * plan's apps' (vumaerp-template(8)). */
#include "template.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "subcommand", "country", "database", NULL };
        static const ToolOption options[] = {
                { "country", "country", "the country code (ke, ng, ...)", 0 },
                { "database", "database", "seal: the database to seal (default: the template's name)", 0 },
                { "plan", "plan", "seal, build: the template of the country and this plan's apps (plans.yaml)", 0 },
                { "allow-missing-files", "allow_missing_files",
                  "seal, build: seal although files its attachments name are missing from its filestore", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "template",
                .summary = "seal COUNTRY [DATABASE] [--plan PLAN]: make an Odoo database the country's template\n"
                           "(or the one of the country and the plan's apps); list: every template;\n"
                           "build COUNTRY [--plan PLAN]: have Odoo make one, then seal it.",
                .positional = positional,
                .options = options,
                .run = template_main,
        };
        return tool_main(argc, argv, &spec);
}
