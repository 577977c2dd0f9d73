/* SPDX-License-Identifier: MIT */
/*
 * test-auth.c: token files (rotation, comments, CRLF, refusals, $CREDENTIALS_DIRECTORY), token
 * checks, auth_secure_equal, and the allow-list's CIDR parsing and matching. Behaviour only: no
 * timing is measured (it would be flaky); the constant-time structure is what the code shows.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "auth.h"
#include "macro.h"
#include "tests.h"

static char tmpdir[] = "/tmp/test-auth-XXXXXX";

DEFINE_TRIVIAL_CLEANUP_FUNC(TokenSet *, token_set_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(AllowList *, allow_list_free);

static const char *tok_a = "0123456789abcdef-first-token";
static const char *tok_b = "ZYXWVUTSRQPONMLK-second-token";

/* Writes content to tmpdir/name and returns the path (static buffer, used at once). */
static const char *write_file(const char *name, const char *content, size_t size) {
        static char path[256];
        _cleanup_close_ int fd = -1;

        snprintf(path, sizeof path, "%s/%s", tmpdir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, content, size) != (ssize_t) size) {
                perror(path);
                exit(EXIT_FAILURE);
        }
        return path;
}

static const char *write_str(const char *name, const char *content) {
        return write_file(name, content, strlen(content));
}

static int load_str(const char *content, TokenSet **ret) {
        return token_set_load(write_str("tokens", content), ret);
}

static void test_rotation(void) {
        _cleanup_(token_set_freep) TokenSet *t = NULL;
        char buf[128];

        snprintf(buf, sizeof buf, "%s\n%s\n", tok_a, tok_b);
        CHECK_INT(load_str(buf, &t), 0);
        CHECK(t != NULL);
        CHECK(token_set_check(t, tok_a));
        CHECK(token_set_check(t, tok_b));
        CHECK(!token_set_check(t, "0123456789abcdef-third-token"));
}

static void test_comments_blanks_crlf(void) {
        _cleanup_(token_set_freep) TokenSet *t = NULL;
        char buf[512];

        snprintf(buf, sizeof buf,
                 "# the API tokens, rotated yearly\r\n"
                 "\r\n"
                 "   \t\n"
                 "  %s  \r\n"
                 "    # an indented comment is a comment too\n"
                 "\t%s", /* no final newline */
                 tok_a, tok_b);
        CHECK_INT(load_str(buf, &t), 0);
        CHECK(token_set_check(t, tok_a));
        CHECK(token_set_check(t, tok_b));
        /* Trimmed at load; the given value is not trimmed, so these do not match. */
        {
                char padded[128];
                snprintf(padded, sizeof padded, "%s\r", tok_a);
                CHECK(!token_set_check(t, padded));
                snprintf(padded, sizeof padded, " %s", tok_b);
                CHECK(!token_set_check(t, padded));
        }
        /* A comment line is not a token. */
        CHECK(!token_set_check(t, "# the API tokens, rotated yearly"));
}

