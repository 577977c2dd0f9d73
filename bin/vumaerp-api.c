/* SPDX-License-Identifier: MIT */
/* vumaerp-api: answers one HTTP request on the connection systemd hands it (vumaerp-api(8)). */
#include "api.h"

int main(int argc, char *argv[]) {
        return api_main(argc, argv);
}
