/* SPDX-License-Identifier: MIT */
/*
 * config.c: reads vumaerp.yaml and the countries.yaml and plans.yaml it names with libyaml's document
 * API and checks them against the schema in config.h. Every problem becomes one "FILE:LINE:COLUMN: what"
 * message (libyaml's marks are 0-based; admins and editors count from 1).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <strings.h>
#include <yaml.h>

#include "build-config.h"
#include "config.h"
#include "fileio.h"
#include "macro.h"
#include "names.h"
#include "web.h"

#define CONFIG_FILE_MAX (1024 * 1024)
/* How much of an offending value an error message quotes. */
#define QUOTE_MAX 64

typedef struct Parser {
        const char *file;       /* as given: messages must name what the admin typed */
        char *text;
        size_t size;
        yaml_document_t doc;
        bool have_doc;
        char *error;
} Parser;

static void parser_done(Parser *p) {
        if (p->have_doc)
                yaml_document_delete(&p->doc);
        p->have_doc = false;
        free(p->text);
        p->text = NULL;
        /* p->error is handed to the caller or freed by it. */
}

_printf_(4, 5)
static int fail(Parser *p, yaml_mark_t mark, int r, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        if (p->error)   /* the first problem is the one worth reporting */
                return r;
        va_start(ap, fmt);
        k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (asprintf(&p->error, "%s:%zu:%zu: %s", p->file, mark.line + 1, mark.column + 1, msg) < 0) {
                p->error = NULL;
                return -ENOMEM;
        }
        return r;
}

static int fail_io(const char *file, int r, char **ret_error) {
        const char *what = r == -EFBIG ? "larger than 1 MiB" :
                           r == -EBADF ? "not a regular file" : strerror(-r);

        if (asprintf(ret_error, "%s: %s", file, what) < 0)
                *ret_error = NULL;
        return r;
}

/* A value quoted in a message: bounded, and without control characters that could forge a
 * second log line. Returns a static buffer: one call per message. */
