/* SPDX-License-Identifier: MIT */
/*
 * test-s3.c: s3.c's pure parts: which keys go out, the credentials file, S3's XML answers, the
 * part size, the ETag S3 gives a multipart upload, the escaping of query values. (The requests
 * themselves: tests/integration-offsite.sh, against a server that checks their signatures.)
 */
#include <openssl/evp.h>

#include "fileio.h"
#include "macro.h"
#include "s3.h"
#include "tests.h"

static void test_keys(void) {
        CHECK(s3_key_is_valid("vumaerp/acme_ltd/acme_ltd-20261205T160534Z.dump"));
        CHECK(s3_key_is_valid("a"));
        CHECK(s3_key_is_valid("A-b_c.d/e"));
        CHECK(!s3_key_is_valid(""));
        CHECK(!s3_key_is_valid(NULL));
        CHECK(!s3_key_is_valid("/abs"));
        CHECK(!s3_key_is_valid("a//b"));
        CHECK(!s3_key_is_valid("a/../b"));
        CHECK(!s3_key_is_valid("../b"));
        CHECK(!s3_key_is_valid("a/."));
        CHECK(!s3_key_is_valid("a/b c"));
        CHECK(!s3_key_is_valid("a?b"));
        CHECK(!s3_key_is_valid("a%2Fb"));
        CHECK(!s3_key_is_valid("caf\xc3\xa9"));
        {
                char big[S3_KEY_MAX + 2];

                memset(big, 'a', sizeof big - 1);
                big[sizeof big - 1] = '\0';
                CHECK(!s3_key_is_valid(big));
                big[S3_KEY_MAX] = '\0';
                CHECK(s3_key_is_valid(big));
        }
}

static void expect_credentials(const char *text, const char *key_id, const char *secret, const char *error) {
        _cleanup_free_ char *k = NULL, *why = NULL;
        char *s = NULL;
        int r = s3_credentials_parse(text, &k, &s, &why);

        if (key_id) {
                CHECK_INT(r, 0);
                CHECK_STR(k, key_id);
                CHECK_STR(s, secret);
        } else {
                CHECK_INT(r, -EINVAL);
                CHECK_STR(why, error);
                CHECK(!k && !s);
        }
        if (s)
                wipe_free(s, strlen(s));
}

static void test_credentials(void) {
        expect_credentials("aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = wJal/rXUtn+FEMI=\n",
                           "AKIAEXAMPLE", "wJal/rXUtn+FEMI=", NULL);
        expect_credentials("# offsite\n[default]\r\naws_secret_access_key=s3cr3t\r\n\naws_access_key_id=KEY\r\n",
                           "KEY", "s3cr3t", NULL);
        expect_credentials("aws_access_key_id = KEY\n", NULL, NULL, "aws_secret_access_key is missing");
        expect_credentials("aws_secret_access_key = x\n", NULL, NULL, "aws_access_key_id is missing");
        /* The value never appears in a message. */
        expect_credentials("aws_access_key_id = KEY\naws_secret_access_key = hunter2\naws_secret_access_key = hunter3\n",
                           NULL, NULL, "line 3: aws_secret_access_key given twice");
        expect_credentials("aws_access_key_id = KEY\nhunter2\n", NULL, NULL, "line 2 is not \"name = value\"");
        expect_credentials("aws_session_token = hunter2\n", NULL, NULL,
                           "line 1: unknown name (only aws_access_key_id and aws_secret_access_key)");
        expect_credentials("aws_access_key_id =\n", NULL, NULL, "line 1: aws_access_key_id is empty");
        expect_credentials("aws_access_key_id = A/B\naws_secret_access_key = x\n", NULL, NULL,
                           "aws_access_key_id holds a character it cannot hold");
        expect_credentials("[other]\naws_access_key_id = A\n", NULL, NULL, "line 1 is not \"name = value\"");
}