static void test_refused_files(void) {
        TokenSet *t = NULL;
        char buf[1024];

        /* One token too short spoils the file: we refuse to run with it. */
        snprintf(buf, sizeof buf, "%s\nshort-token\n", tok_a);
        CHECK_INT(load_str(buf, &t), -EKEYREJECTED);
        CHECK(t == NULL);
        CHECK_INT(load_str("0123456789abcde\n", &t), -EKEYREJECTED); /* 15 */
        CHECK(t == NULL);

        /* Exactly the minimum and maximum lengths are fine, one more is not. */
        memset(buf, 'm', AUTH_MIN_TOKEN_LENGTH);
        buf[AUTH_MIN_TOKEN_LENGTH] = '\0';
        CHECK_INT(load_str(buf, &t), 0);
        CHECK(t && token_set_check(t, buf));
        t = token_set_free(t);
        memset(buf, 'M', AUTH_MAX_TOKEN_LENGTH + 1);
        buf[AUTH_MAX_TOKEN_LENGTH] = '\0';
        CHECK_INT(load_str(buf, &t), 0);
        CHECK(t && token_set_check(t, buf));
        t = token_set_free(t);
        buf[AUTH_MAX_TOKEN_LENGTH] = 'M';
        buf[AUTH_MAX_TOKEN_LENGTH + 1] = '\0';
        CHECK_INT(load_str(buf, &t), -EKEYREJECTED);
        CHECK(t == NULL);

        /* Control characters inside a token. */
        CHECK_INT(load_str("0123456789\x1b" "abcdefgh\n", &t), -EKEYREJECTED);
        CHECK_INT(token_set_load(write_file("nul", "0123456789\0abcdefghij\n", 22), &t), -EKEYREJECTED);
        CHECK(t == NULL);

        /* Nothing usable. */
        CHECK_INT(load_str("", &t), -ENOKEY);
        CHECK_INT(load_str("# only a comment\n\n   \n", &t), -ENOKEY);
        CHECK(t == NULL);

        /* Missing file, a directory. */
        snprintf(buf, sizeof buf, "%s/does-not-exist", tmpdir);
        CHECK_INT(token_set_load(buf, &t), -ENOENT);
        CHECK_INT(token_set_load(tmpdir, &t), -EISDIR);
        CHECK(t == NULL);
}

static void test_size_limit(void) {
        _cleanup_free_ char *big = malloc(64 * 1024 + 1);
        TokenSet *t = NULL;
        size_t line = 64;

        if (!big)
                exit(EXIT_FAILURE);
        /* Exactly 64 KiB of 63-character tokens: accepted. */
        for (size_t i = 0; i < 64 * 1024; i += line) {
                memset(big + i, 'a' + (char) ((i / line) % 26), line - 1);
                big[i + line - 1] = '\n';
        }
        CHECK_INT(token_set_load(write_file("big", big, 64 * 1024), &t), 0);
        t = token_set_free(t);
        /* One byte more: refused as a whole. */
        big[64 * 1024] = '\n';
        CHECK_INT(token_set_load(write_file("big", big, 64 * 1024 + 1), &t), -EFBIG);
        CHECK(t == NULL);
}

static void test_credentials_directory(void) {
        _cleanup_(token_set_freep) TokenSet *t = NULL;
        char buf[128];

        unsetenv("CREDENTIALS_DIRECTORY");
        CHECK_INT(token_set_load(NULL, &t), -ENOKEY);
        setenv("CREDENTIALS_DIRECTORY", "", 1);
        CHECK_INT(token_set_load(NULL, &t), -ENOKEY);
        CHECK(t == NULL);

        setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
        snprintf(buf, sizeof buf, "%s/api-token", tmpdir);
        unlink(buf);
        CHECK_INT(token_set_load(NULL, &t), -ENOENT);

        snprintf(buf, sizeof buf, "%s\n", tok_b);
        write_str("api-token", buf);
        CHECK_INT(token_set_load(NULL, &t), 0);
        CHECK(token_set_check(t, tok_b));
        CHECK(!token_set_check(t, tok_a));
        unsetenv("CREDENTIALS_DIRECTORY");
}

