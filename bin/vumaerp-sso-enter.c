/* SPDX-License-Identifier: MIT */
/* vumaerp-sso-enter: signs a browser in by a one-time link, through Odoo (vumaerp-sso-enter(8)). */
#include "sso.h"
#include "tool.h"

int main(int argc, char *argv[]) {
        static const ToolSpec spec = {
                .name = "sso-enter",
                .summary = "Use a one-time sign-in link: sign its user in through the tenant's Odoo and\n"
                           "print Odoo's session cookie (vumaerp-api hands it to the browser). Takes\n"
                           "\"token\" and \"host\" in a --json request on stdin.",
                .run = sso_enter,
        };
        return tool_main(argc, argv, &spec);
}
