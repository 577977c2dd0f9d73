/* SPDX-License-Identifier: MIT */
/* test-fileio: whole small files, bounded; what is refused and why; a file's sha256 against
 * sha256sum's. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

static void write_file(const char *path, const void *data, size_t n) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK_INT(write(fd, data, n), (long long) n);
        close(fd);
}

static void test_sha256(void) {
        char tmp[] = "/tmp/test-fileio-sha.XXXXXX", hex[65];
        _cleanup_free_ char *empty = NULL, *abc = NULL, *big = NULL;
        _cleanup_free_ char *buf = malloc(200000);
        int64_t size = -1;

        CHECK(mkdtemp(tmp) != NULL);
        CHECK(asprintf(&empty, "%s/empty", tmp) > 0);
        CHECK(asprintf(&abc, "%s/abc", tmp) > 0);
        CHECK(asprintf(&big, "%s/big", tmp) > 0);
        write_file(empty, "", 0);
        write_file(abc, "abc", 3);
        /* Larger than one read, so the chunks must be hashed in order. */
        for (size_t i = 0; i < 200000; i++)
                buf[i] = (char) ('a' + i % 26);
        write_file(big, buf, 200000);

        CHECK_INT(file_sha256(empty, hex, &size), 0);
        CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK_INT(size, 0);
        CHECK_INT(file_sha256(abc, hex, &size), 0);
        CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK_INT(size, 3);
        CHECK_INT(file_sha256(big, hex, &size), 0);
        CHECK_INT(size, 200000);
        {
                /* The same bytes hashed by sha256sum, an independent implementation. */
                _cleanup_free_ char *cmd = NULL;
                char want[80] = "";
                FILE *p;

                CHECK(asprintf(&cmd, "sha256sum %s", big) > 0);
                p = popen(cmd, "r");
                if (p) {
                        CHECK(fgets(want, sizeof want, p) != NULL);
                        pclose(p);
                        want[64] = '\0';
                        CHECK_STR(hex, want);
                }
        }
        /* One byte changed changes the hash. */
        buf[100000] ^= 1;
        {
                char other[65];
                write_file(big, buf, 200000);
                CHECK_INT(file_sha256(big, other, NULL), 0);
                CHECK(!streq(other, hex));
        }
        CHECK_INT(file_sha256("/nonexistent/x", hex, NULL), -ENOENT);

        unlink(empty);
        unlink(abc);
        unlink(big);
        rmdir(tmp);
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
        test_sha256();
        unlink(path_of("empty"));
        unlink(path_of("ten"));
        unlink(path_of("eleven"));
        unlink(path_of("fifo"));
        rmdir(dir);
        return test_exit_status();
}
