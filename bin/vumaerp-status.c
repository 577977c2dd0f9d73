/* SPDX-License-Identifier: MIT */
/* vumaerp-status: one tenant's state, size and what the registry knows of it (vumaerp-status(8)). */
#include "tenant.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                {}
        };
        static const ToolSpec spec = {
                .name = "status",
                .summary = "Show one tenant's state, size and registry record.",
                .positional = positional,
                .options = options,
                .run = tenant_status,
        };
        return tool_main(argc, argv, &spec);
}
