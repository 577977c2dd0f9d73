/* SPDX-License-Identifier: MIT */
/* vumaerp-unsuspend: let a suspended tenant's database accept connections again (vumaerp-unsuspend(8)). */
#include "lifecycle.h"
#include "message-id.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                {}
        };
        static const ToolSpec spec = {
                .name = "unsuspend",
                .summary = "Unsuspend a tenant: its database accepts connections again.",
                .positional = positional,
                .options = options,
                .run = tenant_unsuspend,
                .message_id = MESSAGE_ID_UNSUSPENDED,
        };
        return tool_main(argc, argv, &spec);
}
