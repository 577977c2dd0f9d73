/* SPDX-License-Identifier: MIT */
/* curl-dlopen.c: libcurl on first use (curl-dlopen.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "curl-dlopen.h"
#include "macro.h"

CURL *(*sym_curl_easy_init)(void);
CURLcode (*sym_curl_easy_setopt)(CURL *curl, CURLoption option, ...);
CURLcode (*sym_curl_easy_perform)(CURL *curl);
CURLcode (*sym_curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);
void (*sym_curl_easy_cleanup)(CURL *curl);
const char *(*sym_curl_easy_strerror)(CURLcode code);
struct curl_slist *(*sym_curl_slist_append)(struct curl_slist *list, const char *string);
void (*sym_curl_slist_free_all)(struct curl_slist *list);

int dlopen_curl(char **ret_error) {
        static void *handle;
        const struct {
                const char *name;
                void **sym;
        } syms[] = {
                { "curl_easy_init", (void **) &sym_curl_easy_init },
                { "curl_easy_setopt", (void **) &sym_curl_easy_setopt },
                { "curl_easy_perform", (void **) &sym_curl_easy_perform },
                { "curl_easy_getinfo", (void **) &sym_curl_easy_getinfo },
                { "curl_easy_cleanup", (void **) &sym_curl_easy_cleanup },
                { "curl_easy_strerror", (void **) &sym_curl_easy_strerror },
                { "curl_slist_append", (void **) &sym_curl_slist_append },
                { "curl_slist_free_all", (void **) &sym_curl_slist_free_all },
        };
        void *h;

        if (handle)
                return 0;
        h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                if (ret_error && asprintf(ret_error, "cannot load libcurl (install libcurl4): %s", dlerror()) < 0)
                        *ret_error = NULL;
                return -EOPNOTSUPP;
        }
        for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
                *syms[i].sym = dlsym(h, syms[i].name);
                if (!*syms[i].sym) {
                        if (ret_error && asprintf(ret_error, "libcurl lacks %s", syms[i].name) < 0)
                                *ret_error = NULL;
                        dlclose(h);
                        return -EOPNOTSUPP;
                }
        }
        handle = h;
        return 0;
}