static const char *quote(const char *s) {
        static char buf[QUOTE_MAX + 4];
        size_t i;

        for (i = 0; s[i] && i < QUOTE_MAX; i++)
                buf[i] = (unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
        if (s[i])
                memcpy(buf + i, "...", 4);
        else
                buf[i] = '\0';
        return buf;
}

static const char *node_kind(const yaml_node_t *n) {
        switch (n->type) {
        case YAML_SCALAR_NODE:
                return "a scalar";
        case YAML_SEQUENCE_NODE:
                return "a sequence";
        case YAML_MAPPING_NODE:
                return "a mapping";
        default:
                return "empty";
        }
}

static const char *scalar(const yaml_node_t *n) {
        return (const char *) n->data.scalar.value;
}

/* "key:" with nothing after it, or ~ / null: the key is as good as absent. */
static bool node_is_null(const yaml_node_t *n) {
        const char *v;

        if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return false;
        v = scalar(n);
        return !*v || streq(v, "~") || streq(v, "null") || streq(v, "Null") || streq(v, "NULL");
}

/* libyaml's reader errors (bad UTF-8, control characters) carry a byte offset, not a mark. */
static yaml_mark_t mark_at_offset(const Parser *p, size_t offset) {
        yaml_mark_t m = { .index = offset };

        for (size_t i = 0; i < offset && i < p->size; i++) {
                if (p->text[i] == '\n') {
                        m.line++;
                        m.column = 0;
                } else if (((unsigned char) p->text[i] & 0xc0) != 0x80)
                        m.column++;
        }
        return m;
}

static int yaml_failure(Parser *p, yaml_parser_t *y) {
        if (y->error == YAML_MEMORY_ERROR)
                return -ENOMEM;
        if (y->error == YAML_READER_ERROR)
                return fail(p, mark_at_offset(p, y->problem_offset), -EINVAL, "YAML syntax error: %s",
                            strempty(y->problem));
        if (y->context)
                return fail(p, y->problem_mark, -EINVAL, "YAML syntax error: %s (%s started at line %zu, column %zu)",
                            strempty(y->problem), y->context, y->context_mark.line + 1, y->context_mark.column + 1);
        return fail(p, y->problem_mark, -EINVAL, "YAML syntax error: %s", strempty(y->problem));
}

/* Reads and parses one file into p->doc; returns its root, a mapping. I/O problems are
 * returned as negative errno without a message (the caller words them). */
static int parse_file(Parser *p, yaml_node_t **ret_root) {
        yaml_parser_t y;
        yaml_document_t extra;
        yaml_node_t *root;
        int r;

        r = read_file_bounded(p->file, CONFIG_FILE_MAX, false, &p->text, &p->size);
        if (r < 0)
                return r;

        if (!yaml_parser_initialize(&y))
                return -ENOMEM;
        yaml_parser_set_input_string(&y, (const unsigned char *) p->text, p->size);
        if (!yaml_parser_load(&y, &p->doc)) {
                r = yaml_failure(p, &y);
                yaml_parser_delete(&y);
                return r;
        }
        p->have_doc = true;

        root = yaml_document_get_root_node(&p->doc);
        if (!root) {
                yaml_parser_delete(&y);
                return fail(p, (yaml_mark_t) {}, -EINVAL, "the file is empty");
        }

        /* A second "---" document would be silently ignored; say so instead. */
        if (!yaml_parser_load(&y, &extra)) {
                r = yaml_failure(p, &y);
                yaml_parser_delete(&y);
                return r;
        }
        if (yaml_document_get_root_node(&extra))
                r = fail(p, extra.start_mark, -EINVAL, "only one YAML document is allowed per file");
        yaml_document_delete(&extra);
        yaml_parser_delete(&y);
        if (r < 0)
                return r;

        if (root->type != YAML_MAPPING_NODE)
                return fail(p, root->start_mark, -EINVAL, "the file must be a mapping of keys to values, not %s",
                            node_kind(root));
        *ret_root = root;
        return 0;
}

/* The key node of pair i, checked to be a scalar that is not a repeat of an earlier key. */
static int pair_key(Parser *p, yaml_node_pair_t *pairs, size_t i, yaml_node_t **ret_key, yaml_node_t **ret_value) {
        yaml_node_t *key = yaml_document_get_node(&p->doc, pairs[i].key);
        yaml_node_t *value = yaml_document_get_node(&p->doc, pairs[i].value);

        if (!key || !value)
                return fail(p, (yaml_mark_t) {}, -EINVAL, "malformed YAML document");
        if (key->type != YAML_SCALAR_NODE)
                return fail(p, key->start_mark, -EINVAL, "keys must be scalars, not %s", node_kind(key));
        *ret_key = key;
        *ret_value = value;
        return 0;
}

/* Called once a key is known to be valid, so the loop is bounded by the schema's size. */
static int check_duplicate(Parser *p, yaml_node_pair_t *pairs, size_t i, const yaml_node_t *key) {
        for (size_t j = 0; j < i; j++) {
                yaml_node_t *k = yaml_document_get_node(&p->doc, pairs[j].key);
                if (k && k->type == YAML_SCALAR_NODE && streq(scalar(k), scalar(key)))
                        return fail(p, key->start_mark, -EINVAL, "duplicate key '%s' (first set on line %zu)",
                                    quote(scalar(key)), k->start_mark.line + 1);
        }
        return 0;
}

static int get_string(Parser *p, const char *name, const yaml_node_t *v, char **ret) {
        if (v->type != YAML_SCALAR_NODE)
                return fail(p, v->start_mark, -EINVAL, "'%s' must be a scalar, not %s", name, node_kind(v));
        if (v->data.scalar.length == 0)
                return fail(p, v->start_mark, -EINVAL, "'%s' must not be empty", name);
        /* "\0" in a double-quoted scalar would silently cut the value short. */
        if (strlen(scalar(v)) != v->data.scalar.length)
                return fail(p, v->start_mark, -EINVAL, "'%s' must not contain a NUL character", name);
        *ret = strdup(scalar(v));
        return *ret ? 0 : -ENOMEM;
}

/* Decimal digits only: no sign, blanks, 0x or exponent; overflow is out of range. */
static int get_int(Parser *p, const char *name, const yaml_node_t *v, long min, long max, int *ret) {
        const char *s;
        char *end;
        long l;

        if (v->type != YAML_SCALAR_NODE)
                return fail(p, v->start_mark, -EINVAL, "'%s' must be an integer between %ld and %ld, not %s",
                            name, min, max, node_kind(v));
        s = scalar(v);
        if (s[0] < '0' || s[0] > '9')
                goto bad;
        errno = 0;
        l = strtol(s, &end, 10);
        if (errno != 0 || *end || end != s + v->data.scalar.length || l < min || l > max)
                goto bad;
        *ret = (int) l;
        return 0;
bad:
        return fail(p, v->start_mark, -EINVAL, "'%s' must be an integer between %ld and %ld, not '%s'",
                    name, min, max, quote(s));
}

static int get_bool(Parser *p, const char *name, const yaml_node_t *v, bool *ret) {
        if (v->type == YAML_SCALAR_NODE && (streq(scalar(v), "true") || streq(scalar(v), "false"))) {
                *ret = streq(scalar(v), "true");
                return 0;
        }
        if (v->type != YAML_SCALAR_NODE)
                return fail(p, v->start_mark, -EINVAL, "'%s' must be true or false, not %s", name, node_kind(v));
        return fail(p, v->start_mark, -EINVAL, "'%s' must be true or false, not '%s'", name, quote(scalar(v)));
}

static bool cidr_is_valid(const char *s) {
        char addr[INET6_ADDRSTRLEN];
        unsigned char buf[sizeof(struct in6_addr)];
        const char *slash = strchr(s, '/');
        size_t n = slash ? (size_t) (slash - s) : strlen(s);
        int maxbits;

        if (n == 0 || n >= sizeof(addr))
                return false;
        memcpy(addr, s, n);
        addr[n] = '\0';
        if (inet_pton(AF_INET, addr, buf) == 1)
                maxbits = 32;
        else if (inet_pton(AF_INET6, addr, buf) == 1)
                maxbits = 128;
        else
                return false;

        if (slash) {
                const char *d = slash + 1;
                int bits = 0;

                if (!*d || strlen(d) > 3)
                        return false;
                for (; *d; d++) {
                        if (*d < '0' || *d > '9')
                                return false;
                        bits = bits * 10 + (*d - '0');
                }
                if (bits > maxbits)
                        return false;
        }
        return true;
}

static int get_cidr_list(Parser *p, const char *name, const yaml_node_t *v, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n, i = 0;

        if (node_is_null(v))
                return 0;
        if (v->type != YAML_SEQUENCE_NODE)
                return fail(p, v->start_mark, -EINVAL, "'%s' must be a sequence of addresses, not %s",
                            name, node_kind(v));
        n = v->data.sequence.items.top - v->data.sequence.items.start;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
                int r;

                if (!e)
                        return fail(p, v->start_mark, -EINVAL, "malformed YAML document");
                r = get_string(p, name, e, &l[i]);
                if (r < 0)
                        return r;
                if (!cidr_is_valid(l[i]))
                        return fail(p, e->start_mark, -EINVAL,
                                    "'%s' entry '%s' is not an IPv4 or IPv6 address with an optional /prefix",
                                    name, quote(l[i]));
                i++;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* The schema of vumaerp.yaml: one row per key, each writing one Config field. */
typedef enum KeyType {
        KEY_STRING,
        KEY_ABS_PATH,     /* must start with '/': services run with / as working directory */
        KEY_DB_NAME,      /* reaches SQL as an identifier: ^[a-z][a-z0-9_]{1,62}$ */
        KEY_HTTP_URL,
        KEY_URL_TEMPLATE,
        KEY_INT,
        KEY_BOOL,         /* true or false, nothing else (YAML 1.1's yes/on/no/off read too easily wrong) */
        KEY_CIDR_LIST,
        KEY_TEXT,         /* one line shown to people: at most .max bytes, no control characters */
        KEY_S3_REGION,
        KEY_S3_BUCKET,
        KEY_S3_PREFIX,
        KEY_RETENTION,    /* backups.retention: a mapping of daily, weekly, monthly (BackupRetention) */
        KEY_RETENTION_DAYS, /* the deprecated backups.retention_days: N, read as {daily: N, weekly: 0, monthly: 0} */
} KeyType;

typedef struct Key {
        const char *section;    /* NULL: top level */
        const char *name;
        KeyType type;
        size_t offset;
        long min, max;
        bool required;
        bool required_in_section;  /* required when its section is there (an optional section) */
        const char *conflicts;  /* a key of the same section that must not be given with this one */
} Key;

#define K(s, n, t, f, ...) { .section = s, .name = n, .type = t, .offset = offsetof(Config, f), __VA_ARGS__ }
static const Key keys[] = {
        K("postgres", "host",            KEY_STRING,       pg_host),
        K("postgres", "port",            KEY_INT,          pg_port, .min = 1, .max = 65535),
        K("postgres", "user",            KEY_STRING,       pg_user),
        K("postgres", "password_file",   KEY_STRING,       pg_password_file),
        K("postgres", "maintenance_db",  KEY_DB_NAME,      pg_maintenance_db),
        K("postgres", "control_db",      KEY_DB_NAME,      control_db),
        K("postgres", "odoo_role",       KEY_DB_NAME,      odoo_role),
        K("postgres", "odoo_password_file", KEY_STRING,    odoo_password_file),
        K("odoo",     "url",             KEY_HTTP_URL,     odoo_url),
        K("odoo",     "data_dir",        KEY_ABS_PATH,     odoo_data_dir),
        K("odoo",     "master_password_file", KEY_STRING,  odoo_master_password_file),
        K("odoo",     "update_notification", KEY_BOOL,     odoo_update_notification),
        K("tenants",  "url_template",    KEY_URL_TEMPLATE, tenant_url_template),
        K("web",      "state_dir",       KEY_ABS_PATH,     web_state_dir),
        K("web",      "pay_url",         KEY_HTTP_URL,     web_pay_url),
        K("web",      "brand",           KEY_TEXT,         web_brand, .max = 64),
        K("backups",  "dir",             KEY_ABS_PATH,     backup_dir, .required = true),
        K("backups",  "retention",       KEY_RETENTION,    backup_retention, .conflicts = "retention_days"),
        K("backups",  "retention_days",  KEY_RETENTION_DAYS, backup_retention, .min = 1, .max = 36500,
          .conflicts = "retention"),
        K("offsite",  "endpoint",        KEY_HTTP_URL,     offsite_endpoint, .required_in_section = true),
        K("offsite",  "region",          KEY_S3_REGION,    offsite_region, .required_in_section = true),
        K("offsite",  "bucket",          KEY_S3_BUCKET,    offsite_bucket, .required_in_section = true),
        K("offsite",  "prefix",          KEY_S3_PREFIX,    offsite_prefix),
        K("offsite",  "credentials_file", KEY_STRING,      offsite_credentials_file, .required_in_section = true),
        K("offsite",  "part_size_mib",   KEY_INT,          offsite_part_size_mib, .min = 5, .max = 5120),
        K("offsite",  "retries",         KEY_INT,          offsite_retries, .min = 0, .max = 10),
        K("api",      "deadline",        KEY_INT,          api_deadline_sec, .min = 1, .max = 86400),
        K("api",      "receive_timeout", KEY_INT,          api_receive_timeout_sec, .min = 1, .max = 300),
        K("api",      "token_file",      KEY_STRING,       api_token_file),
        K("api",      "allowed_clients", KEY_CIDR_LIST,    api_allowed_clients),
        K("api",      "action_dir",      KEY_ABS_PATH,     action_dir),
        K("sso",      "validation_url",  KEY_HTTP_URL,     sso_validation_url),
        K("sso",      "token_lifetime",  KEY_INT,          sso_token_lifetime_sec, .min = 5, .max = 60),
        K(NULL,       "countries",       KEY_STRING,       countries_path, .required = true),
        K(NULL,       "plans",           KEY_STRING,       plans_path),
};
#undef K

static const char *const sections[] = { "postgres", "odoo", "tenants", "web", "backups", "offsite", "api", "sso" };

/* S3's names (they reach URLs and signatures as they are, so only characters that need no
 * encoding): a region, a bucket (S3's rules, less the dots-only and IP-address cases), a key
 * prefix (a path of safe segments that ends in '/'). */
static bool s3_region_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n < 1 || n > 32)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
                        return false;
        return true;
}

