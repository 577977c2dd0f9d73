/* SPDX-License-Identifier: MIT */
/*
 * macro.h: the small language every file here is written in: cleanup attributes that make error
 * paths one line, ownership transfer (TAKE_PTR/TAKE_FD), array sizes, and the sysexits statuses
 * that every action binary exits with and vumaerp-api maps to HTTP.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _pure_ __attribute__((pure))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define STRLEN(s) (sizeof(s "") - 1)

static inline void freep(void *p) { free(*(void **) p); }
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);
                errno = saved;
        }
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Generates "static inline void <func>p(type *p)" that calls func(*p) when *p is set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

/* Hands ownership of a pointer on: returns it and clears the variable so cleanup skips it. */
#define TAKE_PTR(p)                             \
        ({                                      \
                __typeof__(p) _p_ = (p);        \
                (p) = NULL;                     \
                _p_;                            \
        })
#define TAKE_FD(fd)                             \
        ({                                      \
                int _fd_ = (fd);                \
                (fd) = -1;                      \
                _fd_;                           \
        })

static inline int negative_errno(void) {
        /* For the paths where a libc call failed but left errno unset, never return 0 or a
         * positive value by accident. */
        return errno > 0 ? -errno : -EIO;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
static inline int streq_ptr(const char *a, const char *b) {
        if (a && b)
                return streq(a, b);
        return !a && !b;
}

static inline const char *strempty(const char *s) { return s ? s : ""; }
static inline int isempty(const char *s) { return !s || !*s; }

/* Frees a NULL-terminated array of strings and the array. */
static inline void strv_free(char **l) {
        if (!l)
                return;
        for (char **i = l; *i; i++)
                free(*i);
        free(l);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Statuses every action exits with (sysexits.h); vumaerp-api maps them to HTTP in
 * http_status_for_exit(). Named here so a reader sees what each means in this project. */
#define EXIT_OK           EX_OK          /* 0   → 200 */
#define EXIT_USAGE        EX_USAGE       /* 64  → 400 */
#define EXIT_BAD_INPUT    EX_DATAERR     /* 65  → 400 */
#define EXIT_NO_TENANT    EX_NOINPUT     /* 66  → 404 */
#define EXIT_UNAVAILABLE  EX_UNAVAILABLE /* 69  → 503 */
#define EXIT_SOFTWARE     EX_SOFTWARE    /* 70  → 500 */
#define EXIT_EXISTS       EX_CANTCREAT   /* 73  → 409 */
#define EXIT_DENIED       EX_NOPERM      /* 77  → 403: a one-time token not (or no longer) good */
#define EXIT_TEMPFAIL     EX_TEMPFAIL    /* 75  → 503 */
#define EXIT_CONFIG       EX_CONFIG      /* 78  → 500 */