static void test_wrong_tokens(void) {
        _cleanup_(token_set_freep) TokenSet *t = NULL;
        char buf[256];
        size_t n = strlen(tok_a);

        snprintf(buf, sizeof buf, "%s\n", tok_a);
        CHECK_INT(load_str(buf, &t), 0);
        CHECK(token_set_check(t, tok_a));

        CHECK(!token_set_check(t, ""));
        CHECK(!token_set_check(t, NULL));
        CHECK(!token_set_check(NULL, tok_a));
        /* Every prefix, including all but the last character. */
        for (size_t i = 0; i < n; i++) {
                memcpy(buf, tok_a, i);
                buf[i] = '\0';
                CHECK(!token_set_check(t, buf));
        }
        /* Longer: the token plus anything. */
        snprintf(buf, sizeof buf, "%sx", tok_a);
        CHECK(!token_set_check(t, buf));
        snprintf(buf, sizeof buf, "%s%s", tok_a, tok_a);
        CHECK(!token_set_check(t, buf));
        /* One character different, anywhere; case matters. */
        for (size_t i = 0; i < n; i++) {
                memcpy(buf, tok_a, n + 1);
                buf[i] ^= 0x01;
                CHECK(!token_set_check(t, buf));
        }
        memcpy(buf, tok_a, n + 1);
        buf[n - 1] = 'N';       /* "...token" → "...tokeN" */
        CHECK(!token_set_check(t, buf));
}

static void test_secure_equal(void) {
        CHECK(auth_secure_equal("abc", 3, "abc", 3));
        CHECK(auth_secure_equal("", 0, "", 0));
        CHECK(auth_secure_equal(NULL, 0, "", 0));
        CHECK(!auth_secure_equal("abc", 3, "abd", 3));
        CHECK(!auth_secure_equal("abc", 3, "ab", 2));
        CHECK(!auth_secure_equal("ab", 2, "abc", 3));
        CHECK(!auth_secure_equal("abc", 3, "", 0));
        CHECK(!auth_secure_equal("", 0, "a", 1));
        /* The bytes count, not a C string's end. */
        CHECK(auth_secure_equal("a\0b", 3, "a\0b", 3));
        CHECK(!auth_secure_equal("a\0b", 3, "a\0c", 3));
        CHECK(!auth_secure_equal("a\0b", 3, "a", 1));
        /* Long, equal up to the last byte. */
        {
                char x[1000], y[1000];
                memset(x, 'q', sizeof x);
                memset(y, 'q', sizeof y);
                CHECK(auth_secure_equal(x, sizeof x, y, sizeof y));
                y[sizeof y - 1] = 'r';
                CHECK(!auth_secure_equal(x, sizeof x, y, sizeof y));
                CHECK(!auth_secure_equal(x, sizeof x, x, sizeof x - 1));
        }
}

static struct sockaddr_storage v4(const char *s, socklen_t *len) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in *in = (struct sockaddr_in *) &ss;

        in->sin_family = AF_INET;
        in->sin_port = htons(51234);
        if (inet_pton(AF_INET, s, &in->sin_addr) != 1) {
                fprintf(stderr, "bad test address %s\n", s);
                exit(EXIT_FAILURE);
        }
        *len = sizeof *in;
        return ss;
}

static struct sockaddr_storage v6(const char *s, socklen_t *len) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(51234);
        if (inet_pton(AF_INET6, s, &in6->sin6_addr) != 1) {
                fprintf(stderr, "bad test address %s\n", s);
                exit(EXIT_FAILURE);
        }
        *len = sizeof *in6;
        return ss;
}

/* Whether list (NULL-terminated) permits the address, v4 or v6 by its spelling. */
static bool permits(char *const *list, const char *addr) {
        _cleanup_(allow_list_freep) AllowList *a = NULL;
        struct sockaddr_storage ss;
        socklen_t len;
        const char *bad = NULL;

        if (allow_list_parse(list, &a, &bad) < 0) {
                fprintf(stderr, "unexpected parse failure at %s\n", strempty(bad));
                return false;
        }
        ss = strchr(addr, ':') ? v6(addr, &len) : v4(addr, &len);
        return allow_list_permits(a, (struct sockaddr *) &ss, len);
}

