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
#include <stdbool.h>

#include "config.h"

typedef int (*ActionFunc)(const Config *c, json_t *request, json_t **ret);

typedef struct ToolOption {
        const char *name;     /* long option without "--": "db-name" */
        const char *field;    /* request field it sets: "db_name" */
        const char *help;     /* one line for --help */
        int is_flag;          /* no argument: sets the field to true */
} ToolOption;

/* The options of every program that acts on one tenant for a WHMCS service (owner.h): act only
 * if the service owns it (or find its tenant without a db_name), and claim a tenant without one. */
#define TOOL_OPTIONS_OWNER                                                                                       \
        { "whmcs-service-id", "whmcs_service_id", "act only if this WHMCS service owns the tenant (or find its tenant)", 0 }, \
        { "claim", "claim", "record --whmcs-service-id as the owner of a tenant that has none", 1 }

typedef struct ToolSpec {
        const char *name;                  /* "status": the action, and vumaerp-<name> */
        const char *summary;               /* one line for --help */
        const char *const *positional;     /* NULL-terminated request fields taken positionally */
        const ToolOption *options;         /* terminated by an entry with name NULL; may be NULL */
        ActionFunc run;
        const char *message_id;            /* MESSAGE_ID of its success entry; NULL: MESSAGE_ID_ACTION */
        const char *failure_message_id;    /* MESSAGE_ID of its failure entry; NULL: MESSAGE_ID_ACTION_FAILED */
} ToolSpec;

/* What a command line asks for (tool_parse_args()). */
typedef enum ToolVerb {
        TOOL_RUN,             /* run the action */
        TOOL_HELP,            /* -h/--help came first: print the help, exit 0 */
        TOOL_VERSION,         /* --version came first: print the version, exit 0 */
} ToolVerb;

typedef struct ToolArgs {
        ToolVerb verb;
        const char *config_path;   /* --config, borrowed from argv; NULL: the default */
        bool json_input;           /* --json: the request comes as JSON on stdin */
        json_t *request;           /* TOOL_RUN: the fields the options and positional arguments
                                    * set (empty under --json); the caller frees it */
} ToolArgs;

/* Maps a command line onto the request the action gets, by spec: each option to its field
 * (a flag to true, else the value as a string), then spec->positional in order; options may
 * follow positional arguments, "--" ends them. Returns EXIT_OK with *ret filled, EXIT_USAGE
 * after saying why on stderr (an unknown option or one without its value, named without what
 * followed '=', and for one naming a password, how passwords are given; a field given twice, a
 * value that is not UTF-8, an argument too many, --json with any other field), or EXIT_SOFTWARE
 * when out of memory. */
int tool_parse_args(int argc, char *argv[], const ToolSpec *spec, ToolArgs *ret);

/* The whole of an action binary's main(). */
int tool_main(int argc, char *argv[], const ToolSpec *spec);
