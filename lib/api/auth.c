/* SPDX-License-Identifier: MIT */
/*
 * auth.c: the API tokens (read once from the credential file, kept only as SHA-256 digests,
 * compared in constant time) and the client-network allow-list (CIDRs matched by prefix).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/un.h>

#include "auth.h"
#include "credential.h"
#include "macro.h"

#define TOKEN_FILE_MAX (64 * 1024)
#define DIGEST_SIZE 32

struct TokenSet {
        size_t n;
        unsigned char (*digests)[DIGEST_SIZE];
};

static int sha256(const void *data, size_t size, unsigned char out[static DIGEST_SIZE]) {
        unsigned int n = 0;

        /* EVP_Digest() wants a non-NULL pointer even for no data. */
        if (EVP_Digest(data ? data : "", size, out, &n, EVP_sha256(), NULL) != 1 || n != DIGEST_SIZE)
                return -EIO;
        return 0;
}

TokenSet *token_set_free(TokenSet *t) {
        if (!t)
                return NULL;
        if (t->digests)
                OPENSSL_cleanse(t->digests, t->n * DIGEST_SIZE);
        free(t->digests);
        free(t);
        return NULL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Digests every token of buf into t. */
static int parse_tokens(char *buf, size_t size, TokenSet *t) {
        char *p = buf, *end = buf + size;

        while (p < end) {
                char *nl = memchr(p, '\n', (size_t) (end - p));
                char *line = p, *line_end = nl ? nl : end;
                size_t n;

                p = nl ? nl + 1 : end;
                while (line < line_end && is_blank(*line))
                        line++;
                while (line_end > line && is_blank(line_end[-1]))
                        line_end--;
                n = (size_t) (line_end - line);
                if (n == 0 || line[0] == '#')
                        continue;

                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) line[i] < 0x20 || line[i] == 0x7f)
                                return -EKEYREJECTED; /* a NUL or escape cannot be typed in a header */
                if (n < AUTH_MIN_TOKEN_LENGTH || n > AUTH_MAX_TOKEN_LENGTH)
                        return -EKEYREJECTED;

                /* The file is at most 64 KiB, so at most a few thousand tokens: grow one by one. */
                unsigned char (*d)[DIGEST_SIZE] = reallocarray(t->digests, t->n + 1, DIGEST_SIZE);
                if (!d)
                        return -ENOMEM;
                t->digests = d;
                if (sha256(line, n, t->digests[t->n]) < 0)
                        return -EIO;
                t->n++;
        }

        return t->n > 0 ? 0 : -ENOKEY;
}

int token_set_load(const char *path, TokenSet **ret) {
        char *buf = NULL;
        size_t size = 0;
        TokenSet *t;
        int r;

        if (!ret)
                return -EINVAL;
        /* api.token_file is read as written (a relative one from the working directory); without
         * it, the credential. */
        if (path)
                r = credential_read_file(path, TOKEN_FILE_MAX, 0, &buf, &size);
        else
                r = credential_read(NULL, AUTH_TOKEN_CREDENTIAL, TOKEN_FILE_MAX, 0, &buf, &size, NULL);
        if (r < 0)
                return r;

        t = calloc(1, sizeof *t);
        if (!t) {
                credential_free(buf, size);
                return -ENOMEM;
        }
        r = parse_tokens(buf, size, t);
        credential_free(buf, size);
        if (r < 0) {
                token_set_free(t);
                return r;
        }

        *ret = t;
        return 0;
}

bool token_set_check(const TokenSet *t, const char *given) {
        unsigned char d[DIGEST_SIZE];
        unsigned match = 0;
        bool ok;

        if (!t || !given)
                return false;
        if (sha256(given, strlen(given), d) < 0)
                return false;

        /* Every stored digest is compared whatever matched before: the time says nothing about
         * which token, if any, was right. */
        for (size_t i = 0; i < t->n; i++)
                match |= (unsigned) (CRYPTO_memcmp(d, t->digests[i], DIGEST_SIZE) == 0);

        ok = match != 0;
        OPENSSL_cleanse(d, sizeof d);
        return ok;
}

bool auth_secure_equal(const void *a, size_t a_size, const void *b, size_t b_size) {
        unsigned char da[DIGEST_SIZE], db[DIGEST_SIZE];
        bool ok;

        /* Digests have one length whatever the inputs', so the comparison itself cannot stop
         * early at a length difference; the lengths are folded in afterwards. */
        if (sha256(a, a_size, da) < 0 || sha256(b, b_size, db) < 0)
                return false;
        ok = (CRYPTO_memcmp(da, db, DIGEST_SIZE) == 0) & (a_size == b_size);
        OPENSSL_cleanse(da, sizeof da);
        OPENSSL_cleanse(db, sizeof db);
        return ok;
}

/* ---- allow-list ---- */

typedef struct AllowEntry {
        int family;                     /* AF_INET or AF_INET6 */
        unsigned prefix;
        unsigned char addr[16];         /* masked to prefix */
} AllowEntry;

struct AllowList {
        size_t n;
        AllowEntry *entries;
};

