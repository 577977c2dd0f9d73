/* SPDX-License-Identifier: MIT */
/* vumaerp-backup: a verified pg_dump of one tenant, --all of every live one, or --prune to apply the retention (vumaerp-backup(8)). */
#include "backup.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                { "prune", "prune", "apply backups.retention (daily, weekly, monthly) to every backup instead", 1 },
                { "all", "all", "back up every active and suspended tenant, one at a time (the daily timer)", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "backup",
                .summary = "Back up a tenant (pg_dump -Fc, verified, sha256 recorded), every active and suspended tenant, or prune old backups.",
                .positional = positional,
                .options = options,
                .run = tenant_backup,
        };
        return tool_main(argc, argv, &spec);
}