static void test_xml(void) {
        static const char list[] =
                "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated>"
                "<Contents><Key>a/x&amp;y</Key><ETag>&quot;abc&quot;</ETag><Size>6</Size></Contents>"
                "<Contents><Key>a/z</Key><Size>7</Size></Contents>"
                "<NextContinuationToken>t+/=</NextContinuationToken></ListBucketResult>";
        size_t pos = 0;
        char *s;

        s = s3_xml_tag(list, &pos, "Key");
        CHECK_STR(s, "a/x&y");
        free(s);
        s = s3_xml_tag(list, &pos, "ETag");
        CHECK_STR(s, "\"abc\"");
        free(s);
        s = s3_xml_tag(list, &pos, "Key");
        CHECK_STR(s, "a/z");
        free(s);
        s = s3_xml_tag(list, &pos, "Key");
        CHECK(!s);
        pos = 0;
        s = s3_xml_tag(list, &pos, "NextContinuationToken");
        CHECK_STR(s, "t+/=");
        free(s);
        pos = 0;
        CHECK(!s3_xml_tag("<Code>NoSuchKey", &pos, "Code"));
        pos = 0;
        s = s3_xml_tag("<Error><Code>SignatureDoesNotMatch</Code><Message>a &lt;b&gt; &apos;c&apos; &amp;amp;</Message></Error>",
                       &pos, "Message");
        CHECK_STR(s, "a <b> 'c' &amp;");
        free(s);
}

static void test_part_size(void) {
        const int64_t mib = 1024 * 1024;

        CHECK(s3_part_size_for(100 * mib, 64 * mib) == 64 * mib);
        CHECK(s3_part_size_for(100 * mib, 1 * mib) == S3_MIN_PART_SIZE);
        /* 10,000 parts of 5 MiB hold 50,000 MiB; a larger file gets larger parts. */
        CHECK(s3_part_size_for(10000 * 5 * mib, 5 * mib) == 5 * mib);
        CHECK(s3_part_size_for(10000 * 5 * mib + 1, 5 * mib) == 6 * mib);
        {
                int64_t size = 3LL * 1024 * 1024 * mib, p = s3_part_size_for(size, 5 * mib);

                CHECK((size + p - 1) / p <= S3_MAX_PARTS);
                CHECK(p % mib == 0);
        }
}

/* The ETag of a two-part upload whose parts are "part one" and "part two". */
static void test_multipart_etag(void) {
        unsigned char md5s[2][16];
        char etag[48];
        unsigned char joined[32];
        unsigned char d[16];
        char hex[33];
        static const char h[] = "0123456789abcdef";

        CHECK(EVP_Digest("part one", 8, md5s[0], NULL, EVP_md5(), NULL) == 1);
        CHECK(EVP_Digest("part two", 8, md5s[1], NULL, EVP_md5(), NULL) == 1);
        CHECK_INT(s3_multipart_etag((const unsigned char (*)[16]) md5s, 2, etag), 0);
        memcpy(joined, md5s[0], 16);
        memcpy(joined + 16, md5s[1], 16);
        CHECK(EVP_Digest(joined, 32, d, NULL, EVP_md5(), NULL) == 1);
        for (int i = 0; i < 16; i++) {
                hex[2 * i] = h[d[i] >> 4];
                hex[2 * i + 1] = h[d[i] & 15];
        }
        hex[32] = '\0';
        CHECK(strncmp(etag, hex, 32) == 0);
        CHECK_STR(etag + 32, "-2");
        /* the same, worked out with Python's hashlib */
        CHECK_STR(etag, "0732917abc3288784e318ac0aab1757a-2");
}

static void test_query_escape(void) {
        char *s = s3_query_escape("a/b c+d=e~f_g.h-i%");

        CHECK_STR(s, "a%2Fb%20c%2Bd%3De~f_g.h-i%25");
        free(s);
        s = s3_query_escape("");
        CHECK_STR(s, "");
        free(s);
}

int main(void) {
        test_keys();
        test_credentials();
        test_xml();
        test_part_size();
        test_multipart_etag();
        test_query_escape();
        return test_exit_status();
}