AllowList *allow_list_free(AllowList *a) {
        if (!a)
                return NULL;
        free(a->entries);
        free(a);
        return NULL;
}

static void mask_addr(unsigned char *addr, size_t size, unsigned prefix) {
        for (size_t i = 0; i < size; i++) {
                unsigned bits = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
                addr[i] &= (unsigned char) (0xff00u >> bits);
        }
}

static bool prefix_matches(const unsigned char *a, const unsigned char *b, unsigned prefix) {
        size_t full = prefix / 8;
        unsigned rest = prefix % 8;

        if (memcmp(a, b, full) != 0)
                return false;
        if (rest == 0)
                return true;
        unsigned char m = (unsigned char) (0xff00u >> rest);
        return (a[full] & m) == (b[full] & m);
}

static const unsigned char v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int parse_cidr(const char *s, AllowEntry *ret) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *slash;
        size_t n;
        unsigned prefix = 0;
        bool has_prefix = false;
        AllowEntry e = {};

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        n = slash ? (size_t) (slash - s) : strlen(s);
        if (n == 0 || n >= sizeof host)
                return -EINVAL;
        memcpy(host, s, n);
        host[n] = '\0';

        if (slash) {
                const char *p = slash + 1;
                /* Digits only, at most three: no sign, no spaces, no "0x". */
                if (*p == '\0' || strlen(p) > 3 || strspn(p, "0123456789") != strlen(p))
                        return -EINVAL;
                prefix = (unsigned) atoi(p);
                has_prefix = true;
        }

        if (inet_pton(AF_INET, host, e.addr) == 1) {
                e.family = AF_INET;
                if (has_prefix && prefix > 32)
                        return -EINVAL;
                e.prefix = has_prefix ? prefix : 32;
        } else if (inet_pton(AF_INET6, host, e.addr) == 1) {
                e.family = AF_INET6;
                if (has_prefix && prefix > 128)
                        return -EINVAL;
                e.prefix = has_prefix ? prefix : 128;
                /* "::ffff:192.0.2.0/120" means 192.0.2.0/24: store it as such, so IPv4 peers,
                 * which are compared as IPv4 however they arrive, match it. */
                if (e.prefix >= 96 && memcmp(e.addr, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
                        memmove(e.addr, e.addr + 12, 4);
                        memset(e.addr + 4, 0, 12);
                        e.family = AF_INET;
                        e.prefix -= 96;
                }
        } else
                return -EINVAL;

        /* Host bits set ("10.1.2.3/8") are dropped, as ip(8) and systemd's IPAddressAllow= do. */
        mask_addr(e.addr, e.family == AF_INET ? 4 : 16, e.prefix);
        *ret = e;
        return 0;
}

int allow_list_parse(char *const *cidrs, AllowList **ret, const char **ret_bad) {
        AllowList *a;
        size_t n = 0;

        if (!ret)
                return -EINVAL;
        if (ret_bad)
                *ret_bad = NULL;
        if (cidrs)
                while (cidrs[n])
                        n++;

        a = calloc(1, sizeof *a);
        if (!a)
                return -ENOMEM;
        if (n > 0) {
                a->entries = calloc(n, sizeof *a->entries);
                if (!a->entries) {
                        allow_list_free(a);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < n; i++) {
                if (parse_cidr(cidrs[i], &a->entries[i]) < 0) {
                        if (ret_bad)
                                *ret_bad = cidrs[i];
                        allow_list_free(a);
                        return -EINVAL;
                }
                a->n++;
        }

        *ret = a;
        return 0;
}

bool allow_list_permits(const AllowList *a, const struct sockaddr *sa, socklen_t len) {
        unsigned char v4[4], v6[16];
        bool have_v4 = false, have_v6 = false;

        if (!a || a->n == 0)
                return true;
        /* No address at all (a pipe, socketpair) or a unix socket: a local admin. */
        if (!sa || len == 0)
                return true;
        if ((size_t) len < sizeof(sa_family_t))
                return false;

        switch (sa->sa_family) {
        case AF_UNIX:
                return true;
        case AF_INET: {
                struct sockaddr_in in;
                if ((size_t) len < sizeof in)
                        return false;
                memcpy(&in, sa, sizeof in);
                memcpy(v4, &in.sin_addr, 4);
                have_v4 = true;
                break;
        }
        case AF_INET6: {
                struct sockaddr_in6 in6;
                if ((size_t) len < sizeof in6)
                        return false;
                memcpy(&in6, sa, sizeof in6);
                memcpy(v6, &in6.sin6_addr, 16);
                have_v6 = true;
                /* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d. */
                if (memcmp(v6, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
                        memcpy(v4, v6 + 12, 4);
                        have_v4 = true;
                }
                break;
        }
        default:
                return false;   /* an address family we do not know is not trusted */
        }

        for (size_t i = 0; i < a->n; i++) {
                const AllowEntry *e = &a->entries[i];
                if (e->family == AF_INET && have_v4 && prefix_matches(e->addr, v4, e->prefix))
                        return true;
                if (e->family == AF_INET6 && have_v6 && prefix_matches(e->addr, v6, e->prefix))
                        return true;
        }
        return false;
}