static bool s3_bucket_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n < 3 || n > 63 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.' || s[n - 1] == '-' || strstr(s, ".."))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
                        return false;
        return true;
}

static bool s3_prefix_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n < 2 || n > 256 || s[0] == '/' || s[n - 1] != '/' || strstr(s, "//"))
                return false;
        for (const char *seg = s; *seg; ) {
                const char *end = strchr(seg, '/');

                if (end - seg == 1 && seg[0] == '.')
                        return false;
                if (end - seg == 2 && seg[0] == '.' && seg[1] == '.')
                        return false;
                seg = end + 1;
        }
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '-' || *s == '_' || *s == '.' || *s == '/'))
                        return false;
        return true;
}

/* A line for c->warnings, "FILE:LINE:COLUMN: message" as an error would be. */
_printf_(4, 5)
static int warn(Parser *p, Config *c, yaml_mark_t mark, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        char *line, **l;
        size_t n = 0;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (asprintf(&line, "%s:%zu:%zu: %s", p->file, mark.line + 1, mark.column + 1, msg) < 0)
                return -ENOMEM;
        while (c->warnings && c->warnings[n])
                n++;
        l = realloc(c->warnings, (n + 2) * sizeof(char *));
        if (!l) {
                free(line);
                return -ENOMEM;
        }
        l[n] = line;
        l[n + 1] = NULL;
        c->warnings = l;
        return 0;
}

