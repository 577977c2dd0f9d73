/* SPDX-License-Identifier: MIT */
/* vumaerp-offsite: the offsite copies of backups: push what is missing, list (vumaerp-offsite(8)). */
#include "offsite.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "subcommand", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "only this tenant's backups (push) or objects (list)", 0 },
                { "if-configured", "if_configured", "push: without an offsite: section, succeed doing nothing (the timer)", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "offsite",
                .summary = "push: upload every backup not yet offsite, then delete the offsite copies of backups\n"
                           "retention removed; list: the objects in the offsite store.",
                .positional = positional,
                .options = options,
                .run = offsite_main,
        };
        return tool_main(argc, argv, &spec);
}
