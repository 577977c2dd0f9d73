/* SPDX-License-Identifier: MIT */
/*
 * auth.h: who may call the API — API tokens (several at once, for rotation) compared in constant
 * time, and an optional allow-list of client networks. Tokens live only in memory read from the
 * token file; they are never logged, put in argv or in a child's environment.
 */
#pragma once

#include <stdbool.h>
#include <sys/socket.h>

typedef struct TokenSet TokenSet;

/* Reads tokens, one per line (blank lines and lines starting with '#' skipped, surrounding
 * whitespace trimmed), from path (as given); path NULL: the credential AUTH_TOKEN_CREDENTIAL
 * (credential.h: $CREDENTIALS_DIRECTORY/api-token; -ENOKEY without $CREDENTIALS_DIRECTORY).
 * A file without any token: -ENOKEY. Tokens shorter than AUTH_MIN_TOKEN_LENGTH: -EKEYREJECTED
 * (a short token is a misconfiguration we refuse to run with). */
#define AUTH_TOKEN_CREDENTIAL "api-token"
#define AUTH_MIN_TOKEN_LENGTH 16
#define AUTH_MAX_TOKEN_LENGTH 512
int token_set_load(const char *path, TokenSet **ret);
TokenSet *token_set_free(TokenSet *t);

/* Whether given matches any token. Takes the same time whichever token matches, whether any does,
 * and whatever the lengths: it compares SHA-256 digests with CRYPTO_memcmp over every token. */
bool token_set_check(const TokenSet *t, const char *given);

/* Constant-time equality of two byte strings of possibly different lengths (exposed for tests). */
bool auth_secure_equal(const void *a, size_t a_size, const void *b, size_t b_size);

typedef struct AllowList AllowList;

/* Parses CIDRs ("192.0.2.0/24", "2001:db8::/32", "127.0.0.1" = /32). NULL or empty list: everyone
 * allowed. A malformed entry: -EINVAL with *ret_bad pointing at it. */
int allow_list_parse(char *const *cidrs, AllowList **ret, const char **ret_bad);
AllowList *allow_list_free(AllowList *a);

/* Whether the peer may call. An IPv4-mapped IPv6 peer matches IPv4 entries. Non-IP peers (a unix
 * socket or a pipe, i.e. a local admin) are allowed. */
bool allow_list_permits(const AllowList *a, const struct sockaddr *sa, socklen_t len);