typedef int (*EntryField)(Parser *p, void *entry, size_t field, const yaml_node_t *v);
static int parse_entry(Parser *p, const char *what, const char *code, const char *const *names, size_t n_names,
                       unsigned optional_mask, const yaml_node_t *k, const yaml_node_t *v, EntryField field,
                       void *entry);

static const char *const retention_keys[] = { "daily", "weekly", "monthly" };

static int retention_field(Parser *p, void *entry, size_t field, const yaml_node_t *v) {
        static const long min[] = { 1, 0, 0 }, max[] = { 36500, 5200, 1200 };
        BackupRetention *r = entry;
        int *fields[] = { &r->daily, &r->weekly, &r->monthly };

        /* An empty count keeps its default. */
        if (node_is_null(v))
                return 0;
        return get_int(p, retention_keys[field], v, min[field], max[field], fields[field]);
}

/* backups.retention: {daily: N, weekly: N, monthly: N}, each optional (an absent one keeps its
 * default); anything else is an error at its key. */
static int get_retention(Parser *p, const yaml_node_t *v, BackupRetention *ret) {
        return parse_entry(p, "backups", "retention", retention_keys, ELEMENTSOF(retention_keys), 0x7, v, v,
                           retention_field, ret);
}

static int set_key(Parser *p, Config *c, const Key *k, const yaml_node_t *v) {
        void *field = (uint8_t *) c + k->offset;
        char *s = NULL;
        int r;

        if (k->type == KEY_CIDR_LIST)
                return get_cidr_list(p, k->name, v, (char ***) field);

        /* An empty value keeps the default; a required key must have one. */
        if (node_is_null(v))
                return k->required ? fail(p, v->start_mark, -EINVAL, "'%s' must not be empty", k->name) : 0;

        if (k->type == KEY_INT)
                return get_int(p, k->name, v, k->min, k->max, (int *) field);
        if (k->type == KEY_RETENTION)
                return get_retention(p, v, (BackupRetention *) field);
        if (k->type == KEY_RETENTION_DAYS) {
                int days;

                r = get_int(p, k->name, v, k->min, k->max, &days);
                if (r < 0)
                        return r;
                *(BackupRetention *) field = (BackupRetention) { .daily = days };
                return warn(p, c, v->start_mark,
                            "'retention_days' is deprecated; read as 'retention: {daily: %d, weekly: 0, monthly: 0}' "
                            "(a backup of each of the last %d days); write backups.retention instead (vumaerp.yaml(5))",
                            days, days);
        }
        if (k->type == KEY_BOOL)
                return get_bool(p, k->name, v, (bool *) field);

        r = get_string(p, k->name, v, &s);
        if (r < 0)
                return r;
        switch (k->type) {
        case KEY_ABS_PATH:
                if (s[0] != '/')
                        r = fail(p, v->start_mark, -EINVAL, "'%s' must be an absolute path, not '%s'",
                                 k->name, quote(s));
                break;
        case KEY_DB_NAME:
                if (!db_name_is_valid(s))
                        r = fail(p, v->start_mark, -EINVAL,
                                 "'%s' must match ^[a-z][a-z0-9_]{1,62}$, not '%s'", k->name, quote(s));
                break;
        case KEY_HTTP_URL:
                if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
                        r = fail(p, v->start_mark, -EINVAL, "'%s' must start with http:// or https://, not '%s'",
                                 k->name, quote(s));
                break;
        case KEY_URL_TEMPLATE:
                if (!strstr(s, "{subdomain}") && !strstr(s, "{db_name}"))
                        r = fail(p, v->start_mark, -EINVAL, "'%s' must contain {subdomain} or {db_name}, not '%s'",
                                 k->name, quote(s));
                break;
        case KEY_TEXT:
                if (strlen(s) > (size_t) k->max)
                        r = fail(p, v->start_mark, -EINVAL, "'%s' must be at most %ld bytes", k->name, k->max);
                for (const unsigned char *q = (const unsigned char *) s; r == 0 && *q; q++)
                        if (*q < 0x20 || *q == 0x7f)
                                r = fail(p, v->start_mark, -EINVAL, "'%s' must be one line without control characters",
                                         k->name);
                break;
        case KEY_S3_REGION:
                if (!s3_region_is_valid(s))
                        r = fail(p, v->start_mark, -EINVAL, "'%s' must match ^[a-z0-9-]{1,32}$, not '%s'",
                                 k->name, quote(s));
                break;
        case KEY_S3_BUCKET:
                if (!s3_bucket_is_valid(s))
                        r = fail(p, v->start_mark, -EINVAL,
                                 "'%s' must be an S3 bucket name (3 to 63 of a-z, 0-9, '.' and '-'), not '%s'",
                                 k->name, quote(s));
                break;
        case KEY_S3_PREFIX:
                if (!s3_prefix_is_valid(s))
                        r = fail(p, v->start_mark, -EINVAL,
                                 "'%s' must be segments of A-Z, a-z, 0-9, '.', '_' and '-' each followed by '/' "
                                 "(\"vumaerp/host1/\"; no \".\" or \"..\", at most 256 bytes), not '%s'",
                                 k->name, quote(s));
                break;
        default:
                break;
        }
        if (r < 0) {
                free(s);
                return r;
        }
        free(*(char **) field);  /* the default */
        *(char **) field = s;
        return 0;
}