static void test_allow_v4(void) {
        char *slash8[] = { (char *) "10.0.0.0/8", NULL };
        char *slash24[] = { (char *) "192.0.2.0/24", NULL };
        char *host[] = { (char *) "203.0.113.5", NULL };
        char *slash32[] = { (char *) "203.0.113.5/32", NULL };
        char *all[] = { (char *) "0.0.0.0/0", NULL };
        char *hostbits[] = { (char *) "10.1.2.3/8", NULL };
        char *odd[] = { (char *) "198.51.100.64/27", NULL };

        CHECK(permits(slash8, "10.0.0.1"));
        CHECK(permits(slash8, "10.255.255.255"));
        CHECK(!permits(slash8, "11.0.0.1"));
        CHECK(!permits(slash8, "9.255.255.255"));

        CHECK(permits(slash24, "192.0.2.0"));
        CHECK(permits(slash24, "192.0.2.254"));
        CHECK(!permits(slash24, "192.0.3.1"));

        CHECK(permits(host, "203.0.113.5"));
        CHECK(!permits(host, "203.0.113.6"));
        CHECK(!permits(host, "203.0.113.4"));
        CHECK(permits(slash32, "203.0.113.5"));
        CHECK(!permits(slash32, "203.0.113.50"));

        CHECK(permits(all, "1.2.3.4"));
        CHECK(permits(all, "255.255.255.255"));
        /* 0.0.0.0/0 is every IPv4 address, not IPv6 ones. */
        CHECK(!permits(all, "2001:db8::1"));

        CHECK(permits(hostbits, "10.200.0.1"));

        /* A prefix inside a byte: .64–.95 */
        CHECK(permits(odd, "198.51.100.64"));
        CHECK(permits(odd, "198.51.100.95"));
        CHECK(!permits(odd, "198.51.100.63"));
        CHECK(!permits(odd, "198.51.100.96"));
}

