/* SPDX-License-Identifier: MIT */
/* vumaerp-template: seal, list and build the countries' template databases (vumaerp-template(8)). */
#include "template.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "subcommand", "country", "database", NULL };
        static const ToolOption options[] = {
                { "country", "country", "the country code (ke, ng, ...)", 0 },
                { "database", "database", "seal: the database to seal (default: the template's name)", 0 },
                { "allow-missing-files", "allow_missing_files",
                  "seal, build: seal although files its attachments name are missing from its filestore", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "template",
                .summary = "seal COUNTRY [DATABASE]: make an Odoo database the country's template;\n"
                           "list: every country's template; build COUNTRY: have Odoo make one, then seal it.",
                .positional = positional,
                .options = options,
                .run = template_main,
        };
        return tool_main(argc, argv, &spec);
}