static const Key *find_key(const char *section, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq_ptr(keys[i].section, section) && streq(keys[i].name, name))
                        return &keys[i];
        return NULL;
}

/* Fails on the first required key of section (NULL: top level) that was not given; with
 * in_section, the keys an optional section requires once it is there count too. */
static int check_required(Parser *p, const char *section, const bool *seen, bool in_section, yaml_mark_t where) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (!(keys[i].required || (in_section && keys[i].required_in_section)) ||
                    !streq_ptr(keys[i].section, section) || seen[i])
                        continue;
                if (section)
                        return fail(p, where, -EINVAL, "missing required key '%s' in section '%s'",
                                    keys[i].name, section);
                return fail(p, where, -EINVAL, "missing required key '%s'", keys[i].name);
        }
        return 0;
}

static int parse_section(Parser *p, Config *c, const char *section, const yaml_node_t *key_node,
                         const yaml_node_t *v, bool *seen) {
        yaml_node_pair_t *pairs;
        size_t n;
        int r;

        if (!node_is_null(v)) {   /* "odoo:" with every key commented out is an empty section */
                if (v->type != YAML_MAPPING_NODE)
                        return fail(p, v->start_mark, -EINVAL, "section '%s' must be a mapping, not %s",
                                    section, node_kind(v));
                pairs = v->data.mapping.pairs.start;
                n = v->data.mapping.pairs.top - pairs;
                for (size_t i = 0; i < n; i++) {
                        yaml_node_t *k, *val;
                        const Key *key;

                        r = pair_key(p, pairs, i, &k, &val);
                        if (r < 0)
                                return r;
                        key = find_key(section, scalar(k));
                        if (!key)
                                return fail(p, k->start_mark, -EINVAL, "unknown key '%s' in section '%s'",
                                            quote(scalar(k)), section);
                        r = check_duplicate(p, pairs, i, k);
                        if (r < 0)
                                return r;
                        if (key->conflicts && seen[find_key(section, key->conflicts) - keys])
                                return fail(p, k->start_mark, -EINVAL, "'%s' and '%s' cannot both be given: keep '%s'",
                                            key->conflicts, key->name,
                                            key->type == KEY_RETENTION_DAYS ? key->conflicts : key->name);
                        r = set_key(p, c, key, val);
                        if (r < 0)
                                return r;
                        seen[key - keys] = true;
                }
        }
        /* An optional section left empty ("offsite:" with every key commented out) is absent. */
        return check_required(p, section, seen, !node_is_null(v), key_node->start_mark);
}

/* The one place the defaults are written (config.h: which fields are never NULL). */
Config *config_new_default(void) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        c->pg_maintenance_db = strdup("postgres");
        c->control_db = strdup("vumaerp");
        c->odoo_role = strdup("odoo");
        c->tenant_url_template = strdup("https://{subdomain}.vumacloud.com");
        c->web_brand = strdup("VumaERP");
        c->offsite_part_size_mib = 64;
        c->offsite_retries = 4;
        c->backup_retention = (BackupRetention) { .daily = 7, .weekly = 4, .monthly = 3 };
        c->api_deadline_sec = 300;
        c->api_receive_timeout_sec = 10;
        c->sso_validation_url = strdup("http://127.0.0.1:5000/api/v1/sso/validate");
        c->sso_token_lifetime_sec = 60;
        if (!c->pg_maintenance_db || !c->control_db || !c->odoo_role || !c->tenant_url_template || !c->web_brand
            || !c->sso_validation_url)
                return NULL;
        return TAKE_PTR(c);
}

/* countries and plans: relative to the directory of the vumaerp.yaml that names them. */
static int resolve_path(const Config *c, char **path) {
        const char *slash = strrchr(c->path, '/');
        char *resolved;

        if (!*path || (*path)[0] == '/' || !slash)
                return 0;
        if (asprintf(&resolved, "%.*s/%s", (int) (slash - c->path), c->path, *path) < 0)
                return -ENOMEM;
        free(*path);
        *path = resolved;
        return 0;
}

/* Where vumaerp.yaml names the files it points to: an unreadable one is reported there. */
typedef struct FileMarks {
        yaml_mark_t countries, plans;
} FileMarks;

static int parse_main(Parser *p, Config *c, FileMarks *ret_marks) {
        bool seen[ELEMENTSOF(keys)] = {};
        yaml_node_t *root;
        yaml_node_pair_t *pairs;
        size_t n;
        int r;

        r = parse_file(p, &root);
        if (r < 0)
                return r;

        pairs = root->data.mapping.pairs.start;
        n = root->data.mapping.pairs.top - pairs;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *k, *v;
                const char *section = NULL;
                const Key *key;

                r = pair_key(p, pairs, i, &k, &v);
                if (r < 0)
                        return r;
                for (size_t s = 0; s < ELEMENTSOF(sections); s++)
                        if (streq(scalar(k), sections[s]))
                                section = sections[s];
                key = section ? NULL : find_key(NULL, scalar(k));
                if (!section && !key)
                        return fail(p, k->start_mark, -EINVAL, "unknown top-level key '%s'", quote(scalar(k)));
                r = check_duplicate(p, pairs, i, k);
                if (r < 0)
                        return r;
                if (section)
                        r = parse_section(p, c, section, k, v, seen);
                else {
                        r = set_key(p, c, key, v);
                        seen[key - keys] = true;
                        if (key->offset == offsetof(Config, countries_path))
                                ret_marks->countries = v->start_mark;
                        if (key->offset == offsetof(Config, plans_path))
                                ret_marks->plans = v->start_mark;
                }
                if (r < 0)
                        return r;
        }

        /* A section that is absent altogether still has its required keys missing. */
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (keys[i].required && !seen[i]) {
                        if (keys[i].section)
                                return fail(p, root->start_mark, -EINVAL, "missing required section '%s'",
                                            keys[i].section);
                        return fail(p, root->start_mark, -EINVAL, "missing required key '%s'", keys[i].name);
                }

        /* nginx routes by host: each tenant's URL needs a host of its own. */
        if (c->web_state_dir) {
                _cleanup_free_ char *h1 = NULL, *h2 = NULL;

                if (web_tenant_host(c, "aa", &h1) < 0 || web_tenant_host(c, "bb", &h2) < 0 || streq(h1, h2))
                        return fail(p, root->start_mark, -EINVAL,
                                    "web.state_dir is set, so tenants.url_template must put {subdomain} or {db_name} "
                                    "in the host name (nginx routes each host to its tenant), not '%s'",
                                    quote(c->tenant_url_template));
        }
        return 0;
}

