/* SPDX-License-Identifier: MIT */
/* vumaerp-list: every tenant database with its state and size (vumaerp-list(8)). */
#include "tenant.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const ToolOption options[] = {
                { "fresh-sizes", "fresh_sizes", "measure every size now (otherwise sizes up to an hour old are reported)", 1 },
                {}
        };
        static const ToolSpec spec = {
                .name = "list",
                .summary = "List every tenant database with its state and size.",
                .options = options,
                .run = tenant_list,
        };
        return tool_main(argc, argv, &spec);
}
