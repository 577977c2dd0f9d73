/* SPDX-License-Identifier: MIT */
/* vumaerp-sso-validate: answers a tenant's Odoo about a sign-in token (vumaerp-sso-validate(8)). */
#include "sso.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const ToolSpec spec = {
                .name = "sso-validate",
                .summary = "Accept a sign-in token once, as auth_oauth's validation endpoint: print the\n"
                           "user_id Odoo signs in. Takes \"db_name\" and \"access_token\" in a --json\n"
                           "request on stdin.",
                .run = sso_validate,
        };
        return tool_main(argc, argv, &spec);
}
