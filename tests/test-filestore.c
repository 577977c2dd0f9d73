/* SPDX-License-Identifier: MIT */
/* test-filestore: hard-linked copies of a filestore tree, what is refused (symlinks, an existing
 * target, bad names), cleanup after a failed copy, and removal that never follows a link out. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filestore.h"
#include "macro.h"
#include "tests.h"

static char dir[] = "/tmp/test-filestore.XXXXXX";

static const char *p(const char *rel) {
        static char buf[4][512];
        static int i;

        i = (i + 1) % 4;
        snprintf(buf[i], sizeof buf[i], "%s/%s", dir, rel);
        return buf[i];
}

static void put(const char *rel, const char *content) {
        FILE *f = fopen(p(rel), "we");

        CHECK(f != NULL);
        if (f) {
                fputs(content, f);
                fclose(f);
        }
}

static bool exists(const char *rel) {
        struct stat st;
        return lstat(p(rel), &st) == 0;
}

static ino_t inode(const char *rel) {
        struct stat st;
        return lstat(p(rel), &st) == 0 ? st.st_ino : 0;
}

static void test_copy(void) {
        _cleanup_free_ char *path = filestore_path(dir, "acme");

        CHECK_STR(path, p("filestore/acme"));

        CHECK_INT(mkdir(p("filestore"), 0750), 0);
        CHECK_INT(mkdir(p("filestore/tpl_ke"), 0750), 0);
        CHECK_INT(mkdir(p("filestore/tpl_ke/ab"), 0750), 0);
        CHECK_INT(mkdir(p("filestore/tpl_ke/cd"), 0750), 0);
        CHECK_INT(mkdir(p("filestore/tpl_ke/empty"), 0700), 0);
        put("filestore/tpl_ke/ab/abcdef0123", "one");
        put("filestore/tpl_ke/cd/cdef4567", "two");

        CHECK_INT(filestore_copy(dir, "tpl_ke", "acme_ltd", NULL), 0);
        CHECK(inode("filestore/acme_ltd/ab/abcdef0123") != 0);
        CHECK_INT(inode("filestore/acme_ltd/ab/abcdef0123"), inode("filestore/tpl_ke/ab/abcdef0123"));
        CHECK_INT(inode("filestore/acme_ltd/cd/cdef4567"), inode("filestore/tpl_ke/cd/cdef4567"));
        CHECK(exists("filestore/acme_ltd/empty"));
        CHECK(inode("filestore/acme_ltd/ab") != inode("filestore/tpl_ke/ab"));

        /* The target exists: refused, and what is there is left alone. */
        CHECK_INT(filestore_copy(dir, "tpl_ke", "acme_ltd", NULL), -EEXIST);
        CHECK(exists("filestore/acme_ltd/ab/abcdef0123"));

        /* No source: nothing to copy, nothing made. */
        CHECK_INT(filestore_copy(dir, "tpl_ng", "beta_co", NULL), 0);
        CHECK(!exists("filestore/beta_co"));

        /* Names that are not one db_name-shaped component. */
        CHECK_INT(filestore_copy(dir, "tpl_ke", "../escape", NULL), -EINVAL);
        CHECK_INT(filestore_copy(dir, "../tpl", "x_co", NULL), -EINVAL);
        CHECK_INT(filestore_copy(dir, "tpl_ke", "tpl_ke", NULL), -EINVAL);
        CHECK_INT(filestore_remove(dir, "a/b"), -EINVAL);
        CHECK(!exists("escape"));

        CHECK_INT(filestore_remove(dir, "acme_ltd"), 0);
        CHECK(!exists("filestore/acme_ltd"));
        /* The template's files are untouched by removing the copy. */
        CHECK(exists("filestore/tpl_ke/ab/abcdef0123"));
        CHECK_INT(filestore_remove(dir, "acme_ltd"), 0);
}

static void test_symlinks(void) {
        /* A symlink inside the template: the copy is refused and leaves nothing behind. */
        CHECK_INT(mkdir(p("outside"), 0755), 0);
        put("outside/secret", "secret");
        CHECK_INT(mkdir(p("filestore/tpl_bad"), 0750), 0);
        CHECK_INT(mkdir(p("filestore/tpl_bad/aa"), 0750), 0);
        put("filestore/tpl_bad/aa/file", "x");
        CHECK_INT(symlink(p("outside"), p("filestore/tpl_bad/zz")), 0);
        CHECK_INT(filestore_copy(dir, "tpl_bad", "gamma_co", NULL), -ELOOP);
        CHECK(!exists("filestore/gamma_co"));
        {
                /* The answer names what was refused (the library does not log it). */
                _cleanup_free_ char *error = NULL;

                CHECK_INT(filestore_copy(dir, "tpl_bad", "gamma_co", &error), -ELOOP);
                CHECK(error && strstr(error, "refusing to copy zz"));
                CHECK(!exists("filestore/gamma_co"));
        }

        /* The template directory itself a symlink: refused. */
        CHECK_INT(symlink(p("outside"), p("filestore/tpl_link")), 0);
        CHECK(filestore_copy(dir, "tpl_link", "delta_co", NULL) < 0);
        CHECK(!exists("filestore/delta_co"));

        /* Removing a tree with a symlink in it removes the link, not its target's contents. */
        CHECK_INT(mkdir(p("filestore/eps_co"), 0750), 0);
        CHECK_INT(symlink(p("outside"), p("filestore/eps_co/link")), 0);
        CHECK_INT(filestore_remove(dir, "eps_co"), 0);
        CHECK(!exists("filestore/eps_co"));
        CHECK(exists("outside/secret"));

        /* A tenant "directory" that is a symlink: the link goes, the target stays. */
        CHECK_INT(filestore_remove(dir, "tpl_link"), 0);
        CHECK(!exists("filestore/tpl_link"));
        CHECK(exists("outside/secret"));
}