static bool is_letters(const char *s, size_t n, char lo, char hi) {
        if (strlen(s) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < lo || s[i] > hi)
                        return false;
        return true;
}

/* Characters a value may have when it is later handed to Odoo or PostgreSQL as a word. */
static bool is_word(const char *s, const char *extra) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || strchr(extra, *s)))
                        return false;
        return true;
}

/* Odoo module names are lowercase Python identifiers; they end up in RPC calls. */
static bool module_name_is_valid(const char *s) {
        if (*s < 'a' || *s > 'z' || strlen(s) > 64)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

/* A list of Odoo module names under the key name ("modules", "apps"); empty only when may_be_empty. */
static int get_modules(Parser *p, const char *name, const yaml_node_t *v, bool may_be_empty, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n, i = 0;

        if (v->type != YAML_SEQUENCE_NODE)
                return fail(p, v->start_mark, -EINVAL, "'%s' must be a sequence of module names, not %s",
                            name, node_is_null(v) ? "empty" : node_kind(v));
        n = v->data.sequence.items.top - v->data.sequence.items.start;
        if (n == 0 && !may_be_empty)
                return fail(p, v->start_mark, -EINVAL, "'%s' must name at least one module", name);
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
                yaml_node_t *e = yaml_document_get_node(&p->doc, *it);
                int r;

                if (!e)
                        return fail(p, v->start_mark, -EINVAL, "malformed YAML document");
                r = get_string(p, name, e, &l[i]);
                if (r < 0)
                        return r;
                if (!module_name_is_valid(l[i]))
                        return fail(p, e->start_mark, -EINVAL,
                                    "'%s' entry '%s' is not an Odoo module name (^[a-z][a-z0-9_]*$)",
                                    name, quote(l[i]));
                for (size_t j = 0; j < i; j++)
                        if (streq(l[j], l[i]))
                                return fail(p, e->start_mark, -EINVAL, "'%s' names '%s' twice", name, l[i]);
                i++;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* One entry of countries.yaml or plans.yaml (or backups.retention): the key k (its code, already
 * checked) mapping to v, whose keys must be among names (what says "country"/"plan"), none twice;
 * each value goes to field(); a name not marked optional (optional_mask, by index) must be there. */

static int parse_entry(Parser *p, const char *what, const char *code, const char *const *names, size_t n_names,
                       unsigned optional_mask, const yaml_node_t *k, const yaml_node_t *v, EntryField field,
                       void *entry) {
        bool seen[16] = {};
        yaml_node_pair_t *pairs;
        size_t n;
        int r;

        assert(n_names <= ELEMENTSOF(seen));
        if (v->type != YAML_MAPPING_NODE)
                return fail(p, node_is_null(v) ? k->start_mark : v->start_mark, -EINVAL,
                            "%s '%s' must be a mapping, not %s", what, code, node_is_null(v) ? "empty" : node_kind(v));

        pairs = v->data.mapping.pairs.start;
        n = v->data.mapping.pairs.top - pairs;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *key, *val;
                size_t f;

                r = pair_key(p, pairs, i, &key, &val);
                if (r < 0)
                        return r;
                for (f = 0; f < n_names; f++)
                        if (streq(scalar(key), names[f]))
                                break;
                if (f == n_names)
                        return fail(p, key->start_mark, -EINVAL, "unknown key '%s' in %s '%s'",
                                    quote(scalar(key)), what, code);
                r = check_duplicate(p, pairs, i, key);
                if (r < 0)
                        return r;
                r = field(p, entry, f, val);
                if (r < 0)
                        return r;
                seen[f] = true;
        }
        for (size_t f = 0; f < n_names; f++)
                if (!seen[f] && !(optional_mask & (1u << f)))
                        return fail(p, k->start_mark, -EINVAL, "missing required key '%s' in %s '%s'",
                                    names[f], what, code);
        return 0;
}

static const char *const country_keys[] = {
        "name", "iso_code", "currency", "language", "timezone", "template", "modules",
};

static int parse_country_field(Parser *p, Config *c, Country *co, size_t field, const yaml_node_t *v) {
        char **targets[] = { &co->name, &co->iso_code, &co->currency, &co->language, &co->timezone,
                             &co->template_db };
        const char *name = country_keys[field];
        const Country *other;
        const char *s;
        int r;

        if (streq(name, "modules"))
                return get_modules(p, "modules", v, false, &co->modules);

        if (node_is_null(v))
                return fail(p, v->start_mark, -EINVAL, "'%s' must not be empty", name);
        r = get_string(p, name, v, targets[field]);
        if (r < 0)
                return r;
        s = *targets[field];

        if (streq(name, "iso_code") && !is_letters(s, 2, 'A', 'Z'))
                return fail(p, v->start_mark, -EINVAL, "'iso_code' must be two uppercase letters, not '%s'", quote(s));
        if (streq(name, "currency") && !is_letters(s, 3, 'A', 'Z'))
                return fail(p, v->start_mark, -EINVAL, "'currency' must be three uppercase letters, not '%s'", quote(s));
        if (streq(name, "language") && (!is_word(s, "@") || strlen(s) > 16))
                return fail(p, v->start_mark, -EINVAL, "'language' must be an Odoo language code like en_US, not '%s'",
                            quote(s));
        if (streq(name, "timezone") && (!is_word(s, "/+-") || s[0] == '/' || strstr(s, "..") || strlen(s) > 64))
                return fail(p, v->start_mark, -EINVAL, "'timezone' must be a time zone name like Africa/Nairobi, not '%s'",
                            quote(s));
        if (streq(name, "template")) {
                if (!db_name_is_valid(s))
                        return fail(p, v->start_mark, -EINVAL,
                                    "'template' must match ^[a-z][a-z0-9_]{1,62}$, not '%s'", quote(s));
                /* c->n_countries does not count this country yet: only the others are compared. */
                other = config_find_template(c, s);
                if (other)
                        return fail(p, v->start_mark, -EINVAL,
                                    "template '%s' is already used by country '%s'", s, other->code);
                if (db_name_check(c, s) == -EPERM)
                        return fail(p, v->start_mark, -EINVAL, "template '%s' is a reserved database name", s);
        }
        return 0;
}

typedef struct CountryEntry {
        Config *config;
        Country *country;
} CountryEntry;

static int country_field(Parser *p, void *entry, size_t field, const yaml_node_t *v) {
        CountryEntry *e = entry;

        return parse_country_field(p, e->config, e->country, field, v);
}

static int parse_country(Parser *p, Config *c, Country *co, const yaml_node_t *k, const yaml_node_t *v) {
        CountryEntry e = { .config = c, .country = co };

        co->code = strdup(scalar(k));
        if (!co->code)
                return -ENOMEM;
        return parse_entry(p, "country", co->code, country_keys, ELEMENTSOF(country_keys), 0, k, v, country_field, &e);
}

static int parse_countries(Parser *p, Config *c) {
        yaml_node_t *root;
        yaml_node_pair_t *pairs;
        size_t n;
        int r;

        r = parse_file(p, &root);
        if (r < 0)
                return r;
        pairs = root->data.mapping.pairs.start;
        n = root->data.mapping.pairs.top - pairs;
        c->countries = calloc(n, sizeof(Country));
        if (!c->countries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *k, *v;

                r = pair_key(p, pairs, i, &k, &v);
                if (r < 0)
                        return r;
                if (!is_letters(scalar(k), 2, 'a', 'z'))
                        return fail(p, k->start_mark, -EINVAL, "country code '%s' must be two lowercase letters",
                                    quote(scalar(k)));
                r = check_duplicate(p, pairs, i, k);
                if (r < 0)
                        return r;
                r = parse_country(p, c, &c->countries[i], k, v);
                c->n_countries = i + 1;   /* counted even when half-filled: config_free frees it */
                if (r < 0)
                        return r;
        }
        return 0;
}

bool plan_code_is_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > PLAN_CODE_MAX || *s < 'a' || *s > 'z')
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
                        return false;
        return true;
}

