/* SPDX-License-Identifier: MIT */
/* vumaerp-reconcile: puts back what was changed on tenant databases behind vumaerp's back (vumaerp-reconcile(8)). */
#include "tenant.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const ToolSpec spec = {
                .name = "reconcile",
                .summary = "Put every tenant database's access and settings back to what vumaerp set.",
                .run = tenant_reconcile,
        };
        return tool_main(argc, argv, &spec);
}
