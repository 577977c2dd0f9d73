/* SPDX-License-Identifier: MIT */
/*
 * tool.c: the shared body of every action binary (tool.h). The same request reaches the action
 * whether an admin typed options or vumaerp-api sent JSON, so the two paths cannot drift apart.
 */
#include <getopt.h>
#include <unistd.h>
#include <stdarg.h>
#include <time.h>

#include "build-config.h"
#include "log.h"
#include "message-id.h"
#include "result.h"
#include "tool.h"

#define TOOL_MAX_REQUEST (1024U * 1024U)

enum {
        OPT_HELP = 0x100,
        OPT_VERSION,
        OPT_CONFIG,
        OPT_JSON,
        OPT_SPEC_BASE = 0x200,
};

static void print_help(const ToolSpec *spec) {
        printf("Usage: vumaerp-%s [OPTIONS]", spec->name);
        for (const char *const *p = spec->positional; p && *p; p++)
                printf(" [%s]", *p);
        printf("\n\n%s\n\n", spec->summary);
        /* One column for every option's help, however long the longest name. */
        int w = (int) strlen("config PATH");
        for (const ToolOption *o = spec->options; o && o->name; o++) {
                int n = (int) (strlen(o->name) + (o->is_flag ? 0 : strlen(" VALUE")));
                if (n > w)
                        w = n;
        }
        printf("Options:\n");
        printf("  -h --%-*s  %s\n", w, "help", "show this help and exit");
        printf("     --%-*s  %s\n", w, "version", "show the version and exit");
        printf("     --%-*s  configuration file (default: $VUMAERP_CONFIG, else %s)\n", w, "config PATH",
               VUMAERP_DEFAULT_CONFIG);
        printf("     --%-*s  %s\n", w, "json", "read the request as one JSON object on stdin (as vumaerp-api does)");
        for (const ToolOption *o = spec->options; o && o->name; o++) {
                char name[64];
                snprintf(name, sizeof(name), "%s%s", o->name, o->is_flag ? "" : " VALUE");
                printf("     --%-*s  %s\n", w, name, o->help);
        }
        printf("\nPrints one JSON object (indented on a terminal). Exit status: 0 done, 64/65 bad request,\n"
               "66 no such tenant, 69/75 unavailable, 73 already exists, 78 configuration error,\n"
               "70 other failures. See vumaerp-%s(8).\n", spec->name);
}

_printf_(2, 3) static int usage_error(const ToolSpec *spec, const char *format, ...) {
        va_list ap;

        fprintf(stderr, "vumaerp-%s: ", spec->name);
        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'vumaerp-%s --help'.\n", spec->name);
        return EXIT_USAGE;
}

/* An option getopt did not take. Only its name is repeated ("--admin-password=…" must not
 * echo the password); an option that names a password gets the way passwords are given instead. */
static int unknown_option(const ToolSpec *spec, const char *arg) {
        int n = (int) strcspn(arg, "=");

        if (strncmp(arg, "--", 2) == 0 && memmem(arg, (size_t) n, "pass", strlen("pass")))
                return usage_error(spec, "unknown or incomplete option '%.*s': a password is never taken on the "
                                   "command line, where every user of the machine can read it; give it as "
                                   "\"admin_password\" in a --json request on stdin, or leave it out to have "
                                   "one generated",
                                   n, arg);
        return usage_error(spec, "unknown or incomplete option '%.*s'", n, arg);
}

