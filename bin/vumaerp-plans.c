/* SPDX-License-Identifier: MIT */
/* vumaerp-plans: the plans a tenant can be on, as plans.yaml says them (vumaerp-plans(8)). */
#include "plans.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const ToolSpec spec = {
                .name = "plans",
                .summary = "List the plans of plans.yaml: code, name, user cap, apps, storage quota, default.",
                .run = plans_list,
        };
        return tool_main(argc, argv, &spec);
}