enum { PLAN_KEY_NAME, PLAN_KEY_MAX_USERS, PLAN_KEY_APPS, PLAN_KEY_STORAGE_MB, PLAN_KEY_DEFAULT };
static const char *const plan_keys[] = {
        [PLAN_KEY_NAME] = "name",
        [PLAN_KEY_MAX_USERS] = "max_users",
        [PLAN_KEY_APPS] = "apps",
        [PLAN_KEY_STORAGE_MB] = "storage_mb",
        [PLAN_KEY_DEFAULT] = "default",
};
/* The largest storage quota: 16 TiB in MiB. */
#define PLAN_STORAGE_MB_MAX 16777216

static int parse_plan_field(Parser *p, Plan *pl, size_t field, const yaml_node_t *v) {
        const char *name = plan_keys[field];

        if (field != PLAN_KEY_APPS && node_is_null(v))
                return fail(p, v->start_mark, -EINVAL, "'%s' must not be empty", name);
        switch (field) {
        case PLAN_KEY_NAME: {
                int r = get_string(p, name, v, &pl->name);

                if (r < 0)
                        return r;
                if (strlen(pl->name) > 64)
                        return fail(p, v->start_mark, -EINVAL, "'name' must be at most 64 bytes");
                for (const unsigned char *q = (const unsigned char *) pl->name; *q; q++)
                        if (*q < 0x20 || *q == 0x7f)
                                return fail(p, v->start_mark, -EINVAL, "'name' must be one line without control characters");
                return 0;
        }
        case PLAN_KEY_MAX_USERS:
                return get_int(p, name, v, 1, PLAN_MAX_USERS, &pl->max_users);
        case PLAN_KEY_APPS:
                return get_modules(p, name, v, true, &pl->apps);
        case PLAN_KEY_STORAGE_MB:
                return get_int(p, name, v, 1, PLAN_STORAGE_MB_MAX, &pl->storage_mb);
        default:
                return get_bool(p, name, v, &pl->is_default);
        }
}

static int plan_field(Parser *p, void *entry, size_t field, const yaml_node_t *v) {
        return parse_plan_field(p, entry, field, v);
}

static int parse_plan(Parser *p, Plan *pl, const yaml_node_t *k, const yaml_node_t *v) {
        pl->code = strdup(scalar(k));
        if (!pl->code)
                return -ENOMEM;
        return parse_entry(p, "plan", pl->code, plan_keys, ELEMENTSOF(plan_keys), 1u << PLAN_KEY_DEFAULT, k, v,
                           plan_field, pl);
}

