/* SPDX-License-Identifier: MIT */
/* vumaerp-provision: a new tenant cloned from its country's template (vumaerp-provision(8)). */
#include "provision.h"
#include "message-id.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const char *const positional[] = { "db_name", NULL };
        static const ToolOption options[] = {
                { "db-name", "db_name", "the tenant database (or give it as the argument)", 0 },
                { "country", "country", "country code from countries.yaml: ke, ng, …", 0 },
                { "admin-email", "admin_email", "the admin's e-mail address", 0 },
                { "company-name", "company_name", "the company's name", 0 },
                { "admin-login", "admin_login", "the admin's login (default: the e-mail address)", 0 },
                { "whmcs-service-id", "whmcs_service_id", "the WHMCS service this tenant belongs to", 0 },
                { "plan", "plan", "its plan: a code of plans.yaml (default: the default plan)", 0 },
                { "extra-users", "extra_users", "users added to the plan's cap (default 0)", 0 },
                /* No --admin-password: argv is visible to every user of the machine. Give it in
                 * the JSON request on stdin (--json), or let one be generated. */
                {}
        };
        static const ToolSpec spec = {
                .name = "provision",
                .summary = "Create a tenant from its country's template database. The admin password is\n"
                           "generated and printed, or given as \"admin_password\" in a --json request.",
                .positional = positional,
                .options = options,
                .run = tenant_provision,
                .message_id = MESSAGE_ID_PROVISIONED,
        };
        return tool_main(argc, argv, &spec);
}
