/* SPDX-License-Identifier: MIT */
/*
 * api.h: the HTTP front, vumaerp-api: one connection (stdin/stdout, or the socket systemd passes
 * in LISTEN_FDS), one request, authenticated and routed to an action binary run as a child; its
 * JSON relayed with the status its exit status maps to.
 */
#pragma once

/* The whole of vumaerp-api's main(). */
int api_main(int argc, char *argv[]);
