/* SPDX-License-Identifier: MIT */
/*
 * curl-dlopen.h: libcurl, loaded on first use. Only the Odoo JSON-RPC client (odoo.c: the template
 * build and the provision's login check) and the offsite store's client (s3.c) need it, while every action links libvumaerp:
 * linking libcurl would make each status, list and suspend load its dependency tree (~20 ms and
 * ~1 MiB per process start, measured). systemd loads its optional libraries the same way.
 */
#pragma once

#include <curl/curl.h>

extern CURL *(*sym_curl_easy_init)(void);
extern CURLcode (*sym_curl_easy_setopt)(CURL *curl, CURLoption option, ...);
extern CURLcode (*sym_curl_easy_perform)(CURL *curl);
extern CURLcode (*sym_curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);
extern void (*sym_curl_easy_cleanup)(CURL *curl);
extern const char *(*sym_curl_easy_strerror)(CURLcode code);
extern struct curl_slist *(*sym_curl_slist_append)(struct curl_slist *list, const char *string);
extern void (*sym_curl_slist_free_all)(struct curl_slist *list);

/* For _cleanup_(): both do nothing with NULL. */
static inline void curl_easy_cleanupp(CURL **p) {
        if (*p)
                sym_curl_easy_cleanup(*p);
}
static inline void curl_slist_free_allp(struct curl_slist **p) {
        if (*p)
                sym_curl_slist_free_all(*p);
}

/* Loads libcurl (libcurl.so.4) and resolves the symbols above, once. Returns 0, or -EOPNOTSUPP
 * with *ret_error (malloc'd, may be NULL on OOM) saying what is missing. */
int dlopen_curl(char **ret_error);