static int read_json_request(FILE *f, json_t **ret, json_t **ret_error) {
        _cleanup_free_ char *buf = malloc(TOOL_MAX_REQUEST + 1);
        json_error_t err;
        size_t n;

        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, TOOL_MAX_REQUEST + 1, f);
        if (n > TOOL_MAX_REQUEST) {
                *ret_error = result_error("request_too_large", "the request is larger than %u bytes", TOOL_MAX_REQUEST);
                return -EFBIG;
        }
        json_t *j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &err);
        if (!j || !json_is_object(j)) {
                json_decref(j);
                *ret_error = result_error("bad_request", "the request is not a JSON object%s%s",
                                          j ? "" : ": ", j ? "" : err.text);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

static void print_json(json_t *j) {
        size_t flags = (isatty(STDOUT_FILENO) ? JSON_INDENT(2) : JSON_COMPACT);

        (void) json_dumpf(j, stdout, flags | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        fflush(stdout);
}

static int64_t elapsed_ms(const struct timespec *start) {
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t) (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

int tool_parse_args(int argc, char *argv[], const ToolSpec *spec, ToolArgs *ret) {
        _cleanup_json_ json_t *request = NULL;
        _cleanup_free_ struct option *longopts = NULL;
        size_t n_spec = 0, i = 0;
        int c;

        *ret = (ToolArgs) {};
        for (const ToolOption *o = spec->options; o && o->name; o++)
                n_spec++;
        longopts = calloc(n_spec + 5, sizeof(struct option));
        request = json_object();
        if (!longopts || !request)
                return EXIT_SOFTWARE;
        longopts[i++] = (struct option) { "help", no_argument, NULL, OPT_HELP };
        longopts[i++] = (struct option) { "version", no_argument, NULL, OPT_VERSION };
        longopts[i++] = (struct option) { "config", required_argument, NULL, OPT_CONFIG };
        longopts[i++] = (struct option) { "json", no_argument, NULL, OPT_JSON };
        for (size_t k = 0; k < n_spec; k++)
                longopts[i++] = (struct option) { spec->options[k].name,
                                                  spec->options[k].is_flag ? no_argument : required_argument,
                                                  NULL, OPT_SPEC_BASE + (int) k };

        opterr = 0;
        /* 0, not 1: getopt starts afresh (GNU), so a second call parses its own argv. */
        optind = 0;
        /* GNU order: options may follow the positional arguments ("seal ke db --flag"), as in
         * every util-linux tool; "--" ends them. */
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
                switch (c) {
                case 'h':
                case OPT_HELP:
                        ret->verb = TOOL_HELP;
                        return EXIT_OK;
                case OPT_VERSION:
                        ret->verb = TOOL_VERSION;
                        return EXIT_OK;
                case OPT_CONFIG:
                        ret->config_path = optarg;
                        break;
                case OPT_JSON:
                        ret->json_input = true;
                        break;
                case '?':
                        return unknown_option(spec, argv[optind - 1]);
                default: {
                        const ToolOption *o = &spec->options[c - OPT_SPEC_BASE];
                        json_t *v = o->is_flag ? json_true() : json_string(optarg);
                        if (!v)
                                return usage_error(spec, "option --%s: the value is not valid UTF-8", o->name);
                        if (json_object_get(request, o->field)) {
                                json_decref(v);
                                return usage_error(spec, "'%s' given twice", o->field);
                        }
                        json_object_set_new(request, o->field, v);
                }
                }
        }

        for (const char *const *p = spec->positional; p && *p && optind < argc; p++, optind++) {
                json_t *v;

                if (json_object_get(request, *p))
                        return usage_error(spec, "'%s' given twice", *p);
                v = json_string(argv[optind]);
                if (!v)
                        return usage_error(spec, "'%s' is not valid UTF-8", argv[optind]);
                json_object_set_new(request, *p, v);
        }
        if (optind < argc)
                return usage_error(spec, "unexpected argument '%s'", argv[optind]);

        if (ret->json_input && json_object_size(request) > 0)
                return usage_error(spec, "%s", "--json takes the whole request from stdin; give no other fields");
        ret->request = TAKE_PTR(request);
        return EXIT_OK;
}

int tool_main(int argc, char *argv[], const ToolSpec *spec) {
        _cleanup_json_ json_t *request = NULL, *result = NULL;
        _cleanup_free_ char *config_error = NULL, *program = NULL;
        const char *config_path = NULL;
        struct timespec start;
        Config *config = NULL;
        bool json_input = false;
        ToolArgs args;
        int status;

        clock_gettime(CLOCK_MONOTONIC, &start);
        if (asprintf(&program, "vumaerp-%s", spec->name) < 0)
                return EXIT_SOFTWARE;
        log_setup(program);

        status = tool_parse_args(argc, argv, spec, &args);
        if (status != EXIT_OK)
                return status;
        request = args.request;
        config_path = args.config_path;
        json_input = args.json_input;
        if (args.verb == TOOL_HELP) {
                print_help(spec);
                return EXIT_OK;
        }
        if (args.verb == TOOL_VERSION) {
                printf("vumaerp-%s %s\n", spec->name, VUMAERP_VERSION);
                return EXIT_OK;
        }

        if (json_input) {
                json_decref(TAKE_PTR(request));
                if (read_json_request(stdin, &request, &result) < 0) {
                        print_json(result);
                        return EXIT_BAD_INPUT;
                }
        }

        if (config_load(config_path, &config, &config_error) < 0) {
                /* One line on stderr for the admin (or the journal); under --json also the usual
                 * JSON answer so vumaerp-api has something to relay. */
                fprintf(stderr, "%s\n", config_error);
                /* A missing default file is a newcomer's first step: say what to do (the error
                 * itself stays one FILE:… line, as editors and the tests read it). */
                if (!config_path && !secure_getenv("VUMAERP_CONFIG") && access(config_default_path(), F_OK) < 0)
                        fprintf(stderr, "vumaerp-%s: give a configuration with --config PATH or $VUMAERP_CONFIG "
                                "(an example: conf/vumaerp.yaml in the sources; vumaerp.yaml(5))\n", spec->name);
                if (json_input) {
                        result = result_error("config_error", "vumaerp is misconfigured; the details are in the journal");
                        print_json(result);
                }
                return EXIT_CONFIG;
        }
        /* What loaded but should be written otherwise (a deprecated key): once per run. */
        for (char **w = config->warnings; w && *w; w++)
                log_warning("%s", *w);

        status = spec->run(config, request, &result);
        if (!result)
                result = status == EXIT_OK ? result_ok() : result_error("action_failed", "the action failed");

        print_json(result);

        {
                const char *code = json_string_value(json_object_get(result, "code"));
                const char *error = json_string_value(json_object_get(result, "error"));
                LogContext ctx = LOG_CONTEXT_INIT;

                ctx.action = spec->name;
                /* restore names a backup file, not a tenant: the tenant is the one it answers for. */
                ctx.db = request_string(request, "db_name", NULL);
                if (!ctx.db)
                        ctx.db = json_string_value(json_object_get(result, "db_name"));
                ctx.request_id = getenv("VUMAERP_REQUEST_ID");
                ctx.peer = getenv("VUMAERP_PEER");
                ctx.outcome = status == EXIT_OK ? "ok" : (code ? code : "failed");
                ctx.duration_ms = elapsed_ms(&start);
                /* A success that did nothing says why in its "note" (offsite push --if-configured). */
                const char *note = json_string_value(json_object_get(result, "note"));

                if (status == EXIT_OK)
                        log_event(LOG_INFO, spec->message_id ? spec->message_id : MESSAGE_ID_ACTION, &ctx, "%s%s%s: %s", spec->name,
                                  ctx.db ? " " : "", strempty(ctx.db), note ? note : "done");
                else
                        log_event(status == EXIT_BAD_INPUT || status == EXIT_USAGE || status == EXIT_NO_TENANT
                                  || status == EXIT_EXISTS ? LOG_NOTICE : LOG_ERR,
                                  spec->failure_message_id ? spec->failure_message_id : MESSAGE_ID_ACTION_FAILED,
                                  &ctx, "%s%s%s: %s", spec->name,
                                  ctx.db ? " " : "", strempty(ctx.db), error ? error : "failed");
        }

        config_free(config);
        return status;
}
