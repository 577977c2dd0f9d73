/* SPDX-License-Identifier: MIT */
/* vumaerp-plan: change what a tenant bought — its plan and extra users (vumaerp-plan(8)). */
#include "message-id.h"
#include "plan.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                TOOL_OPTIONS_OWNER,
                { "plan", "plan", "the new plan: a code of plans.yaml", 0 },
                { "extra-users", "extra_users", "users added to the plan's cap (default: the tenant's current ones)", 0 },
                {}
        };
        static const ToolSpec spec = {
                .name = "plan",
                .summary = "Change a tenant's plan: a larger user cap applies at once, a smaller one\n"
                           "below its current users is refused.",
                .positional = positional,
                .options = options,
                .run = tenant_plan,
        };
        return tool_main(argc, argv, &spec);
}
