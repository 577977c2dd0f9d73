/* SPDX-License-Identifier: MIT */
/* vumaerp-terminate: back a tenant up, verified, then drop its database and filestore (vumaerp-terminate(8)). */
#include "lifecycle.h"
#include "message-id.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                { "skip-backup", "skip_backup", "drop without a backup first", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "terminate",
                .summary = "Terminate a tenant: a verified backup first, then its database and filestore are dropped.",
                .positional = positional,
                .options = options,
                .run = tenant_terminate,
                .message_id = MESSAGE_ID_TERMINATED,
        };
        return tool_main(argc, argv, &spec);
}
