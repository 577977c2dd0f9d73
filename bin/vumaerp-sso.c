/* SPDX-License-Identifier: MIT */
/* vumaerp-sso: a one-time link that signs a tenant's user in to its Odoo (vumaerp-sso(8)). */
#include "sso.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                { "login", "login", "the Odoo user to sign in (default: the tenant's admin)", 0 },
                TOOL_OPTIONS_OWNER,
                {}
        };
        static const ToolSpec spec = {
                .name = "sso",
                .summary = "Make a one-time link (good once, for sso.token_lifetime seconds) that signs a\n"
                           "tenant's Odoo user in through Odoo's auth_oauth.",
                .positional = positional,
                .options = options,
                .run = sso_issue,
        };
        return tool_main(argc, argv, &spec);
}
