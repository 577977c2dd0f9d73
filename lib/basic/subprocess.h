/* SPDX-License-Identifier: MIT */
/*
 * subprocess.h: the one way vumaerp runs a child: posix_spawn (no shell), the environment the
 * caller built, default signal dispositions and an empty mask whatever ours are. On top of it,
 * running an action binary as a child of vumaerp-api: the request on its stdin, its stdout
 * collected (bounded), and a deadline after which it and everything it started (its process
 * group) are killed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SUBPROCESS_MAX_OUTPUT (8U * 1024U * 1024U)

typedef struct SubprocessResult {
        bool exited;          /* exited normally: exit_status is valid */
        int exit_status;
        int term_signal;      /* killed by this signal (when !exited) */
        bool timed_out;       /* we killed it at the deadline */
        bool output_truncated;/* it wrote more than SUBPROCESS_MAX_OUTPUT */
        char *output;         /* NUL-terminated */
        size_t output_size;
} SubprocessResult;

/* Runs path with argv and envp (both NULL-terminated), writes input to its stdin and closes it,
 * collects stdout; its stderr is inherited (the journal). Kills the process group with SIGKILL
 * timeout_ms after the start. Returns 0 with *ret filled (free with subprocess_result_done()), or a
 * negative errno when it could not be started. */
int subprocess_run(const char *path, char *const argv[], char *const envp[],
              const char *input, size_t input_size, int timeout_ms, SubprocessResult *ret);

void subprocess_result_done(SubprocessResult *r);

/* How subprocess_spawn() sets up the child's standard streams and process group. */
typedef struct SubprocessIO {
        int stdin_fd;             /* made the child's stdin; -1: /dev/null */
        int stdout_fd;            /* made its stdout; -1: /dev/null */
        const char *stderr_path;  /* created (O_EXCL, 0600, no symlink) as its stderr; NULL: ours */
        bool own_group;           /* a process group of its own (else ours: our killer kills it) */
} SubprocessIO;

/* Starts path with argv and envp. Returns 0 with *ret_pid, or a negative errno. */
int subprocess_spawn(const char *path, char *const argv[], char *const envp[], const SubprocessIO *io, pid_t *ret_pid);

/* waitpid() through EINTR. Returns 0 with *ret_wstatus, or a negative errno. */
int subprocess_wait(pid_t pid, int *ret_wstatus);