/* What seal checks: each attachment's file, named as Odoo names it, inside the tree only. */
static void test_has_file(void) {
        _cleanup_close_ int fd = -1;

        CHECK_INT(filestore_open(dir, "no_such_db"), -ENOENT);
        CHECK_INT(filestore_open(dir, "../x"), -EINVAL);
        fd = filestore_open(dir, "tpl_ke");
        CHECK(fd >= 0);
        if (fd < 0)
                return;
        CHECK_INT(filestore_has_file(fd, "ab/abcdef0123"), 1);
        CHECK_INT(filestore_has_file(fd, "cd/cdef4567"), 1);
        CHECK_INT(filestore_has_file(fd, "ab/abcdef9999"), 0);
        CHECK_INT(filestore_has_file(fd, "zz/abcdef0123"), 0);
        /* ir.attachment._full_path(): dots removed, slashes stripped at both ends. */
        CHECK_INT(filestore_has_file(fd, "/ab/abc.def0123/"), 1);
        CHECK_INT(filestore_has_file(fd, "../tpl_ke/ab/abcdef0123"), 0);   /* "/tpl_ke/ab/…": not there */
        CHECK_INT(filestore_has_file(fd, "ab//abcdef0123"), 1);
        CHECK_INT(filestore_has_file(fd, ""), 0);
        CHECK_INT(filestore_has_file(fd, "..."), 0);
        CHECK_INT(filestore_has_file(fd, "ab"), 0);                       /* a directory is no file */
        CHECK_INT(filestore_has_file(fd, "ab/abcdef0123/x"), 0);
        /* Through a symlink, in or out of the tree: not a file of this filestore. */
        CHECK_INT(symlink(p("outside"), p("filestore/tpl_ke/ln")), 0);
        CHECK_INT(symlink(p("filestore/tpl_ke/ab/abcdef0123"), p("filestore/tpl_ke/cd/link")), 0);
        CHECK_INT(filestore_has_file(fd, "ln/secret"), 0);
        CHECK_INT(filestore_has_file(fd, "cd/link"), 0);
        CHECK_INT(unlink(p("filestore/tpl_ke/ln")), 0);
        CHECK_INT(unlink(p("filestore/tpl_ke/cd/link")), 0);
}

/* What status reports as the tenant's files: regular files only, never through a symlink. */
static void test_size(void) {
        int64_t n = -1;

        CHECK_INT(filestore_size(dir, "no_such_db", &n), 0);
        CHECK(n == 0);
        CHECK_INT(filestore_size(dir, "../x", &n), -EINVAL);
        CHECK_INT(mkdir(p("filestore/sized"), 0755), 0);
        CHECK_INT(mkdir(p("filestore/sized/ab"), 0755), 0);
        CHECK_INT(mkdir(p("filestore/sized/cd"), 0755), 0);
        put("filestore/sized/ab/one", "12345");
        put("filestore/sized/cd/two", "1234567890");
        CHECK_INT(symlink(p("outside"), p("filestore/sized/ln")), 0);
        CHECK_INT(symlink(p("filestore/sized/ab/one"), p("filestore/sized/cd/link")), 0);
        CHECK_INT(filestore_size(dir, "sized", &n), 0);
        CHECK(n == 15);
        CHECK_INT(filestore_remove(dir, "sized"), 0);
}

static void test_no_root(void) {
        char other[] = "/tmp/test-filestore-empty.XXXXXX";

        CHECK(mkdtemp(other) != NULL);
        /* No filestore/ at all: removal is a no-op, a copy from nothing is too. */
        CHECK_INT(filestore_remove(other, "acme_ltd"), 0);
        CHECK_INT(filestore_copy(other, "tpl_ke", "acme_ltd", NULL), 0);
        CHECK_INT(filestore_copy("/nonexistent/dir", "tpl_ke", "acme_ltd", NULL), -ENOENT);
        {
                char fs[600];
                snprintf(fs, sizeof fs, "%s/filestore", other);
                (void) rmdir(fs);
        }
        CHECK_INT(rmdir(other), 0);
}

int main(void) {
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        test_copy();
        test_symlinks();
        test_has_file();
        test_size();
        test_no_root();
        /* Clean up with the code under test, then what it must not have touched. */
        CHECK_INT(filestore_remove(dir, "tpl_ke"), 0);
        CHECK_INT(filestore_remove(dir, "tpl_bad"), 0);
        CHECK_INT(rmdir(p("filestore")), 0);
        (void) unlink(p("outside/secret"));
        (void) rmdir(p("outside"));
        CHECK_INT(rmdir(dir), 0);
        return test_exit_status();
}
