/* SPDX-License-Identifier: MIT */
/*
 * tool.h: everything an action binary's main() would otherwise repeat: --help, --version,
 * --config, --json (the request as JSON on stdin, as vumaerp-api sends it) or options and
 * positional arguments turned into the same request fields; loading the config (exit 78 on
 * error); running the action; printing its JSON (indented on a terminal); one journal entry;
 * the exit status.
 */
#pragma once

#include <jansson.h>

#include "config.h"

typedef int (*ActionFunc)(const Config *c, json_t *request, json_t **ret);

typedef struct ToolOption {
        const char *name;     /* long option without "--": "db-name" */
        const char *field;    /* request field it sets: "db_name" */
        const char *help;     /* one line for --help */
        int is_flag;          /* no argument: sets the field to true */
} ToolOption;

typedef struct ToolSpec {
        const char *name;                  /* "status": the action, and vumaerp-<name> */
        const char *summary;               /* one line for --help */
        const char *const *positional;     /* NULL-terminated request fields taken positionally */
        const ToolOption *options;         /* terminated by an entry with name NULL; may be NULL */
        ActionFunc run;
        const char *message_id;            /* MESSAGE_ID of its success entry; NULL: MESSAGE_ID_ACTION */
} ToolSpec;

/* The whole of an action binary's main(). */
int tool_main(int argc, char *argv[], const ToolSpec *spec);
