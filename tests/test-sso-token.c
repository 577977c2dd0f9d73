/* SPDX-License-Identifier: MIT */
/* test-sso-token: single sign-on's token (shape, randomness, hash), the link WHMCS gets and the
 * path Odoo's auth_oauth signs in on, with its state JSON encoded. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sso-token.h"
#include "tests.h"

static void test_token(void) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        CHECK_INT(sso_token_new(&a), 0);
        CHECK_INT(sso_token_new(&b), 0);
        if (!a || !b)
                return;
        CHECK_INT(strlen(a), SSO_TOKEN_LENGTH);
        CHECK(sso_token_is_wellformed(a));
        CHECK(strcmp(a, b) != 0);
        CHECK(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == SSO_TOKEN_LENGTH);

        CHECK(!sso_token_is_wellformed(NULL));
        CHECK(!sso_token_is_wellformed(""));
        CHECK(!sso_token_is_wellformed("abc"));
        CHECK(!sso_token_is_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));   /* padding */
        CHECK(!sso_token_is_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+"));   /* standard alphabet */
        CHECK(!sso_token_is_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));  /* 44 */
        CHECK(sso_token_is_wellformed("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_"));
}

static void test_hash(void) {
        char h[2 + SSO_HASH_HEX + 1];

        /* sha256("abc"), FIPS 180-2's example. */
        sso_token_hash_hex("abc", h);
        CHECK_STR(h, "\\xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_urls(void) {
        _cleanup_free_ char *link = sso_link_url("https://acme-ltd.vumacloud.com/", "tok-_EN");
        _cleanup_free_ char *path = sso_signin_url("", "a+b", "acme_ltd", 7);
        _cleanup_free_ char *url = sso_signin_url("http://h:8069", "t", "x_y", 12);
        _cleanup_free_ char *uid = sso_oauth_uid(2);
        _cleanup_free_ char *enc = sso_url_encode("{\"d\": \"a\"}&=%/?#é");

        CHECK_STR(link, "https://acme-ltd.vumacloud.com/vumaerp/sso?token=tok-_EN");
        CHECK_STR(path, "/auth_oauth/signin?access_token=a%2Bb&state=%7B%22d%22%3A%22acme_ltd%22%2C%22p%22%3A7%2C%22r%22%3A%22%2Fweb%22%7D");
        CHECK_STR(url, "http://h:8069/auth_oauth/signin?access_token=t&state=%7B%22d%22%3A%22x_y%22%2C%22p%22%3A12%2C%22r%22%3A%22%2Fweb%22%7D");
        CHECK_STR(uid, "vumaerp:2");
        CHECK_STR(enc, "%7B%22d%22%3A%20%22a%22%7D%26%3D%25%2F%3F%23%C3%A9");
}

int main(void) {
        test_token();
        test_hash();
        test_urls();
        return test_exit_status();
}
