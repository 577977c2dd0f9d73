/* SPDX-License-Identifier: MIT */
/*
 * template-choice.c: owns which template a (country, plan) is cloned from: its app set and the
 * name of its template (template-choice.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "macro.h"
#include "names.h"
#include "template-choice.h"

static bool strv_contains(char **l, const char *s) {
        for (; l && *l; l++)
                if (streq(*l, s))
                        return true;
        return false;
}

static size_t strv_length(char **l) {
        size_t n = 0;

        for (; l && *l; l++)
                n++;
        return n;
}

static int compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void template_choice_done(TemplateChoice *t) {
        strv_free(t->apps);
        strv_free(t->modules);
        free(t->db);
        *t = (TemplateChoice) {};
}

/* "a,b,c": what the name's hash is of. */
static char *join(char **l, const char *sep) {
        size_t len = 1;
        char *s, *p;

        for (char **i = l; i && *i; i++)
                len += strlen(*i) + strlen(sep);
        s = p = malloc(len);
        if (!s)
                return NULL;
        *p = '\0';
        for (char **i = l; i && *i; i++)
                p += sprintf(p, "%s%s", i == l ? "" : sep, *i);
        return s;
}

char *template_choice_apps_text(const TemplateChoice *t) {
        return join(t->apps, ", ");
}

static int name_of(const Country *co, char **apps, char **ret) {
        _cleanup_free_ char *text = join(apps, ",");
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        char hex[2 * TEMPLATE_CHOICE_HASH_LEN + 1];
        char *name;

        if (!text)
                return -ENOMEM;
        if (EVP_Digest(text, strlen(text), md, &md_len, EVP_sha256(), NULL) != 1 ||
            md_len * 2 < TEMPLATE_CHOICE_HASH_LEN)
                return -EIO;
        for (size_t i = 0; i < TEMPLATE_CHOICE_HASH_LEN / 2; i++)
                (void) snprintf(hex + 2 * i, 3, "%02x", md[i]);
        if (asprintf(&name, "%s_%s", co->template_db, hex) < 0)
                return -ENOMEM;
        if (!db_name_is_valid(name)) {
                free(name);
                return -ENAMETOOLONG;
        }
        *ret = name;
        return 0;
}

int template_choice(const Country *co, const Plan *plan, TemplateChoice *ret) {
        _cleanup_(template_choice_done) TemplateChoice t = { .country = co };
        size_t n_modules = strv_length(co->modules), n_apps = 0;
        int r;

        t.apps = calloc(strv_length(plan ? plan->apps : NULL) + 1, sizeof(char *));
        if (!t.apps)
                return -ENOMEM;
        for (char **a = plan ? plan->apps : NULL; a && *a; a++) {
                if (strv_contains(co->modules, *a) || strv_contains(t.apps, *a))
                        continue;
                t.apps[n_apps] = strdup(*a);
                if (!t.apps[n_apps++])
                        return -ENOMEM;
        }
        qsort(t.apps, n_apps, sizeof(char *), compare);

        t.modules = calloc(n_modules + n_apps + 1, sizeof(char *));
        if (!t.modules)
                return -ENOMEM;
        for (size_t i = 0; i < n_modules + n_apps; i++) {
                t.modules[i] = strdup(i < n_modules ? co->modules[i] : t.apps[i - n_modules]);
                if (!t.modules[i])
                        return -ENOMEM;
        }

        if (n_apps == 0) {
                t.db = strdup(co->template_db);
                if (!t.db)
                        return -ENOMEM;
        } else {
                r = name_of(co, t.apps, &t.db);
                if (r < 0)
                        return r;
        }
        *ret = t;
        t = (TemplateChoice) {};
        return 0;
}

bool template_choice_is_template(const Config *c, const char *name) {
        if (config_find_template(c, name))
                return true;
        for (size_t i = 0; i < c->n_countries; i++)
                for (size_t j = 0; j < c->n_plans; j++) {
                        _cleanup_(template_choice_done) TemplateChoice t = {};

                        /* Not the country's own name (found above): only a longer one can match. */
                        if (strncmp(name, c->countries[i].template_db, strlen(c->countries[i].template_db)) != 0)
                                continue;
                        if (template_choice(&c->countries[i], &c->plans[j], &t) == 0 && streq(t.db, name))
                                return true;
                }
        return false;
}
