/* SPDX-License-Identifier: MIT */
/*
 * test-credential: where a credential's file is (absolute, or in $CREDENTIALS_DIRECTORY), the
 * limits, newline trimming, empty files, the messages, and what is left for the caller to wipe.
 * Files under a temporary directory.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credential.h"
#include "macro.h"
#include "tests.h"

static char tmpdir[] = "/tmp/test-credential.XXXXXX";

static char *path_of(const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
                exit(EXIT_FAILURE);
        return p;
}

static void write_file(const char *name, const char *data, size_t size) {
        _cleanup_free_ char *p = path_of(name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, data, size) != (ssize_t) size)
                exit(EXIT_FAILURE);
}

static void test_path(void) {
        char *p = NULL;

        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
        CHECK_INT(credential_path("/etc/vumaerp/pg", &p), 0);
        CHECK_STR(p, "/etc/vumaerp/pg");
        free(p);
        p = NULL;
        CHECK_INT(credential_path("pg", &p), -ENOKEY);
        CHECK(!p);
        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
        CHECK_INT(credential_path("pg", &p), -ENOKEY);
        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x.service", 1), 0);
        CHECK_INT(credential_path("pg", &p), 0);
        CHECK_STR(p, "/run/credentials/x.service/pg");
        free(p);
        /* An absolute name is not looked up there. */
        CHECK_INT(credential_path("/abs", &p), 0);
        CHECK_STR(p, "/abs");
        free(p);
        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
}

static void test_absolute(void) {
        _cleanup_free_ char *path = path_of("secret");
        char *s = NULL, *error = NULL;
        size_t len = 99;

        write_file("secret", "s3cret pass\r\n\n", 14);
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_TRIM_NEWLINES, &s, &len, &error), 0);
        CHECK_STR(s, "s3cret pass");
        CHECK_INT(len, 11);
        /* What was trimmed is zeroed: credential_free(s, len) wipes every byte that was read. */
        for (size_t i = len; s && i < 14; i++)
                CHECK_INT(s[i], 0);
        CHECK(!error);
        credential_free(s, len);
        s = NULL;

        /* Without the flag the file is kept as it is, newlines and all. */
        CHECK_INT(credential_read("test", path, 1024, 0, &s, &len, NULL), 0);
        CHECK_INT(len, 14);
        CHECK(s && memcmp(s, "s3cret pass\r\n\n", 15) == 0);
        credential_free(s, len);
        s = NULL;
        /* Only trailing newlines go; inner ones are the secret's. */
        write_file("secret", "two\nlines\n", 10);
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_TRIM_NEWLINES, &s, NULL, NULL), 0);
        CHECK_STR(s, "two\nlines");
        credential_free(s, strlen("two\nlines"));
        s = NULL;
        /* Leading and inner blanks are the secret's. */
        write_file("secret", " a b \n", 6);
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_TRIM_NEWLINES, &s, &len, NULL), 0);
        CHECK_STR(s, " a b ");
        CHECK_INT(len, 5);
        credential_free(s, len);
        credential_free(NULL, 10);
}

static void test_relative(void) {
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        char *s = NULL, *error = NULL;
        size_t len = 0;

        write_file("pg-password", "from the directory\n", 19);

        /* Without $CREDENTIALS_DIRECTORY (unset or empty) a relative name cannot be found. */
        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
        CHECK_INT(credential_read("postgres password", "pg-password", 1024, CREDENTIAL_TRIM_NEWLINES, &s, &len, &error),
                  -ENOKEY);
        CHECK_STR(error, "postgres password file \"pg-password\" is relative, but $CREDENTIALS_DIRECTORY is not set");
        CHECK(!s);
        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", "", 1), 0);
        /* A message already there is replaced, not leaked (ASan). */
        CHECK_INT(credential_read("postgres password", "pg-password", 1024, 0, &s, &len, &error), -ENOKEY);
        CHECK(error && strstr(error, "$CREDENTIALS_DIRECTORY is not set"));
        free(error);
        error = NULL;
        /* No message asked for: the errno alone. */
        CHECK_INT(credential_read(NULL, "pg-password", 1024, 0, &s, &len, NULL), -ENOKEY);

        /* Relative to a working directory that holds it: still not there, only in the directory. */
        CHECK_INT(chdir(tmpdir), 0);
        CHECK_INT(credential_read(NULL, "pg-password", 1024, 0, &s, &len, NULL), -ENOKEY);

        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", tmpdir, 1), 0);
        CHECK_INT(credential_read("postgres password", "pg-password", 1024, CREDENTIAL_TRIM_NEWLINES, &s, &len, &error), 0);
        CHECK_STR(s, "from the directory");
        CHECK_INT(len, 18);
        CHECK(!error);
        credential_free(s, len);
        s = NULL;

        /* credential_read_file() takes a path as given: relative to the working directory, even
         * with $CREDENTIALS_DIRECTORY set elsewhere. */
        CHECK_INT(setenv("CREDENTIALS_DIRECTORY", "/nonexistent", 1), 0);
        CHECK_INT(credential_read_file("pg-password", 1024, 0, &s, &len), 0);
        CHECK_STR(s, "from the directory\n");
        credential_free(s, len);
        s = NULL;
        CHECK_INT(credential_read(NULL, "pg-password", 1024, 0, &s, &len, NULL), -ENOENT);
        CHECK(!s);

        if (cwd)
                CHECK_INT(chdir(cwd), 0);
        CHECK_INT(unsetenv("CREDENTIALS_DIRECTORY"), 0);
}

