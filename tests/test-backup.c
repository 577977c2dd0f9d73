/* SPDX-License-Identifier: MIT */
/* test-backup: the parts of backup.c that need no PostgreSQL: file names, the sha256sum-format
 * lines, the .pgpass escaping, the
 * filestore tar's name beside a dump and the JSON answer for a backup. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "backup-tool.h"
#include "backup.h"
#include "macro.h"
#include "tests.h"

static void test_file_name(void) {
        _cleanup_free_ char *a = backup_file_name("acme_ltd", 1715065689, 1);  /* 2024-05-07T07:08:09Z */
        _cleanup_free_ char *b = backup_file_name("acme_ltd", 1715065689, 2);
        _cleanup_free_ char *c = backup_file_name("x1", 0, 1);
        _cleanup_free_ char *d = backup_file_name("acme_ltd", 1715065689, 0);

        CHECK_STR(a, "acme_ltd-20240507T070809Z.dump");
        CHECK_STR(b, "acme_ltd-20240507T070809Z-2.dump");
        CHECK_STR(c, "x1-19700101T000000Z.dump");
        CHECK_STR(d, a);
        /* The tenant is everything before the first '-': a db_name never holds one. */
        CHECK(a && strchr(a, '-') - a == (long) strlen("acme_ltd"));
}

static void test_filestore_tar_path(void) {
        _cleanup_free_ char *a = backup_filestore_tar_path("/srv/backups/acme_ltd/acme_ltd-20240507T070809Z.dump");
        _cleanup_free_ char *b = backup_filestore_tar_path("/srv/backups/acme_ltd/acme_ltd-20240507T070809Z-2.dump");
        _cleanup_free_ char *c = backup_filestore_tar_path("x.dump");
        _cleanup_free_ char *tar_of_fname = NULL;
        _cleanup_free_ char *name = backup_file_name("acme_ltd", 1715065689, 3);

        CHECK_STR(a, "/srv/backups/acme_ltd/acme_ltd-20240507T070809Z.filestore.tar");
        CHECK_STR(b, "/srv/backups/acme_ltd/acme_ltd-20240507T070809Z-2.filestore.tar");
        CHECK_STR(c, "x.filestore.tar");
        /* Every name backup_file_name makes has one. */
        tar_of_fname = name ? backup_filestore_tar_path(name) : NULL;
        CHECK_STR(tar_of_fname, "acme_ltd-20240507T070809Z-3.filestore.tar");
        /* Not a dump's name: none (not a guess that could name the dump itself). */
        errno = 0;
        CHECK(backup_filestore_tar_path("/srv/backups/acme_ltd/acme.sql") == NULL);
        CHECK_INT(errno, EINVAL);
        CHECK(backup_filestore_tar_path(".dump") == NULL);
        CHECK(backup_filestore_tar_path("/srv/.dump") == NULL);
        CHECK(backup_filestore_tar_path("/srv/x.dump.sha256") == NULL);
        CHECK(backup_filestore_tar_path("") == NULL);
}

static void test_info_json(void) {
        BackupInfo b = {
                .path = (char *) "/b/acme-20240507T070809Z.dump", .size_bytes = 1234,
                .sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        };
        json_t *j, *n;
        _cleanup_free_ char *s1 = NULL, *s2 = NULL;

        j = backup_info_json(&b);
        s1 = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        CHECK_STR(s1, "{\"filestore\":null,\"path\":\"/b/acme-20240507T070809Z.dump\",\"sha256\":"
                      "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\",\"size_bytes\":1234}");
        json_decref(j);

        b.filestore_path = (char *) "/b/acme-20240507T070809Z.filestore.tar";
        b.filestore_size_bytes = 10240;
        memcpy(b.filestore_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 65);
        j = backup_info_json(&b);
        s2 = j ? json_dumps(json_object_get(j, "filestore"), JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        CHECK_STR(s2, "{\"path\":\"/b/acme-20240507T070809Z.filestore.tar\",\"sha256\":"
                      "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"size_bytes\":10240}");
        json_decref(j);

        n = backup_info_json(NULL);
        CHECK(json_is_null(n));
        json_decref(n);
        b.path = NULL;
        n = backup_info_json(&b);
        CHECK(json_is_null(n));
        json_decref(n);
}


static void test_sha256_lines(void) {
        const char *h = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        const char *h2 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        _cleanup_free_ char *line = backup_sha256_line(h, "/srv/backups/acme/acme-20240507T070809Z.dump");
        _cleanup_free_ char *two = NULL;
        char out[65];

        CHECK_STR(line, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  acme-20240507T070809Z.dump\n");
        CHECK_INT(backup_sha256_parse(line, "/elsewhere/acme-20240507T070809Z.dump", out), 0);
        CHECK_STR(out, h);
        /* A single line naming another file still gives its hash (a renamed copy). */
        CHECK_INT(backup_sha256_parse(line, "/x/renamed.dump", out), 0);
        CHECK_STR(out, h);
        /* Several lines: the one naming the file; binary-mode '*'; upper case; CRLF. */
        CHECK(asprintf(&two, "%s  other.dump\r\nBA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD *mine.dump\r\n", h2) > 0);
        CHECK_INT(backup_sha256_parse(two, "/a/mine.dump", out), 0);
        CHECK_STR(out, h);
        CHECK_INT(backup_sha256_parse(two, "/a/other.dump", out), 0);
        CHECK_STR(out, h2);
        CHECK_INT(backup_sha256_parse(two, "/a/neither.dump", out), -EBADMSG);
        /* Not a hash. */
        CHECK_INT(backup_sha256_parse("", "/a/x.dump", out), -EBADMSG);
        CHECK_INT(backup_sha256_parse("xyz  x.dump\n", "/a/x.dump", out), -EBADMSG);
        CHECK_INT(backup_sha256_parse("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a  x.dump\n", "/a/x.dump", out), -EBADMSG);
        CHECK_INT(backup_sha256_parse("ga7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  x.dump\n", "/a/x.dump", out), -EBADMSG);
}

static void test_pgpass(void) {
        _cleanup_free_ char *a = backup_pgpass_line("secret");
        _cleanup_free_ char *b = backup_pgpass_line("a:b\\c::");
        _cleanup_free_ char *c = backup_pgpass_line("");

        CHECK_STR(a, "*:*:*:*:secret\n");
        CHECK_STR(b, "*:*:*:*:a\\:b\\\\c\\:\\:\n");
        CHECK_STR(c, "*:*:*:*:\n");
}

int main(void) {
        test_file_name();
        test_filestore_tar_path();
        test_info_json();
        test_sha256_lines();
        test_pgpass();
        return test_exit_status();
}
