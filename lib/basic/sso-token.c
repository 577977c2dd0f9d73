/* SPDX-License-Identifier: MIT */
/*
 * sso-token.c: owns single sign-on's token format, its hash, the oauth_uid vumaerp gives a user
 * and the signin link's shape (sso-token.h).
 */
#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "macro.h"
#include "result.h"
#include "sso-token.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int sso_token_new(char **ret) {
        uint8_t b[SSO_TOKEN_BYTES + 1] = {};  /* one zero byte of slack for the last group */
        char *out;
        size_t o = 0;

        if (getrandom(b, SSO_TOKEN_BYTES, 0) != SSO_TOKEN_BYTES)
                return errno > 0 ? -errno : -EIO;
        out = malloc(SSO_TOKEN_LENGTH + 1);
        if (!out) {
                explicit_bzero(b, sizeof b);
                return -ENOMEM;
        }
        for (size_t i = 0; i < SSO_TOKEN_BYTES; i += 3) {
                uint32_t v = (uint32_t) b[i] << 16 | (uint32_t) b[i + 1] << 8 | (i + 2 < SSO_TOKEN_BYTES ? b[i + 2] : 0);
                size_t n = i + 2 < SSO_TOKEN_BYTES ? 4 : 3;   /* 32 = 10 * 3 + 2: the last group has 3 */

                for (size_t k = 0; k < n; k++)
                        out[o++] = b64url[(v >> (18 - 6 * k)) & 0x3f];
        }
        out[o] = '\0';
        explicit_bzero(b, sizeof b);
        *ret = out;
        return 0;
}

bool sso_token_is_wellformed(const char *s) {
        if (!s || strlen(s) != SSO_TOKEN_LENGTH)
                return false;
        for (const char *p = s; *p; p++)
                if (!strchr(b64url, *p))
                        return false;
        return true;
}

void sso_token_hash_hex(const char *token, char out[2 + SSO_HASH_HEX + 1]) {
        uint8_t h[SSO_HASH_BYTES];
        unsigned n = 0;

        if (EVP_Digest(token, strlen(token), h, &n, EVP_sha256(), NULL) != 1 || n != SSO_HASH_BYTES)
                memset(h, 0, sizeof h);   /* matches no stored token: a random token never hashes to zeros */
        out[0] = '\\', out[1] = 'x';
        for (size_t i = 0; i < SSO_HASH_BYTES; i++)
                snprintf(out + 2 + 2 * i, 3, "%02x", h[i]);
}

char *sso_oauth_uid(long uid) {
        char *s;

        return asprintf(&s, "vumaerp:%ld", uid) < 0 ? NULL : s;
}

char *sso_url_encode(const char *s) {
        static const char hex[] = "0123456789ABCDEF";
        size_t n = strlen(s);
        char *out = malloc(3 * n + 1), *o = out;

        if (!out)
                return NULL;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    *p == '-' || *p == '_' || *p == '.' || *p == '~')
                        *o++ = (char) *p;
                else {
                        *o++ = '%';
                        *o++ = hex[*p >> 4];
                        *o++ = hex[*p & 0xf];
                }
        }
        *o = '\0';
        return out;
}

static size_t trimmed_length(const char *base) {
        size_t n = strlen(base);

        while (n > 0 && base[n - 1] == '/')
                n--;
        return n;
}

char *sso_link_url(const char *base, const char *token) {
        _cleanup_free_ char *token_q = sso_url_encode(token);
        char *url;

        if (!token_q || asprintf(&url, "%.*s/vumaerp/sso?token=%s", (int) trimmed_length(base), base, token_q) < 0)
                return NULL;
        return url;
}

char *sso_signin_url(const char *base, const char *token, const char *db_name, long provider_id) {
        _cleanup_json_ json_t *state = json_pack("{s:s,s:I,s:s}", "d", db_name, "p", (json_int_t) provider_id, "r", "/web");
        _cleanup_free_ char *state_text = NULL, *state_q = NULL, *token_q = NULL;
        size_t n;
        char *url;

        if (!state)
                return NULL;
        state_text = json_dumps(state, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!state_text)
                return NULL;
        state_q = sso_url_encode(state_text);
        token_q = sso_url_encode(token);
        if (!state_q || !token_q)
                return NULL;
        n = trimmed_length(base);
        if (asprintf(&url, "%.*s/auth_oauth/signin?access_token=%s&state=%s", (int) n, base, token_q, state_q) < 0)
                return NULL;
        return url;
}