static void test_limits(void) {
        _cleanup_free_ char *path = path_of("big"), *msg = NULL;
        char buf[65], *s = NULL, *error = NULL;
        size_t len = 0;

        /* Exactly max bytes: read. One more: refused, and nothing handed out. */
        memset(buf, 'x', 64);
        write_file("big", buf, 64);
        CHECK_INT(credential_read("test", path, 64, 0, &s, &len, &error), 0);
        CHECK_INT(len, 64);
        credential_free(s, len);
        s = NULL;
        /* A newline counts against the limit before it is trimmed. */
        buf[64] = '\n';
        write_file("big", buf, 65);
        CHECK_INT(credential_read("test", path, 64, CREDENTIAL_TRIM_NEWLINES, &s, &len, &error), -EFBIG);
        CHECK(!s);
        if (asprintf(&msg, "cannot read test file %s: longer than 64 bytes", path) < 0)
                exit(EXIT_FAILURE);
        CHECK_STR(error, msg);
        free(error);
        error = NULL;
        CHECK_INT(credential_read_file(path, 64, 0, &s, &len), -EFBIG);
        CHECK(!s);
}

static void test_unreadable(void) {
        _cleanup_free_ char *missing = path_of("missing"), *fifo = path_of("fifo"), *msg = NULL;
        char *s = NULL, *error = NULL;
        size_t len = 0;

        CHECK_INT(credential_read("odoo master password", missing, 1024, 0, &s, &len, &error), -ENOENT);
        if (asprintf(&msg, "cannot read odoo master password file %s: %s", missing, strerror(ENOENT)) < 0)
                exit(EXIT_FAILURE);
        CHECK_STR(error, msg);
        free(error);
        error = NULL;
        CHECK_INT(credential_read_file(missing, 1024, 0, &s, &len), -ENOENT);

        CHECK_INT(credential_read("test", tmpdir, 1024, 0, &s, &len, &error), -EISDIR);
        free(error);
        error = NULL;

        CHECK_INT(mkfifo(fifo, 0600), 0);
        CHECK_INT(credential_read("test", fifo, 1024, 0, &s, &len, &error), -EBADF);
        CHECK(error && strstr(error, "not a regular file"));
        free(error);
        error = NULL;
        (void) unlink(fifo);
        CHECK(!s);
}

static void test_empty(void) {
        _cleanup_free_ char *path = path_of("empty"), *msg = NULL;
        char *s = NULL, *error = NULL;
        size_t len = 99;

        /* Empty, or nothing but newlines: a secret of nothing, unless that is refused. */
        write_file("empty", "\r\n\n", 3);
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_TRIM_NEWLINES, &s, &len, &error), 0);
        CHECK_STR(s, "");
        CHECK_INT(len, 0);
        credential_free(s, len);
        s = NULL;
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_TRIM_NEWLINES | CREDENTIAL_NOT_EMPTY, &s, &len, &error),
                  -ENODATA);
        CHECK(!s);
        if (asprintf(&msg, "test file %s is empty", path) < 0)
                exit(EXIT_FAILURE);
        CHECK_STR(error, msg);
        free(error);
        error = NULL;
        /* Not trimmed, newlines are something. */
        CHECK_INT(credential_read("test", path, 1024, CREDENTIAL_NOT_EMPTY, &s, &len, NULL), 0);
        CHECK_INT(len, 3);
        credential_free(s, len);
        s = NULL;
        write_file("empty", "", 0);
        CHECK_INT(credential_read_file(path, 1024, CREDENTIAL_NOT_EMPTY, &s, &len), -ENODATA);
        CHECK(!s);
}

int main(void) {
        if (!mkdtemp(tmpdir))
                return EXIT_FAILURE;

        test_path();
        test_absolute();
        test_relative();
        test_limits();
        test_unreadable();
        test_empty();

        static const char *const files[] = { "secret", "pg-password", "big", "empty" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = path_of(files[i]);
                (void) unlink(p);
        }
        (void) rmdir(tmpdir);
        return test_exit_status();
}
