/* SPDX-License-Identifier: MIT */
/* vumaerp-restore: bring a backup back as a tenant, its checksum checked first (vumaerp-restore(8)). */
#include "restore.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "backup", NULL };
        static const ToolOption options[] = {
                { "as", "as_db_name", "restore under this name instead of the backed-up tenant's", 0 },
                { "remote-key", "remote_key", "restore the backup whose dump has this key in the offsite store", 0 },
                {}
        };
        static const ToolSpec spec = {
                .name = "restore",
                .summary = "Restore a backup as a tenant database owned by the Odoo role.",
                .positional = positional,
                .options = options,
                .run = tenant_restore,
        };
        return tool_main(argc, argv, &spec);
}
