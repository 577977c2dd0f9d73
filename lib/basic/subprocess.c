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

int subprocess_spawn(const char *path, char *const argv[], char *const envp[], const SubprocessIO *io, pid_t *ret_pid) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t default_signals, no_signals;
        short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
        int r;

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return -r;
        r = io->stdin_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, io->stdin_fd, STDIN_FILENO)
                              : posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        if (r == 0)
                r = io->stdout_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, io->stdout_fd, STDOUT_FILENO)
                                       : posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        if (r == 0 && io->stderr_path)
                r = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, io->stderr_path,
                                                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }

        /* Default dispositions and an empty mask whatever the parent set (vumaerp-api ignores
         * SIGPIPE; a child must not inherit that). A fresh process group when asked, so that a
         * deadline reaches grandchildren. */
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -r;
        }
        sigfillset(&default_signals);
        sigemptyset(&no_signals);
        (void) posix_spawnattr_setsigdefault(&attr, &default_signals);
        (void) posix_spawnattr_setsigmask(&attr, &no_signals);
        if (io->own_group) {
                (void) posix_spawnattr_setpgroup(&attr, 0);
                flags |= POSIX_SPAWN_SETPGROUP;
        }
        (void) posix_spawnattr_setflags(&attr, flags);

        r = posix_spawn(ret_pid, path, &fa, &attr, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        return -r;
}

int subprocess_wait(pid_t pid, int *ret_wstatus) {
        while (waitpid(pid, ret_wstatus, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        return 0;
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

        r = subprocess_spawn(path, argv, envp,
                             &(SubprocessIO) { .stdin_fd = in_pipe[0], .stdout_fd = out_pipe[1], .own_group = true }, &pid);
        close(in_pipe[0]);
        close(out_pipe[1]);
        if (r < 0)
                return r;

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

        {
                int status;

                r = subprocess_wait(pid, &status);
                if (r < 0) {
                        subprocess_result_done(&res);
                        return r;
                }
                if (WIFEXITED(status)) {
                        res.exited = true;
                        res.exit_status = WEXITSTATUS(status);
                } else if (WIFSIGNALED(status))
                        res.term_signal = WTERMSIG(status);
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
        (void) subprocess_wait(pid, &(int) { 0 });
        subprocess_result_done(&res);
        return r;
}
