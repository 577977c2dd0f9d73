/* SPDX-License-Identifier: MIT */
/* vumaerp-drill: restore a tenant's newest backup into a scratch database, check it, drop it,
 * record the result (vumaerp-drill(8)). */
#include "drill.h"
#include "message-id.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "drill this tenant's newest backup (default: the next one round-robin)", 0 },
                {}
        };
        static const ToolSpec spec = {
                .name = "drill",
                .summary = "Restore a tenant's newest backup into a scratch database, check it, drop it, and record the result.",
                .positional = positional,
                .options = options,
                .run = tenant_drill,
                .message_id = MESSAGE_ID_DRILL_PASSED,
                .failure_message_id = MESSAGE_ID_DRILL_FAILED,
        };
        return tool_main(argc, argv, &spec);
}
