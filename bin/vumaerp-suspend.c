/* SPDX-License-Identifier: MIT */
/* vumaerp-suspend: refuse a tenant's connections at the database level and end the open ones (vumaerp-suspend(8)). */
#include "lifecycle.h"
#include "message-id.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                { "reason", "reason", "why (up to 1024 characters, recorded in the registry)", 0 },
                {}
        };
        static const ToolSpec spec = {
                .name = "suspend",
                .summary = "Suspend a tenant: its database refuses connections until unsuspended.",
                .positional = positional,
                .options = options,
                .run = tenant_suspend,
                .message_id = MESSAGE_ID_SUSPENDED,
        };
        return tool_main(argc, argv, &spec);
}
