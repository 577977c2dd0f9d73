/* SPDX-License-Identifier: MIT */
/*
 * password.c: owns Odoo's password hash format (passlib's pbkdf2_sha512 as Odoo 17 configures it)
 * and the passwords vumaerp generates. PBKDF2 and the base64 coding are OpenSSL's; this file only
 * adds passlib's alphabet twist and the "$pbkdf2-sha512$rounds$salt$checksum" framing.
 */
#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "fileio.h"
#include "macro.h"
#include "password.h"

#define SALT_SIZE 16
#define CHECKSUM_SIZE 64
/* passlib's own bounds on pbkdf2 rounds; a hash outside them is not one passlib would write. */
#define ROUNDS_MAX 0xffffffffU
#define PREFIX "$pbkdf2-sha512$"

/* 56 letters and digits without the ones people confuse when they read a password out or copy
 * it from a mail: 0 O o and 1 l I. log2(56) * 20 ≈ 116 bits. */
static const char password_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
_Static_assert(sizeof password_alphabet - 1 == 56, "the alphabet has 56 letters");

static int random_bytes(void *p, size_t n) {
        uint8_t *b = p;

        while (n > 0) {
                ssize_t l = getrandom(b, n, 0);

                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                b += l;
                n -= (size_t) l;
        }
        return 0;
}

/* passlib's ab64: standard base64 with '.' for '+' and no '=' padding. */
static char *ab64_encode(const uint8_t *data, size_t size) {
        size_t out_size = 4 * ((size + 2) / 3) + 1;
        char *out = malloc(out_size);
        int n;

        if (!out)
                return NULL;
        n = EVP_EncodeBlock((unsigned char *) out, data, (int) size);
        while (n > 0 && out[n - 1] == '=')
                n--;
        out[n] = '\0';
        for (char *p = out; *p; p++)
                if (*p == '+')
                        *p = '.';
        return out;
}

/* The reverse, into buf (at most max bytes); returns the decoded size or -EINVAL. Anything but the
 * ab64 alphabet is refused, so "+" or "=" in a stored hash do not slip through OpenSSL's decoder. */
static int ab64_decode(const char *s, size_t len, uint8_t *buf, size_t max) {
        _cleanup_free_ char *padded = NULL;
        size_t plen, size;
        int n;

        if (len == 0 || len % 4 == 1 || len > 1024)
                return -EINVAL;
        plen = (len + 3) / 4 * 4;
        padded = malloc(plen + 1);
        if (!padded)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];

                if (ch == '.')
                        ch = '+';
                else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '/'))
                        return -EINVAL;
                padded[i] = ch;
        }
        memset(padded + len, '=', plen - len);
        padded[plen] = '\0';

        size = plen / 4 * 3;
        {
                _cleanup_free_ uint8_t *tmp = malloc(size);

                if (!tmp)
                        return -ENOMEM;
                n = EVP_DecodeBlock(tmp, (const unsigned char *) padded, (int) plen);
                if (n < 0)
                        return -EINVAL;
                /* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
                size = (size_t) n - (plen - len);
                if (size > max)
                        return -EINVAL;
                memcpy(buf, tmp, size);
        }
        return (int) size;
}

static int pbkdf2(const char *password, const uint8_t *salt, size_t salt_size, unsigned rounds, uint8_t out[CHECKSUM_SIZE]) {
        if (rounds > INT_MAX)
                return -EINVAL;
        if (PKCS5_PBKDF2_HMAC(password, (int) strlen(password), salt, (int) salt_size, (int) rounds,
                              EVP_sha512(), CHECKSUM_SIZE, out) != 1)
                return -EIO;
        return 0;
}

static int password_check(const char *password) {
        size_t n;

        if (!password)
                return -EINVAL;
        n = strnlen(password, PASSWORD_MAX_LENGTH + 1);
        if (n == 0)
                return -EINVAL;
        if (n > PASSWORD_MAX_LENGTH)
                return -E2BIG;
        return 0;
}

int password_hash_rounds(const char *password, unsigned rounds, char **ret) {
        uint8_t salt[SALT_SIZE], sum[CHECKSUM_SIZE];
        _cleanup_free_ char *salt64 = NULL, *sum64 = NULL;
        char *out;
        int r;

        r = password_check(password);
        if (r < 0)
                return r;
        r = random_bytes(salt, sizeof salt);
        if (r < 0)
                return r;
        if (rounds == 0)
                return -EINVAL;
        r = pbkdf2(password, salt, sizeof salt, rounds, sum);
        if (r < 0)
                return r;

        salt64 = ab64_encode(salt, sizeof salt);
        sum64 = ab64_encode(sum, sizeof sum);
        OPENSSL_cleanse(sum, sizeof sum);
        if (!salt64 || !sum64)
                return -ENOMEM;
        if (asprintf(&out, PREFIX "%u$%s$%s", rounds, salt64, sum64) < 0)
                return -ENOMEM;
        *ret = out;
        return 0;
}

int password_hash(const char *password, char **ret) {
        return password_hash_rounds(password, PASSWORD_PBKDF2_ROUNDS, ret);
}

int password_verify(const char *password, const char *hash) {
        uint8_t salt[256], want[CHECKSUM_SIZE], got[CHECKSUM_SIZE];
        const char *p, *salt_start, *sum_start;
        unsigned long rounds;
        char *end;
        int salt_size, sum_size, r, eq;

        if (!hash || strncmp(hash, PREFIX, STRLEN(PREFIX)) != 0)
                return -EINVAL;
        p = hash + STRLEN(PREFIX);
        /* Digits only, no leading zero (passlib writes none), 1 .. 2^32-1. */
        if (*p < '1' || *p > '9')
                return -EINVAL;
        errno = 0;
        rounds = strtoul(p, &end, 10);
        if (errno != 0 || *end != '$' || rounds == 0 || rounds > ROUNDS_MAX || end - p > 10)
                return -EINVAL;
        salt_start = end + 1;
        p = strchr(salt_start, '$');
        if (!p)
                return -EINVAL;
        sum_start = p + 1;
        if (strchr(sum_start, '$'))
                return -EINVAL;

        salt_size = ab64_decode(salt_start, (size_t) (p - salt_start), salt, sizeof salt);
        if (salt_size < 0)
                return salt_size == -ENOMEM ? -ENOMEM : -EINVAL;
        sum_size = ab64_decode(sum_start, strlen(sum_start), want, sizeof want);
        if (sum_size < 0)
                return sum_size == -ENOMEM ? -ENOMEM : -EINVAL;
        if (sum_size != CHECKSUM_SIZE)
                return -EINVAL;

        /* An unusable password is simply not this one; a hash we can read is still a hash. */
        if (password_check(password) < 0)
                return 0;
        r = pbkdf2(password, salt, (size_t) salt_size, (unsigned) rounds, got);
        if (r < 0)
                return r;
        eq = CRYPTO_memcmp(got, want, CHECKSUM_SIZE) == 0;
        OPENSSL_cleanse(got, sizeof got);
        return eq;
}