static int parse_plans(Parser *p, Config *c) {
        yaml_node_t *root, *default_key = NULL;
        yaml_node_pair_t *pairs;
        size_t n;
        int r;

        r = parse_file(p, &root);
        if (r < 0)
                return r;
        pairs = root->data.mapping.pairs.start;
        n = root->data.mapping.pairs.top - pairs;
        if (n == 0)
                return fail(p, root->start_mark, -EINVAL, "no plans: name at least one (or leave 'plans' out of vumaerp.yaml)");
        c->plans = calloc(n, sizeof(Plan));
        if (!c->plans)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                yaml_node_t *k, *v;

                r = pair_key(p, pairs, i, &k, &v);
                if (r < 0)
                        return r;
                if (!plan_code_is_valid(scalar(k)))
                        return fail(p, k->start_mark, -EINVAL, "plan code '%s' must match ^[a-z][a-z0-9_]{0,31}$",
                                    quote(scalar(k)));
                r = check_duplicate(p, pairs, i, k);
                if (r < 0)
                        return r;
                r = parse_plan(p, &c->plans[i], k, v);
                c->n_plans = i + 1;   /* counted even when half-filled: config_free frees it */
                if (r < 0)
                        return r;
                if (c->plans[i].is_default) {
                        if (default_key)
                                return fail(p, k->start_mark, -EINVAL,
                                            "plans '%s' and '%s' are both marked 'default: true': one plan is the default",
                                            scalar(default_key), scalar(k));
                        default_key = k;
                }
        }
        if (!default_key)
                return fail(p, root->start_mark, -EINVAL,
                            "no plan is the default: mark the one a tenant gets without asking with 'default: true'");
        return 0;
}

/* Parses the file a key of vumaerp.yaml names (countries, plans); an unreadable one is reported at
 * that key's line of vumaerp.yaml, which is what the admin edits. */
static int load_named(Config *c, const char *what, const char *file, yaml_mark_t mark,
                      int (*parse)(Parser *p, Config *c), char **ret_error) {
        Parser p = { .file = file };
        int r;

        r = parse(&p, c);
        parser_done(&p);
        if (r >= 0)
                return 0;
        if (!p.error && r != -ENOMEM) {
                Parser q = { .file = c->path };

                (void) fail(&q, mark, r, "cannot read %s file '%s': %s", what, file,
                            r == -EFBIG ? "larger than 1 MiB" :
                            r == -EBADF ? "not a regular file" : strerror(-r));
                *ret_error = q.error;
                return r;
        }
        *ret_error = p.error;
        return r;
}

const char *config_default_path(void) {
        const char *e = secure_getenv("VUMAERP_CONFIG");
        return isempty(e) ? VUMAERP_DEFAULT_CONFIG : e;
}

int config_load(const char *path, Config **ret, char **ret_error) {
        _cleanup_(config_freep) Config *c = NULL;
        Parser p = {};
        FileMarks marks = {};
        int r;

        *ret_error = NULL;
        if (!path)
                path = config_default_path();

        c = config_new_default();
        if (!c)
                return -ENOMEM;
        c->path = strdup(path);
        if (!c->path)
                return -ENOMEM;

        p.file = c->path;
        r = parse_main(&p, c, &marks);
        parser_done(&p);
        if (r < 0) {
                if (!p.error && r != -ENOMEM)
                        return fail_io(c->path, r, ret_error);
                *ret_error = p.error;
                return r;
        }

        r = resolve_path(c, &c->countries_path);
        if (r < 0)
                return r;
        r = resolve_path(c, &c->plans_path);
        if (r < 0)
                return r;

        r = load_named(c, "countries", c->countries_path, marks.countries, parse_countries, ret_error);
        if (r < 0)
                return r;
        if (c->plans_path) {
                r = load_named(c, "plans", c->plans_path, marks.plans, parse_plans, ret_error);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(c);
        return 0;
}

static void country_done(Country *co) {
        free(co->code);
        free(co->name);
        free(co->iso_code);
        free(co->currency);
        free(co->language);
        free(co->timezone);
        free(co->template_db);
        strv_free(co->modules);
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->path);
        free(c->countries_path);
        free(c->plans_path);
        strv_free(c->warnings);
        free(c->pg_host);
        free(c->pg_user);
        free(c->pg_password_file);
        free(c->pg_maintenance_db);
        free(c->control_db);
        free(c->odoo_role);
        free(c->odoo_password_file);
        free(c->odoo_url);
        free(c->odoo_data_dir);
        free(c->odoo_master_password_file);
        free(c->tenant_url_template);
        free(c->web_state_dir);
        free(c->web_pay_url);
        free(c->web_brand);
        free(c->backup_dir);
        free(c->offsite_endpoint);
        free(c->offsite_region);
        free(c->offsite_bucket);
        free(c->offsite_prefix);
        free(c->offsite_credentials_file);
        free(c->api_token_file);
        strv_free(c->api_allowed_clients);
        free(c->action_dir);
        free(c->sso_validation_url);
        for (size_t i = 0; i < c->n_countries; i++)
                country_done(&c->countries[i]);
        free(c->countries);
        for (size_t i = 0; i < c->n_plans; i++) {
                free(c->plans[i].code);
                free(c->plans[i].name);
                strv_free(c->plans[i].apps);
        }
        free(c->plans);
        free(c);
        return NULL;
}

const Country *config_find_country(const Config *c, const char *code) {
        if (!c || !code)
                return NULL;
        for (size_t i = 0; i < c->n_countries; i++)
                if (c->countries[i].code && strcasecmp(c->countries[i].code, code) == 0)
                        return &c->countries[i];
        return NULL;
}

const Country *config_find_template(const Config *c, const char *db) {
        for (size_t i = 0; i < c->n_countries; i++)
                if (streq_ptr(c->countries[i].template_db, db))
                        return &c->countries[i];
        return NULL;
}

const Plan *config_find_plan(const Config *c, const char *code) {
        if (!c || !code)
                return NULL;
        for (size_t i = 0; i < c->n_plans; i++)
                if (streq(c->plans[i].code, code))
                        return &c->plans[i];
        return NULL;
}

const Plan *config_default_plan(const Config *c) {
        for (size_t i = 0; i < c->n_plans; i++)
                if (c->plans[i].is_default)
                        return &c->plans[i];
        return NULL;
}
