/* SPDX-License-Identifier: MIT */
/*
 * tests.h: the few assertion macros the unit tests use. A failed check prints where and what and
 * marks the test failed; the test goes on so one run shows every failure. main() returns
 * test_exit_status(). A test that needs a Config starts from test_config() (every default, as
 * config_load() would) and sets what it tests with test_set().
 */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static int test_failures;
static int test_checks;

#define CHECK(expr)                                                                     \
        do {                                                                            \
                test_checks++;                                                          \
                if (!(expr)) {                                                          \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
                        test_failures++;                                                \
                }                                                                       \
        } while (0)

#define CHECK_INT(a, b)                                                                 \
        do {                                                                            \
                long long _a = (long long) (a), _b = (long long) (b);                   \
                test_checks++;                                                          \
                if (_a != _b) {                                                         \
                        fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n",     \
                                __FILE__, __LINE__, #a, _a, #b, _b);                    \
                        test_failures++;                                                \
                }                                                                       \
        } while (0)

#define CHECK_STR(a, b)                                                                 \
        do {                                                                            \
                const char *_a = (a), *_b = (b);                                        \
                test_checks++;                                                          \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                \
                        fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n",       \
                                __FILE__, __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); \
                        test_failures++;                                                \
                }                                                                       \
        } while (0)

static inline int test_exit_status(void) {
        fprintf(stderr, "%d checks, %d failed\n", test_checks, test_failures);
        return test_failures ? 1 : (test_checks ? 0 : 1);
}

/* config_new_default(), or the test ends: a test without memory has nothing to say. */
static inline Config *test_config(void) {
        Config *c = config_new_default();

        if (!c) {
                fprintf(stderr, "out of memory\n");
                exit(EXIT_FAILURE);
        }
        return c;
}

/* Replaces a string field of a test's Config with a copy of value (NULL: none). */
static inline void test_set(char **field, const char *value) {
        free(*field);
        *field = value ? strdup(value) : NULL;
        if (value && !*field) {
                fprintf(stderr, "out of memory\n");
                exit(EXIT_FAILURE);
        }
}
