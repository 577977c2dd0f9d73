/* SPDX-License-Identifier: MIT */
/* test-fileio: whole small files, bounded; what is refused and why. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"
#include "tests.h"

static char dir[] = "/tmp/test-fileio.XXXXXX";

static const char *path_of(const char *name) {
        static char p[256];
        snprintf(p, sizeof p, "%s/%s", dir, name);
        return p;
}

static void write_n(const char *name, size_t n) {
        FILE *f = fopen(path_of(name), "we");
        for (size_t i = 0; f && i < n; i++)
                fputc('a' + (int) (i % 26), f);
        if (f)
                fclose(f);
}

static void test_sizes(void) {
        char *buf = NULL;
        size_t size = 99;

        write_n("empty", 0);
        CHECK_INT(read_file_bounded(path_of("empty"), 10, false, &buf, &size), 0);
        CHECK_INT(size, 0);
        CHECK_STR(buf, "");
        free(buf);

        write_n("ten", 10);
        CHECK_INT(read_file_bounded(path_of("ten"), 10, true, &buf, &size), 0);
        CHECK_INT(size, 10);
        CHECK_STR(buf, "abcdefghij");
        wipe_free(buf, size + 1);

        buf = NULL;
        write_n("eleven", 11);
        CHECK_INT(read_file_bounded(path_of("eleven"), 10, false, &buf, &size), -EFBIG);
        CHECK(buf == NULL);
}

static void test_refused(void) {
        char *buf = NULL;
        size_t size = 0;

        CHECK_INT(read_file_bounded(path_of("missing"), 10, false, &buf, &size), -ENOENT);
        CHECK_INT(read_file_bounded(dir, 10, false, &buf, &size), -EISDIR);
        /* A FIFO with no writer would block a plain open() forever. */
        CHECK_INT(mkfifo(path_of("fifo"), 0600), 0);
        CHECK_INT(read_file_bounded(path_of("fifo"), 10, false, &buf, &size), -EBADF);
        CHECK_INT(read_file_bounded("/dev/null", 10, false, &buf, &size), -EBADF);
        CHECK(buf == NULL);
        wipe_free(NULL, 10);
}

int main(void) {
        CHECK(mkdtemp(dir) != NULL);
        test_sizes();
        test_refused();
        unlink(path_of("empty"));
        unlink(path_of("ten"));
        unlink(path_of("eleven"));
        unlink(path_of("fifo"));
        rmdir(dir);
        return test_exit_status();
}
