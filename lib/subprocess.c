/* SPDX-License-Identifier: MIT */
/*
 * subprocess.c: running an action as a child with a deadline. posix_spawn (no shell), the child in a
 * process group of its own so that the deadline kills whatever it started too (pg_dump, say), stdin
 * fed and stdout drained in one poll loop so neither side can block the other.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include "subprocess.h"
#include "macro.h"

static int64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void subprocess_result_done(SubprocessResult *r) {
        if (!r)
                return;
        free(r->output);
        r->output = NULL;
        r->output_size = 0;
}

static int append_output(SubprocessResult *r, size_t *allocated, const char *buf, size_t n) {
        if (r->output_size + n > SUBPROCESS_MAX_OUTPUT) {
                r->output_truncated = true;
                n = SUBPROCESS_MAX_OUTPUT - r->output_size;
        }
        if (r->output_size + n + 1 > *allocated) {
                size_t want = *allocated ? *allocated * 2 : 16384;
                while (want < r->output_size + n + 1)
                        want *= 2;
                char *p = realloc(r->output, want);
                if (!p)
                        return -ENOMEM;
                r->output = p;
                *allocated = want;
        }
        memcpy(r->output + r->output_size, buf, n);
        r->output_size += n;
        r->output[r->output_size] = '\0';
        return 0;
}

int subprocess_run(const char *path, char *const argv[], char *const envp[],
              const char *input, size_t input_size, int timeout_ms, SubprocessResult *ret) {
        _cleanup_close_ int in_w = -1, out_r = -1;
        int in_pipe[2], out_pipe[2], r;
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t default_signals, no_signals;
        size_t written = 0, allocated = 0;
        int64_t deadline;
        pid_t pid;
        SubprocessResult res = {};

        if (pipe2(in_pipe, O_CLOEXEC) < 0)
                return negative_errno();
        if (pipe2(out_pipe, O_CLOEXEC) < 0) {
                r = negative_errno();
                close(in_pipe[0]);
                close(in_pipe[1]);
                return r;
        }
        in_w = in_pipe[1];
        out_r = out_pipe[0];

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, in_pipe[0], STDIN_FILENO);
        posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);

        /* A fresh process group (so the deadline reaches grandchildren), default dispositions and
         * an empty mask whatever the parent set (we ignore SIGPIPE; the child must not inherit that). */
        posix_spawnattr_init(&attr);
        sigfillset(&default_signals);
        sigemptyset(&no_signals);
        posix_spawnattr_setsigdefault(&attr, &default_signals);
        posix_spawnattr_setsigmask(&attr, &no_signals);
        posix_spawnattr_setpgroup(&attr, 0);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

        r = posix_spawn(&pid, path, &fa, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        close(in_pipe[0]);
        close(out_pipe[1]);
        if (r != 0)
                return -r;

        (void) fcntl(in_w, F_SETFL, O_NONBLOCK);
        (void) fcntl(out_r, F_SETFL, O_NONBLOCK);
        if (input_size == 0)
                in_w = (close(in_w), -1);

        deadline = now_ms() + timeout_ms;
        while (out_r >= 0) {
                struct pollfd p[2];
                int n = 0, left = (int) (deadline - now_ms());

                if (left <= 0) {
                        res.timed_out = true;
                        break;
                }
                p[n++] = (struct pollfd) { .fd = out_r, .events = POLLIN };
                if (in_w >= 0)
                        p[n++] = (struct pollfd) { .fd = in_w, .events = POLLOUT };
                r = poll(p, n, left);
                if (r < 0 && errno != EINTR) {
                        r = negative_errno();
                        goto kill_child;
                }
                if (r <= 0)
                        continue;

                if (n > 1 && p[1].revents) {
                        ssize_t k = write(in_w, input + written, input_size - written);
                        if (k > 0)
                                written += (size_t) k;
                        /* EPIPE: the child does not want (the rest of) its input; that is its call. */
                        if ((k < 0 && errno != EAGAIN && errno != EINTR) || written == input_size)
                                in_w = (close(in_w), -1);
                }
                if (p[0].revents) {
                        char buf[16384];
                        ssize_t k = read(out_r, buf, sizeof(buf));
                        if (k > 0) {
                                if (!res.output_truncated && append_output(&res, &allocated, buf, (size_t) k) < 0) {
                                        r = -ENOMEM;
                                        goto kill_child;
                                }
                        } else if (k == 0 || (errno != EAGAIN && errno != EINTR))
                                out_r = (close(out_r), -1);
                }
        }

        if (res.timed_out)
                (void) kill(-pid, SIGKILL);

        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, 0);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        subprocess_result_done(&res);
                        return negative_errno();
                }
                if (WIFEXITED(status)) {
                        res.exited = true;
                        res.exit_status = WEXITSTATUS(status);
                } else if (WIFSIGNALED(status))
                        res.term_signal = WTERMSIG(status);
                break;
        }
        /* Whatever the child left running in its group goes with it: an action's helpers must not
         * outlive the request that started them. */
        (void) kill(-pid, SIGKILL);

        if (!res.output) {
                /* Nothing was written: callers still get a string. */
                res.output = strdup("");
                if (!res.output)
                        return -ENOMEM;
        }
        *ret = res;
        return 0;

kill_child:
        (void) kill(-pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        subprocess_result_done(&res);
        return r;
}