static void test_allow_v6(void) {
        char *host[] = { (char *) "2001:db8::1/128", NULL };
        char *plain[] = { (char *) "::1", NULL };
        char *slash32[] = { (char *) "2001:db8::/32", NULL };
        char *both[] = { (char *) "192.0.2.0/24", (char *) "2001:db8::/32", NULL };
        char *mapped_entry[] = { (char *) "::ffff:198.51.100.0/120", NULL };
        char *v6all[] = { (char *) "::/0", NULL };

        CHECK(permits(host, "2001:db8::1"));
        CHECK(!permits(host, "2001:db8::2"));
        CHECK(permits(plain, "::1"));
        CHECK(!permits(plain, "::2"));
        CHECK(!permits(plain, "127.0.0.1"));

        CHECK(permits(slash32, "2001:db8::1"));
        CHECK(permits(slash32, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
        CHECK(!permits(slash32, "2001:db9::1"));
        CHECK(!permits(slash32, "2001:db7:ffff::1"));

        /* Mapped IPv4 peers (a dual-stack socket) match IPv4 entries. */
        CHECK(permits(both, "::ffff:192.0.2.7"));
        CHECK(!permits(both, "::ffff:192.0.3.7"));
        CHECK(permits(both, "192.0.2.7"));
        CHECK(permits(both, "2001:db8:1::5"));
        CHECK(!permits(both, "2001:db80::5"));
        /* ...but only mapped ones: ::192.0.2.7 (compatible form) is an IPv6 address. */
        CHECK(!permits(both, "::192.0.2.7"));

        /* A mapped entry is an IPv4 entry. */
        CHECK(permits(mapped_entry, "198.51.100.9"));
        CHECK(permits(mapped_entry, "::ffff:198.51.100.9"));
        CHECK(!permits(mapped_entry, "198.51.101.9"));

        CHECK(permits(v6all, "2001:db8::1"));
        CHECK(!permits(v6all, "192.0.2.1"));
}

static void test_allow_special_peers(void) {
        _cleanup_(allow_list_freep) AllowList *a = NULL, *none = NULL, *empty = NULL;
        char *list[] = { (char *) "192.0.2.0/24", NULL };
        char *nothing[] = { NULL };
        struct sockaddr_un un = { .sun_family = AF_UNIX };
        struct sockaddr_storage ss;
        socklen_t len;
        const char *bad = (const char *) 1;

        CHECK_INT(allow_list_parse(list, &a, &bad), 0);
        CHECK(bad == NULL);

        /* A local admin over a unix socket or a pipe. */
        CHECK(allow_list_permits(a, (struct sockaddr *) &un, sizeof un));
        CHECK(allow_list_permits(a, NULL, 0));
        ss = v4("192.0.2.1", &len);
        CHECK(allow_list_permits(a, (struct sockaddr *) &ss, 0));

        /* A truncated address is not trusted. */
        CHECK(allow_list_permits(a, (struct sockaddr *) &ss, len));
        CHECK(!allow_list_permits(a, (struct sockaddr *) &ss, len - 1));
        ss = v6("::ffff:192.0.2.1", &len);
        CHECK(allow_list_permits(a, (struct sockaddr *) &ss, len));
        CHECK(!allow_list_permits(a, (struct sockaddr *) &ss, len - 4));

        /* An unknown family is refused when a list is set. */
        ss.ss_family = AF_PACKET;
        CHECK(!allow_list_permits(a, (struct sockaddr *) &ss, sizeof ss));

        /* No list: everyone. */
        CHECK_INT(allow_list_parse(NULL, &none, NULL), 0);
        CHECK_INT(allow_list_parse(nothing, &empty, NULL), 0);
        ss = v4("8.8.8.8", &len);
        CHECK(allow_list_permits(none, (struct sockaddr *) &ss, len));
        CHECK(allow_list_permits(empty, (struct sockaddr *) &ss, len));
        CHECK(allow_list_permits(NULL, (struct sockaddr *) &ss, len));
        CHECK(!allow_list_permits(a, (struct sockaddr *) &ss, len));
}

static void test_allow_malformed(void) {
        static const char *const bad_entries[] = {
                "10.0.0.0/33", "1.2.3", "abc/8", "::1/129", "", "10.0.0.0/", "/8",
                "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/8 ", " 10.0.0.0/8",
                "10.0.0.0/0x8", "10.0.0.0/0008", "10.0.0.0/8/8", "256.0.0.1", "2001:db8:::1/64",
                "[::1]", "10.0.0.0/24garbage", "fe80::1%eth0",
        };

        for (size_t i = 0; i < ELEMENTSOF(bad_entries); i++) {
                /* The bad entry among good ones, so ret_bad must point at it and not elsewhere. */
                char *list[] = { (char *) "192.0.2.0/24", (char *) bad_entries[i], (char *) "2001:db8::/32", NULL };
                AllowList *a = NULL;
                const char *bad = NULL;
                int r = allow_list_parse(list, &a, &bad);

                if (r != -EINVAL || bad != list[1])
                        fprintf(stderr, "entry \"%s\" not refused as expected\n", bad_entries[i]);
                CHECK_INT(r, -EINVAL);
                CHECK(bad == list[1]);
                CHECK(a == NULL);
                allow_list_free(a);
        }

        /* The edges of the prefix ranges are fine. */
        {
                char *edges[] = { (char *) "10.0.0.0/0", (char *) "10.0.0.0/32", (char *) "::/0",
                                  (char *) "::1/128", (char *) "10.0.0.0/008", NULL };
                _cleanup_(allow_list_freep) AllowList *a = NULL;
                const char *bad = NULL;
                CHECK_INT(allow_list_parse(edges, &a, &bad), 0);
                CHECK(bad == NULL);
        }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

int main(void) {
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }

        test_rotation();
        test_comments_blanks_crlf();
        test_refused_files();
        test_size_limit();
        test_credentials_directory();
        test_wrong_tokens();
        test_secure_equal();
        test_allow_v4();
        test_allow_v6();
        test_allow_special_peers();
        test_allow_malformed();

        nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        return test_exit_status();
}
