/* SPDX-License-Identifier: MIT */
/*
 * password.h: Odoo 17's password hashes, made and checked the way its passlib context does:
 * pbkdf2_sha512, 600,000 rounds, "$pbkdf2-sha512$600000$<salt>$<checksum>" with salt (16 bytes
 * from getrandom) and checksum (64 bytes) in passlib's adapted base64 (standard alphabet with
 * '.' for '+', no padding). PBKDF2 is OpenSSL's; passwords are wiped from memory we own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_PBKDF2_ROUNDS 600000
#define PASSWORD_MAX_LENGTH 4096      /* longer passwords are refused (-E2BIG) */
#define PASSWORD_GENERATED_LENGTH 20  /* characters from a 56-letter unambiguous alphabet */

/* The hash of password (malloc'd in *ret). Empty or too long: -EINVAL / -E2BIG. */
int password_hash(const char *password, char **ret);

/* The same with another number of rounds (1 .. passlib's maximum; else -EINVAL): Odoo hashes its
 * API keys with 6,000 (apikey.h). */
int password_hash_rounds(const char *password, unsigned rounds, char **ret);

/* Whether password matches hash (a pbkdf2-sha512 passlib hash with any rounds): 1 yes, 0 no,
 * -EINVAL when hash is not in that format. Constant-time comparison of the checksum. */
int password_verify(const char *password, const char *hash);

/* Odoo 17's API keys (odoo/addons/base/models/res_users.py): API_KEY_SIZE random bytes in lower-case
 * hex; res_users_apikeys.index holds its first INDEX_SIZE characters, key its hash by
 * KEY_CRYPT_CONTEXT, pbkdf2_sha512 with 6,000 rounds. */
#define PASSWORD_APIKEY_BYTES 20
#define PASSWORD_APIKEY_LENGTH (2 * PASSWORD_APIKEY_BYTES)
#define PASSWORD_APIKEY_INDEX 8
#define PASSWORD_APIKEY_ROUNDS 6000

/* A new API key (malloc'd, PASSWORD_APIKEY_LENGTH characters: free it wiped) and its hash. */
int password_apikey(char **ret_key, char **ret_hash);

/* A new random password (malloc'd), PASSWORD_GENERATED_LENGTH characters (~116 bits). */
int password_generate(char **ret);
