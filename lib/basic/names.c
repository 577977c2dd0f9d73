/* SPDX-License-Identifier: MIT */
/* names.c: the db_name rules (ARCHITECTURE.md, "Names") and the tenant URL. */
#include <string.h>

#include "macro.h"
#include "names.h"
#include "result.h"
#include "template-choice.h"

bool db_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        /* 2..63 characters: PostgreSQL truncates identifiers at 63 bytes, and a silently
         * truncated name would address another tenant. */
        if (n < 2 || n > 63)
                return false;
        if (name[0] < 'a' || name[0] > 'z')
                return false;
        for (size_t i = 1; i < n; i++) {
                char ch = name[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
                        return false;
        }
        /* The name is also the tenant's host label, '_' as '-' (tenant_url): a label may not end
         * in '-' (RFC 1123), and '--' in its third and fourth places marks an IDNA label
         * ("xn--…", RFC 5891 §4.2.3.1), which a browser would show as other letters. */
        if (name[n - 1] == '_')
                return false;
        if (n >= 4 && name[2] == '_' && name[3] == '_')
                return false;
        return true;
}

const char *db_name_reserved(const Config *c, size_t i) {
        static const char *const postgres[] = { "postgres", "template0", "template1" };

        if (i < ELEMENTSOF(postgres))
                return postgres[i];
        switch (i - ELEMENTSOF(postgres)) {
        case 0:
                return c->control_db;
        case 1:
                return c->pg_maintenance_db;
        case 2:
                return DB_NAME_DRILL;
        default:
                return NULL;
        }
}

bool db_name_is_reserved(const Config *c, const char *name) {
        const char *r;

        for (size_t i = 0; (r = db_name_reserved(c, i)); i++)
                if (streq(name, r))
                        return true;
        return false;
}

int db_name_check(const Config *c, const char *name) {
        if (!db_name_is_valid(name))
                return -EINVAL;
        if (db_name_is_reserved(c, name) || template_choice_is_template(c, name))
                return -EPERM;
        /* PostgreSQL's own prefix (pg_catalog, pg_toast, roles pg_*), and vumaerp's names (the
         * default control database, the holder role) whatever the configuration says. */
        if (streq(name, "vumaerp") || strncmp(name, "pg_", 3) == 0 || strncmp(name, "vumaerp_", 8) == 0)
                return -EPERM;
        return 0;
}

char *tenant_url(const Config *c, const char *name) {
        const char *tpl = c->tenant_url_template;
        _cleanup_free_ char *subdomain = strdup(name);
        char *out, *p;
        size_t size = 1;

        if (!subdomain)
                return NULL;
        for (p = subdomain; *p; p++)
                if (*p == '_')
                        *p = '-';

        /* Two passes: measure, then write; placeholders other than ours are copied verbatim. */
        for (int pass = 0; pass < 2; pass++) {
                const char *s = tpl;
                size_t len = 0;

                out = pass ? malloc(size) : NULL;
                if (pass && !out)
                        return NULL;
                while (*s) {
                        const char *rep = NULL;
                        size_t skip = 0;

                        if (strncmp(s, "{subdomain}", 11) == 0)
                                rep = subdomain, skip = 11;
                        else if (strncmp(s, "{db_name}", 9) == 0)
                                rep = name, skip = 9;

                        if (rep) {
                                size_t l = strlen(rep);
                                if (pass)
                                        memcpy(out + len, rep, l);
                                len += l;
                                s += skip;
                        } else {
                                if (pass)
                                        out[len] = *s;
                                len++;
                                s++;
                        }
                }
                if (pass)
                        out[len] = '\0';
                size = len + 1;
        }
        return out;
}

int request_db_name(const Config *c, json_t *request, const char **ret_name, json_t **ret) {
        const char *name;
        int bad = 0, r;

        name = request_string(request, "db_name", &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name", "db_name must be a string");
        if (!name)
                return result_fail(ret, EXIT_USAGE, "missing_db_name", "db_name is required");
        r = db_name_check(c, name);
        if (r == -EPERM)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name",
                                   "db_name \"%s\" is reserved and cannot be a tenant", name);
        if (r < 0)
                return result_fail(ret, EXIT_BAD_INPUT, "invalid_db_name",
                                   "invalid db_name: it must be 2 to 63 characters of a-z, 0-9 and _, starting with a letter");
        *ret_name = name;
        return EXIT_OK;
}
