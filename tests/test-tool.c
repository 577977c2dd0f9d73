/* SPDX-License-Identifier: MIT */
/* test-tool: how an action binary's command line becomes its request (tool_parse_args()) —
 * options, flags and positional arguments onto fields, in any order, and every way a command
 * line is refused, with what is said on stderr. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "result.h"
#include "tests.h"
#include "tool.h"

static int run_nothing(const Config *c, json_t *request, json_t **ret) {
        return EXIT_SOFTWARE;
}

static const ToolOption template_options[] = {
        { "db-name", "db_name", "the database", 0 },
        { "reason", "reason", "why", 0 },
        { "allow-missing-files", "allow_missing_files", "seal even so", 1 },
        { "prune", "prune", "prune old backups", 1 },
        {}
};
static const char *const template_positional[] = { "subcommand", "country", "database", NULL };
static const ToolSpec template_spec = {
        .name = "template",
        .summary = "a test spec",
        .positional = template_positional,
        .options = template_options,
        .run = run_nothing,
};

/* A positional field that an option also sets, as vumaerp-suspend has db_name. */
static const ToolOption suspend_options[] = {
        { "db-name", "db_name", "the database", 0 },
        {}
};
static const char *const suspend_positional[] = { "db_name", NULL };
static const ToolSpec suspend_spec = {
        .name = "suspend",
        .summary = "a test spec",
        .positional = suspend_positional,
        .options = suspend_options,
        .run = run_nothing,
};

/* No options and no positional fields at all, as vumaerp-list. */
static const ToolSpec bare_spec = { .name = "list", .summary = "a test spec", .run = run_nothing };

/* One parse of argv (NULL-terminated, argv[0] included): its status, its ToolArgs, what it wrote
 * on stderr. */
typedef struct Parsed {
        int status;
        ToolArgs args;
        char err[1024];
} Parsed;

static void parsed_done(Parsed *p) {
        json_decref(p->args.request);
        *p = (Parsed) {};
}