int password_generate(char **ret) {
        const size_t n = sizeof password_alphabet - 1;
        /* Rejection sampling: bytes at or above the largest multiple of n would favour the first
         * letters, so they are drawn again. */
        const unsigned limit = 256U - 256U % (unsigned) n;
        char *out = malloc(PASSWORD_GENERATED_LENGTH + 1);
        size_t have = 0;
        int r;

        if (!out)
                return -ENOMEM;
        while (have < PASSWORD_GENERATED_LENGTH) {
                uint8_t buf[32];

                r = random_bytes(buf, sizeof buf);
                if (r < 0) {
                        wipe_free(out, PASSWORD_GENERATED_LENGTH + 1);
                        return r;
                }
                for (size_t i = 0; i < sizeof buf && have < PASSWORD_GENERATED_LENGTH; i++)
                        if (buf[i] < limit)
                                out[have++] = password_alphabet[buf[i] % n];
                OPENSSL_cleanse(buf, sizeof buf);
        }
        out[have] = '\0';
        *ret = out;
        return 0;
}

int password_apikey(char **ret_key, char **ret_hash) {
        static const char hex[] = "0123456789abcdef";
        uint8_t raw[PASSWORD_APIKEY_BYTES];
        char *key;
        int r;

        key = malloc(PASSWORD_APIKEY_LENGTH + 1);
        if (!key)
                return -ENOMEM;
        r = random_bytes(raw, sizeof raw);
        if (r < 0) {
                free(key);
                return r;
        }
        /* binascii.hexlify(os.urandom(API_KEY_SIZE)).decode(): lower-case hex. */
        for (size_t i = 0; i < sizeof raw; i++) {
                key[2 * i] = hex[raw[i] >> 4];
                key[2 * i + 1] = hex[raw[i] & 15];
        }
        key[PASSWORD_APIKEY_LENGTH] = '\0';
        OPENSSL_cleanse(raw, sizeof raw);
        r = password_hash_rounds(key, PASSWORD_APIKEY_ROUNDS, ret_hash);
        if (r < 0) {
                wipe_free(key, PASSWORD_APIKEY_LENGTH + 1);
                return r;
        }
        *ret_key = key;
        return 0;
}
