/* SPDX-License-Identifier: MIT */
/* vumaerp-password: set or generate a tenant admin's password (vumaerp-password(8)). */
#include "provision.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                /* No --admin-password: argv is visible to every user of the machine. */
                {}
        };
        static const ToolSpec spec = {
                .name = "password",
                .summary = "Set the tenant admin's password: generated and printed, or given as\n"
                           "\"admin_password\" in a --json request on stdin.",
                .positional = positional,
                .options = options,
                .run = tenant_password,
        };
        return tool_main(argc, argv, &spec);
}