static void parse(const ToolSpec *spec, char **argv, Parsed *p) {
        char path[] = "/tmp/vumaerp-test-tool.XXXXXX";
        int argc = 0, fd, saved;
        ssize_t n;

        while (argv[argc])
                argc++;
        *p = (Parsed) {};
        /* stderr into a file for the length of the call. */
        fd = mkstemp(path);
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        (void) unlink(path);
        fflush(stderr);
        saved = dup(STDERR_FILENO);
        CHECK(saved >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO);
        p->status = tool_parse_args(argc, argv, spec, &p->args);
        fflush(stderr);
        CHECK(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
        close(saved);
        n = pread(fd, p->err, sizeof p->err - 1, 0);
        p->err[n > 0 ? n : 0] = '\0';
        close(fd);
}

static const char *field(const Parsed *p, const char *key) {
        return json_string_value(json_object_get(p->args.request, key));
}

#define ARGV(...) ((char *[]) { (char *) "vumaerp-test", __VA_ARGS__, NULL })

static void expect_usage(const ToolSpec *spec, char **argv, const char *in_err) {
        Parsed p;

        parse(spec, argv, &p);
        CHECK_INT(p.status, EXIT_USAGE);
        CHECK(p.args.request == NULL);
        if (!strstr(p.err, in_err)) {
                fprintf(stderr, "stderr \"%s\" lacks \"%s\"\n", p.err, in_err);
                CHECK(false);
        }
        /* Said as the tool's name, with where to look. */
        CHECK(strncmp(p.err, "vumaerp-", 8) == 0);
        CHECK(strstr(p.err, "--help'.\n") != NULL);
        parsed_done(&p);
}

static void test_nothing(void) {
        Parsed p;

        parse(&template_spec, (char *[]) { (char *) "vumaerp-test", NULL }, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(p.args.verb, TOOL_RUN);
        CHECK(p.args.config_path == NULL);
        CHECK(!p.args.json_input);
        CHECK(json_is_object(p.args.request));
        CHECK_INT(json_object_size(p.args.request), 0);
        CHECK_STR(p.err, "");
        parsed_done(&p);

        parse(&bare_spec, (char *[]) { (char *) "vumaerp-list", NULL }, &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(json_object_size(p.args.request), 0);
        parsed_done(&p);
}

static void test_positional(void) {
        Parsed p;

        parse(&template_spec, ARGV("seal", "ke", "kenya_src"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "subcommand"), "seal");
        CHECK_STR(field(&p, "country"), "ke");
        CHECK_STR(field(&p, "database"), "kenya_src");
        CHECK_INT(json_object_size(p.args.request), 3);
        parsed_done(&p);

        /* Fewer than the spec names: the rest are absent, not empty. */
        parse(&template_spec, ARGV("list"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "subcommand"), "list");
        CHECK(json_object_get(p.args.request, "country") == NULL);
        CHECK_INT(json_object_size(p.args.request), 1);
        parsed_done(&p);

        /* Values go as they are: empty, spaces, UTF-8, SQL. */
        parse(&template_spec, ARGV("", " ke ", "caf\xc3\xa9'; DROP DATABASE x; --"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "subcommand"), "");
        CHECK_STR(field(&p, "country"), " ke ");
        CHECK_STR(field(&p, "database"), "caf\xc3\xa9'; DROP DATABASE x; --");
        parsed_done(&p);

        /* "--" ends the options: what follows is positional, even when it looks like one. */
        parse(&template_spec, ARGV("--", "--reason", "-h"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "subcommand"), "--reason");
        CHECK_STR(field(&p, "country"), "-h");
        CHECK_INT(p.args.verb, TOOL_RUN);
        parsed_done(&p);
}

static void test_options(void) {
        Parsed p;

        parse(&template_spec, ARGV("--db-name", "acme_ltd", "--reason=unpaid invoice"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "db_name"), "acme_ltd");
        CHECK_STR(field(&p, "reason"), "unpaid invoice");
        CHECK(json_object_get(p.args.request, "allow_missing_files") == NULL);
        CHECK_INT(json_object_size(p.args.request), 2);
        parsed_done(&p);

        /* A flag sets true (a JSON boolean, as vumaerp-api would send it). */
        parse(&template_spec, ARGV("--allow-missing-files"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK(json_is_true(json_object_get(p.args.request, "allow_missing_files")));
        parsed_done(&p);

        /* GNU order: options after the positional arguments, and between them. */
        parse(&template_spec, ARGV("seal", "--reason", "r", "ke", "kenya_src", "--allow-missing-files",
                                   "--config", "/etc/x.yaml"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "subcommand"), "seal");
        CHECK_STR(field(&p, "country"), "ke");
        CHECK_STR(field(&p, "database"), "kenya_src");
        CHECK_STR(field(&p, "reason"), "r");
        CHECK(json_is_true(json_object_get(p.args.request, "allow_missing_files")));
        CHECK_STR(p.args.config_path, "/etc/x.yaml");
        CHECK(json_object_get(p.args.request, "config") == NULL);   /* --config is not a field */
        CHECK_INT(json_object_size(p.args.request), 5);
        parsed_done(&p);

        /* An empty value and a value that starts with a dash are values. */
        parse(&template_spec, ARGV("--reason=", "--db-name", "-x"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "reason"), "");
        CHECK_STR(field(&p, "db_name"), "-x");
        parsed_done(&p);

        /* UTF-8 values arrive whole. */
        parse(&template_spec, ARGV("--reason", "\xe6\x9c\xaa\xe4\xbb\x98 \xf0\x9f\x92\xb8"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(field(&p, "reason"), "\xe6\x9c\xaa\xe4\xbb\x98 \xf0\x9f\x92\xb8");
        parsed_done(&p);

        /* --config given twice: the last wins (it is not a request field). */
        parse(&template_spec, ARGV("--config=/a", "--config", "/b"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_STR(p.args.config_path, "/b");
        parsed_done(&p);
}

static void test_json(void) {
        Parsed p;

        parse(&template_spec, ARGV("--json", "--config", "/c.yaml"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK(p.args.json_input);
        CHECK_STR(p.args.config_path, "/c.yaml");
        CHECK_INT(json_object_size(p.args.request), 0);
        parsed_done(&p);

        expect_usage(&template_spec, ARGV("--json", "seal"), "--json takes the whole request from stdin");
        expect_usage(&template_spec, ARGV("--reason", "x", "--json"), "--json takes the whole request");
        expect_usage(&template_spec, ARGV("--json", "--prune"), "--json takes the whole request");
}

static void test_help_and_version(void) {
        Parsed p;

        parse(&template_spec, ARGV("--help"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(p.args.verb, TOOL_HELP);
        CHECK_STR(p.err, "");
        parsed_done(&p);
        parse(&template_spec, ARGV("-h"), &p);
        CHECK_INT(p.args.verb, TOOL_HELP);
        parsed_done(&p);
        parse(&template_spec, ARGV("--version"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(p.args.verb, TOOL_VERSION);
        parsed_done(&p);
        /* The first of them wins, whatever follows. */
        parse(&template_spec, ARGV("seal", "--help", "--no-such-option", "a", "b", "c", "d"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(p.args.verb, TOOL_HELP);
        parsed_done(&p);
        parse(&template_spec, ARGV("--version", "--help"), &p);
        CHECK_INT(p.args.verb, TOOL_VERSION);
        parsed_done(&p);
        /* ... and what comes before it counts. */
        expect_usage(&template_spec, ARGV("--no-such-option", "--help"), "unknown or incomplete option '--no-such-option'");
}

static void test_refused(void) {
        char bad_utf8[] = "caf\xe9";              /* Latin-1 */
        char overlong[] = "\xc0\xaf";             /* an overlong '/' */

        expect_usage(&template_spec, ARGV("--no-such-option"), "unknown or incomplete option '--no-such-option'");
        expect_usage(&template_spec, ARGV("-x"), "unknown or incomplete option '-x'");
        expect_usage(&template_spec, ARGV("--reason"), "unknown or incomplete option '--reason'");
        expect_usage(&template_spec, ARGV("--allow-missing-files=yes"), "unknown or incomplete option");
        expect_usage(&template_spec, ARGV("--config"), "unknown or incomplete option '--config'");
        expect_usage(&template_spec, ARGV("seal", "ke", "kenya_src", "extra"), "unexpected argument 'extra'");
        expect_usage(&bare_spec, ARGV("acme_ltd"), "unexpected argument 'acme_ltd'");
        expect_usage(&bare_spec, ARGV("--db-name", "acme_ltd"), "unknown or incomplete option '--db-name'");
        expect_usage(&template_spec, ARGV("--reason", "a", "--reason", "b"), "'reason' given twice");
        expect_usage(&template_spec, ARGV("--prune", "--prune"), "'prune' given twice");
        expect_usage(&suspend_spec, ARGV("--db-name", "a", "b"), "'db_name' given twice");
        expect_usage(&suspend_spec, ARGV("b", "--db-name", "a"), "'db_name' given twice");
        expect_usage(&template_spec, ARGV("--reason", bad_utf8), "option --reason: the value is not valid UTF-8");
        expect_usage(&template_spec, ARGV("--reason", overlong), "not valid UTF-8");
        expect_usage(&template_spec, ARGV("seal", bad_utf8), "is not valid UTF-8");
        /* A password is never echoed, and the way to give one is said. */
        {
                Parsed p;

                parse(&template_spec, ARGV("--admin-password=hunter2secret"), &p);
                CHECK_INT(p.status, EXIT_USAGE);
                CHECK(strstr(p.err, "unknown or incomplete option '--admin-password': a password is never taken") != NULL);
                CHECK(strstr(p.err, "\"admin_password\" in a --json request") != NULL);
                CHECK(strstr(p.err, "hunter2secret") == NULL);
                parsed_done(&p);
        }
        expect_usage(&template_spec, ARGV("--no-such=value"), "unknown or incomplete option '--no-such'\n");
        /* The message names the tool. */
        expect_usage(&suspend_spec, ARGV("a", "b"), "vumaerp-suspend: unexpected argument 'b'");
}

/* The same spec parsed again and again (getopt's state starts afresh each time). */
static void test_again(void) {
        Parsed p;

        for (int i = 0; i < 3; i++) {
                parse(&suspend_spec, ARGV("acme_ltd"), &p);
                CHECK_INT(p.status, EXIT_OK);
                CHECK_STR(field(&p, "db_name"), "acme_ltd");
                parsed_done(&p);
                expect_usage(&suspend_spec, ARGV("--db-name", "x", "y"), "given twice");
                /* Refused in the middle of a cluster of short options: nothing of it is left
                 * for the next parse. */
                expect_usage(&suspend_spec, ARGV("-xyz"), "unknown or incomplete option");
        }
        parse(&suspend_spec, ARGV("-h"), &p);
        CHECK_INT(p.status, EXIT_OK);
        CHECK_INT(p.args.verb, TOOL_HELP);
        parsed_done(&p);
}

int main(void) {
        test_nothing();
        test_positional();
        test_options();
        test_json();
        test_help_and_version();
        test_refused();
        test_again();
        return test_exit_status();
}
