/* SPDX-License-Identifier: MIT */
/*
 * bench/peakrss.c INPUT COMMAND [ARGS...]: runs COMMAND with INPUT on stdin (output discarded)
 * and prints {"maxrss_kib": N, "exit": S}: the peak resident memory of COMMAND's process. A
 * small C parent, because the kernel counts the pages a child inherited before exec into its
 * peak: measured from Python, every child "peaks" at Python's own ~14 MiB. Not part of the
 * product; bench/run builds and uses it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct rusage ru;
        int status;
        pid_t pid;

        if (argc < 3) {
                fprintf(stderr, "usage: peakrss INPUT COMMAND [ARGS...]\n");
                return 64;
        }
        pid = fork();
        if (pid < 0)
                return 71;
        if (pid == 0) {
                int in = open(argv[1], O_RDONLY), null = open("/dev/null", O_WRONLY);
                if (in < 0 || null < 0 || dup2(in, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(127);
                execv(argv[2], argv + 2);
                _exit(127);
        }
        if (wait4(pid, &status, 0, &ru) < 0)
                return 71;
        printf("{\"maxrss_kib\": %ld, \"exit\": %d}\n", ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}
