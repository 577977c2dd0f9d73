/* SPDX-License-Identifier: MIT */
/* test-subprocess: running a child with input, output, exit status, signals and a deadline. */
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "macro.h"
#include "subprocess.h"
#include "tests.h"

static char *const no_env[] = { (char *) "PATH=/usr/bin:/bin", NULL };

static int run_sh(const char *script, const char *input, int timeout_ms, SubprocessResult *res) {
        char *argv[] = { (char *) "/bin/sh", (char *) "-c", (char *) script, NULL };
        return subprocess_run("/bin/sh", argv, no_env, input, input ? strlen(input) : 0, timeout_ms, res);
}

static void test_echo(void) {
        SubprocessResult res = {};

        CHECK_INT(run_sh("cat; exit 3", "{\"db_name\":\"x\"}", 10000, &res), 0);
        CHECK(res.exited);
        CHECK_INT(res.exit_status, 3);
        CHECK(!res.timed_out);
        CHECK_STR(res.output, "{\"db_name\":\"x\"}");
        subprocess_result_done(&res);
}

static void test_big_io(void) {
        /* More than a pipe buffer each way at once: a loop that wrote all input before reading
         * any output would deadlock here. */
        size_t n = 1024 * 1024;
        char *input = malloc(n + 1);
        SubprocessResult res = {};

        memset(input, 'x', n);
        input[n] = '\0';
        CHECK_INT(run_sh("cat", input, 20000, &res), 0);
        CHECK_INT(res.output_size, n);
        CHECK(res.exited && res.exit_status == 0);
        subprocess_result_done(&res);
        free(input);
}

static void test_signal(void) {
        SubprocessResult res = {};

        CHECK_INT(run_sh("kill -SEGV $$", NULL, 10000, &res), 0);
        CHECK(!res.exited);
        CHECK_INT(res.term_signal, SIGSEGV);
        subprocess_result_done(&res);
}

static void test_deadline_kills_group(void) {
        char dir[] = "/tmp/test-subprocess.XXXXXX", script[256], pidfile[128];
        SubprocessResult res = {};
        struct timespec t0, t1;
        FILE *f;
        int grandchild = 0;

        CHECK(mkdtemp(dir) != NULL);
        snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
        /* The child starts a grandchild that would outlive it, then blocks. */
        snprintf(script, sizeof(script), "sleep 60 & echo $! > %s; sleep 60", pidfile);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK_INT(run_sh(script, NULL, 500, &res), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        CHECK(res.timed_out);
        CHECK(!res.exited);
        CHECK_INT(res.term_signal, SIGKILL);
        CHECK(t1.tv_sec - t0.tv_sec < 30);
        subprocess_result_done(&res);

        f = fopen(pidfile, "re");
        CHECK(f != NULL);
        if (f) {
                CHECK(fscanf(f, "%d", &grandchild) == 1);
                fclose(f);
        }
        if (grandchild > 0) {
                /* The grandchild was in the same process group: it must be gone (or a zombie
                 * about to be reaped by init). Give the kernel a moment. */
                char path[64], state = '?';
                for (int i = 0; i < 100; i++) {
                        snprintf(path, sizeof(path), "/proc/%d/stat", grandchild);
                        f = fopen(path, "re");
                        if (!f)
                                break;
                        state = '?';
                        CHECK(fscanf(f, "%*d %*s %c", &state) == 1);
                        fclose(f);
                        if (state == 'Z')
                                break;
                        usleep(10000);
                }
                CHECK(!f || state == 'Z');
        }
        unlink(pidfile);
        rmdir(dir);
}

static void test_missing_program(void) {
        char *argv[] = { (char *) "/nonexistent/vumaerp-x", NULL };
        SubprocessResult res = {};
        int r = subprocess_run(argv[0], argv, no_env, NULL, 0, 1000, &res);

        /* glibc's posix_spawn reports exec failure as the child's exit status 127 or as an error. */
        CHECK(r < 0 || (res.exited && res.exit_status == 127));
        subprocess_result_done(&res);
}

static void test_env_is_clean(void) {
        SubprocessResult res = {};

        setenv("VUMAERP_SECRET_SHOULD_NOT_LEAK", "x", 1);
        CHECK_INT(run_sh("env", NULL, 10000, &res), 0);
        CHECK(strstr(res.output, "VUMAERP_SECRET_SHOULD_NOT_LEAK") == NULL);
        CHECK(strstr(res.output, "PATH=/usr/bin:/bin") != NULL);
        subprocess_result_done(&res);
}

int main(void) {
        signal(SIGPIPE, SIG_IGN);
        test_echo();
        test_big_io();
        test_signal();
        test_deadline_kills_group();
        test_missing_program();
        test_env_is_clean();
        return test_exit_status();
}
