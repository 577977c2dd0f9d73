/* SPDX-License-Identifier: MIT */
/*
 * test-config.c: the shipped conf/ files load to exactly the values they say, and every kind of
 * mistake an admin can make is reported as "FILE:LINE:COLUMN: what" pointing at the right place.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "build-config.h"
#include "config.h"
#include "macro.h"
#include "tests.h"

static char tmpdir[] = "/tmp/test-config.XXXXXX";

/* Names created under tmpdir, removed at the end. */
static const char *const tmpfiles[] = {
        "vumaerp.yaml", "countries.yaml", "other-countries.yaml", "big.yaml", "env.yaml", "plans.yaml",
};

static char *tmp_path(const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s", tmpdir, name) < 0)
                abort();
        return p;
}

static void write_file(const char *name, const char *text, size_t size) {
        _cleanup_free_ char *p = tmp_path(name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || write(fd, text, size) != (ssize_t) size) {
                perror(p);
                abort();
        }
}

static void write_text(const char *name, const char *text) {
        write_file(name, text, strlen(text));
}

static const char good_countries[] =
        "ke:\n"
        "  name: Kenya\n"
        "  iso_code: KE\n"
        "  currency: KES\n"
        "  language: en_US\n"
        "  timezone: Africa/Nairobi\n"
        "  template: tpl_ke\n"
        "  modules: [account, l10n_ke]\n";

/* The smallest valid vumaerp.yaml: everything else has a default. */
static const char minimal[] =
        "backups:\n"
        "  dir: /srv/backups\n"
        "countries: countries.yaml\n";

static void check_country(const Config *c, const char *code, const char *name, const char *iso,
                          const char *currency, const char *tz, const char *template_db, const char *const *modules) {
        const Country *co = config_find_country(c, code);
        size_t i;

        CHECK(co);
        if (!co)
                return;
        CHECK_STR(co->code, code);
        CHECK_STR(co->name, name);
        CHECK_STR(co->iso_code, iso);
        CHECK_STR(co->currency, currency);
        CHECK_STR(co->language, "en_US");
        CHECK_STR(co->timezone, tz);
        CHECK_STR(co->template_db, template_db);
        CHECK(co->modules);
        if (!co->modules)
                return;
        for (i = 0; modules[i]; i++)
                CHECK_STR(co->modules[i], modules[i]);
        CHECK(!co->modules[i]);
}

/* Every field but the paths, backups.dir and the countries, as a file that says nothing leaves it. */
static void check_defaults(const Config *c) {
        CHECK(!c->pg_host);
        CHECK_INT(c->pg_port, 0);
        CHECK(!c->pg_user);
        CHECK(!c->pg_password_file);
        CHECK_STR(c->pg_maintenance_db, "postgres");
        CHECK_STR(c->control_db, "vumaerp");
        CHECK_STR(c->odoo_role, "odoo");
        CHECK(!c->odoo_password_file);
        CHECK(!c->odoo_url);
        CHECK(!c->odoo_data_dir);
        CHECK(!c->odoo_master_password_file);
        CHECK(!c->odoo_update_notification);
        CHECK_STR(c->tenant_url_template, "https://{subdomain}.vumacloud.com");
        CHECK(!c->web_state_dir);
        CHECK(!c->web_pay_url);
        CHECK_STR(c->web_brand, "VumaERP");
        CHECK_INT(c->backup_retention.daily, 7);
        CHECK_INT(c->backup_retention.weekly, 4);
        CHECK_INT(c->backup_retention.monthly, 3);
        CHECK(!c->warnings);
        CHECK(!c->offsite_endpoint);
        CHECK(!c->offsite_region);
        CHECK(!c->offsite_bucket);
        CHECK(!c->offsite_prefix);
        CHECK(!c->offsite_credentials_file);
        CHECK_INT(c->offsite_part_size_mib, 64);
        CHECK_INT(c->offsite_retries, 4);
        CHECK_INT(c->api_deadline_sec, 300);
        CHECK_INT(c->api_receive_timeout_sec, 10);
        CHECK(!c->api_token_file);
        CHECK(!c->api_allowed_clients);
        CHECK(!c->action_dir);
        CHECK_STR(c->sso_validation_url, "http://127.0.0.1:5000/api/v1/sso/validate");
        CHECK_INT(c->sso_token_lifetime_sec, 60);
}

static void check_plan(const Config *c, const char *code, const char *name, int max_users, int storage_mb,
                       bool is_default, const char *const *apps) {
        const Plan *pl = config_find_plan(c, code);
        size_t i;

        CHECK(pl);
        if (!pl)
                return;
        CHECK_STR(pl->code, code);
        CHECK_STR(pl->name, name);
        CHECK_INT(pl->max_users, max_users);
        CHECK_INT(pl->storage_mb, storage_mb);
        CHECK_INT(pl->is_default, is_default);
        CHECK(pl->apps);
        if (!pl->apps)
                return;
        for (i = 0; apps[i]; i++)
                CHECK_STR(pl->apps[i], apps[i]);
        CHECK(!pl->apps[i]);
}

static void test_shipped_config(void) {
        Config *c = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = config_load(SOURCE_DIR "/conf/vumaerp.yaml", &c, &error);
        CHECK_INT(r, 0);
        if (error)
                fprintf(stderr, "unexpected error: %s\n", error);
        if (r < 0)
                return;

        CHECK_STR(c->path, SOURCE_DIR "/conf/vumaerp.yaml");
        CHECK_STR(c->countries_path, SOURCE_DIR "/conf/countries.yaml");
        CHECK_STR(c->pg_host, "/var/run/postgresql");
        CHECK_INT(c->pg_port, 5432);
        CHECK_STR(c->pg_user, "postgres");
        CHECK(!c->pg_password_file);
        CHECK_STR(c->pg_maintenance_db, "postgres");
        CHECK_STR(c->control_db, "vumaerp");
        CHECK_STR(c->odoo_role, "odoo");
        CHECK_STR(c->odoo_url, "http://127.0.0.1:8069");
        CHECK_STR(c->odoo_data_dir, "/var/lib/odoo");
        CHECK_STR(c->tenant_url_template, "https://{subdomain}.vumacloud.com");
        CHECK_STR(c->web_state_dir, "/var/lib/vumaerp-web");
        CHECK(!c->web_pay_url);
        CHECK_STR(c->web_brand, "VumaERP");
        CHECK_STR(c->backup_dir, "/var/lib/vumaerp/backups");
        CHECK_INT(c->backup_retention.daily, 7);
        CHECK_INT(c->backup_retention.weekly, 4);
        CHECK_INT(c->backup_retention.monthly, 3);
        CHECK(!c->warnings);
        CHECK(!c->offsite_endpoint);
        CHECK(!c->offsite_region);
        CHECK(!c->offsite_bucket);
        CHECK(!c->offsite_prefix);
        CHECK(!c->offsite_credentials_file);
        CHECK_INT(c->offsite_part_size_mib, 64);
        CHECK_INT(c->offsite_retries, 4);
        CHECK_INT(c->api_deadline_sec, 300);
        CHECK_INT(c->api_receive_timeout_sec, 10);
        CHECK(!c->api_token_file);
        CHECK(!c->action_dir);
        CHECK(c->api_allowed_clients);
        if (c->api_allowed_clients) {
                CHECK_STR(c->api_allowed_clients[0], "127.0.0.1/8");
                CHECK_STR(c->api_allowed_clients[1], "::1/128");
                CHECK(!c->api_allowed_clients[2]);
        }

        CHECK_INT(c->n_countries, 6);
        check_country(c, "ke", "Kenya", "KE", "KES", "Africa/Nairobi", "erp_ke",
                      (const char *const[]) { "account", "l10n_ke", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });
        check_country(c, "ng", "Nigeria", "NG", "NGN", "Africa/Lagos", "erp_ng",
                      (const char *const[]) { "account", "l10n_ng", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });
        check_country(c, "gh", "Ghana", "GH", "GHS", "Africa/Accra", "erp_gh",
                      (const char *const[]) { "account", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });
        check_country(c, "ug", "Uganda", "UG", "UGX", "Africa/Kampala", "erp_ug",
                      (const char *const[]) { "account", "l10n_ug", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });
        check_country(c, "tz", "Tanzania", "TZ", "TZS", "Africa/Dar_es_Salaam", "erp_tz",
                      (const char *const[]) { "account", "l10n_tz_account", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });
        check_country(c, "rw", "Rwanda", "RW", "RWF", "Africa/Kigali", "erp_rw",
                      (const char *const[]) { "account", "l10n_rw", "contacts", "sale_management", "purchase", "hr", "mail", "auth_oauth", NULL });

        /* Plans are opt-in: the shipped vumaerp.yaml names none (test_shipped_plans). */
        CHECK(!c->plans_path);
        CHECK_INT(c->n_plans, 0);

        /* Codes are matched case-insensitively; unknown ones are not guessed. */
        CHECK(config_find_country(c, "KE") == config_find_country(c, "ke"));
        CHECK(config_find_country(c, "Rw") == config_find_country(c, "rw"));
        CHECK(!config_find_country(c, "xx"));
        CHECK(!config_find_country(c, "k"));
        CHECK(!config_find_country(c, ""));
        CHECK(!config_find_country(c, NULL));

        config_free(c);
}

static void test_defaults(void) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *countries = tmp_path("countries.yaml");
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        write_text("countries.yaml", good_countries);
        write_text("vumaerp.yaml", minimal);
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "unexpected error: %s\n", strempty(error));
                return;
        }
        CHECK_STR(c->countries_path, countries);
        check_defaults(c);
        CHECK_STR(c->backup_dir, "/srv/backups");
        CHECK_INT(c->n_countries, 1);
        /* No plans: no caps, and no default plan. */
        CHECK(!c->plans_path);
        CHECK(!c->plans);
        CHECK_INT(c->n_plans, 0);
        CHECK(!config_default_plan(c));
        CHECK(!config_find_plan(c, "starter"));
        config_free(c);
        c = NULL;

        /* Empty sections and empty values keep the defaults; quoted numbers are numbers. */
        write_text("vumaerp.yaml",
                   "postgres:\n"
                   "  # everything commented out\n"
                   "odoo:\n"
                   "  master_password_file: odoo-master\n"
                   "  update_notification: true\n"
                   "api:\n"
                   "  deadline: \"45\"\n"
                   "  token_file:\n"
                   "  allowed_clients: []\n"
                   "tenants:\n"
                   "  url_template: https://erp.example.com/{db_name}\n"
                   "web:\n"
                   "  brand:\n"
                   "backups:\n"
                   "  dir: /srv/backups\n"
                   "  retention_days: 7\n"
                   "countries: other-countries.yaml\n");
        write_text("other-countries.yaml", good_countries);
        free(error);
        error = NULL;
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "unexpected error: %s\n", strempty(error));
                return;
        }
        CHECK_INT(c->api_deadline_sec, 45);
        CHECK_STR(c->odoo_master_password_file, "odoo-master");
        CHECK(c->odoo_update_notification);
        CHECK(!c->api_token_file);
        CHECK(c->api_allowed_clients && !c->api_allowed_clients[0]);
        CHECK_STR(c->tenant_url_template, "https://erp.example.com/{db_name}");
        /* The deprecated retention_days: read as that many days, and said so once, at its line. */
        CHECK_INT(c->backup_retention.daily, 7);
        CHECK_INT(c->backup_retention.weekly, 0);
        CHECK_INT(c->backup_retention.monthly, 0);
        CHECK(c->warnings && c->warnings[0] && !c->warnings[1]);
        if (c->warnings && c->warnings[0]) {
                _cleanup_free_ char *want = NULL;

                if (asprintf(&want, "%s:16:19: 'retention_days' is deprecated; read as 'retention: {daily: 7, weekly: 0, "
                             "monthly: 0}' (a backup of each of the last 7 days); write backups.retention instead "
                             "(vumaerp.yaml(5))", path) < 0)
                        abort();
                CHECK_STR(c->warnings[0], want);
        }
        CHECK_STR(c->pg_maintenance_db, "postgres");
        CHECK_STR(c->web_brand, "VumaERP");
        config_free(c);
        c = NULL;

        /* retention: each count on its own (an absent or empty one keeps its default). */
        write_text("vumaerp.yaml",
                   "backups:\n"
                   "  dir: /srv/backups\n"
                   "  retention:\n"
                   "    daily: 14\n"
                   "    monthly: \"12\"\n"
                   "    weekly:\n"
                   "countries: other-countries.yaml\n");
        free(error);
        error = NULL;
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "unexpected error: %s\n", strempty(error));
                return;
        }
        CHECK_INT(c->backup_retention.daily, 14);
        CHECK_INT(c->backup_retention.weekly, 4);
        CHECK_INT(c->backup_retention.monthly, 12);
        CHECK(!c->warnings);
        config_free(c);
}

/* offsite: absent or empty is off; given, its keys as written. */
static void test_offsite(void) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        write_text("countries.yaml", good_countries);
        write_text("vumaerp.yaml", "backups:\n  dir: /srv/backups\noffsite:\n  # not yet\ncountries: countries.yaml\n");
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0)
                return;
        CHECK(!c->offsite_endpoint);
        config_free(c);
        c = NULL;

        write_text("vumaerp.yaml",
                   "backups:\n  dir: /srv/backups\n"
                   "offsite:\n"
                   "  endpoint: https://s3.af-south-1.amazonaws.com\n"
                   "  region: af-south-1\n"
                   "  bucket: acme-backups.ke\n"
                   "  prefix: vumaerp/host-1/\n"
                   "  credentials_file: offsite-credentials\n"
                   "  part_size_mib: 16\n"
                   "  retries: 0\n"
                   "countries: countries.yaml\n");
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0)
                return;
        CHECK_STR(c->offsite_endpoint, "https://s3.af-south-1.amazonaws.com");
        CHECK_STR(c->offsite_region, "af-south-1");
        CHECK_STR(c->offsite_bucket, "acme-backups.ke");
        CHECK_STR(c->offsite_prefix, "vumaerp/host-1/");
        CHECK_STR(c->offsite_credentials_file, "offsite-credentials");
        CHECK_INT(c->offsite_part_size_mib, 16);
        CHECK_INT(c->offsite_retries, 0);
        config_free(c);
}

/* What config_load() starts from: every default, nothing configured. */
static void test_new_default(void) {
        _cleanup_(config_freep) Config *c = config_new_default();

        CHECK(c);
        if (!c)
                return;
        CHECK(!c->path);
        CHECK(!c->countries_path);
        check_defaults(c);
        CHECK(!c->backup_dir);
        CHECK(!c->countries);
        CHECK_INT(c->n_countries, 0);
}

static void test_default_path(void) {
        _cleanup_free_ char *path = tmp_path("env.yaml");
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        CHECK_INT(unsetenv("VUMAERP_CONFIG"), 0);
        CHECK_STR(config_default_path(), VUMAERP_DEFAULT_CONFIG);
        CHECK_INT(setenv("VUMAERP_CONFIG", "", 1), 0);
        CHECK_STR(config_default_path(), VUMAERP_DEFAULT_CONFIG);

        write_text("countries.yaml", good_countries);
        write_text("env.yaml", minimal);
        CHECK_INT(setenv("VUMAERP_CONFIG", path, 1), 0);
        CHECK_STR(config_default_path(), path);
        r = config_load(NULL, &c, &error);
        CHECK_INT(r, 0);
        if (r == 0) {
                CHECK_STR(c->path, path);
                CHECK_STR(c->backup_dir, "/srv/backups");
                config_free(c);
        }
        CHECK_INT(unsetenv("VUMAERP_CONFIG"), 0);
}

/* Loads main (and countries, when given) and checks the error is exactly
 * "<file>:<where>: <message>", file being vumaerp.yaml or (in_countries) countries.yaml. */
static void expect_error_at(int line, const char *main_yaml, const char *countries_yaml, bool in_countries,
                            const char *where, const char *message) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *cpath = tmp_path("countries.yaml");
        _cleanup_free_ char *error = NULL, *expected = NULL;
        Config *c = (Config *) 0x1;
        int r;

        write_text("vumaerp.yaml", main_yaml);
        write_text("countries.yaml", countries_yaml ? countries_yaml : good_countries);

        if (asprintf(&expected, "%s%s%s: %s", in_countries ? cpath : path, *where ? ":" : "", where, message) < 0)
                abort();
        r = config_load(path, &c, &error);
        test_checks++;
        if (r >= 0 || !error || !streq(error, expected)) {
                fprintf(stderr, "%s:%d: config_load() == %d, error \"%s\", expected \"%s\"\n",
                        __FILE__, line, r, strempty(error), expected);
                test_failures++;
        }
        CHECK(c == (Config *) 0x1);   /* untouched on failure */
        if (r >= 0 && c != (Config *) 0x1)
                config_free(c);
}
#define expect_error(main_yaml, where, message) \
        expect_error_at(__LINE__, main_yaml, NULL, false, where, message)
#define expect_country_error(countries_yaml, where, message) \
        expect_error_at(__LINE__, minimal, countries_yaml, true, where, message)

static const char with_plans[] =
        "backups:\n"
        "  dir: /srv/backups\n"
        "countries: countries.yaml\n"
        "plans: plans.yaml\n";

static const char good_plan[] =
        "starter:\n"
        "  name: Starter\n"
        "  max_users: 3\n"
        "  apps: [account]\n"
        "  storage_mb: 2048\n"
        "  default: true\n";

/* plans.yaml holds plans_yaml; the error is expected in it. */
static void expect_plan_error_at(int line, const char *plans_yaml, const char *where, const char *message) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *ppath = tmp_path("plans.yaml");
        _cleanup_free_ char *error = NULL, *expected = NULL;
        Config *c = (Config *) 0x1;
        int r;

        write_text("vumaerp.yaml", with_plans);
        write_text("countries.yaml", good_countries);
        write_text("plans.yaml", plans_yaml);
        if (asprintf(&expected, "%s:%s: %s", ppath, where, message) < 0)
                abort();
        r = config_load(path, &c, &error);
        test_checks++;
        if (r >= 0 || !error || !streq(error, expected)) {
                fprintf(stderr, "%s:%d: config_load() == %d, error \"%s\", expected \"%s\"\n",
                        __FILE__, line, r, strempty(error), expected);
                test_failures++;
        }
        CHECK(c == (Config *) 0x1);
        if (r >= 0 && c != (Config *) 0x1)
                config_free(c);
}
#define expect_plan_error(plans_yaml, where, message) expect_plan_error_at(__LINE__, plans_yaml, where, message)

static void test_main_errors(void) {
        /* Unknown keys, at the key. */
        expect_error("postgres:\n  port: 5432\napi:\n  deadlin: 300\n", "4:3",
                     "unknown key 'deadlin' in section 'api'");
        expect_error("backups:\n  dir: /srv\ncountries: countries.yaml\nfoo: 1\n", "4:1",
                     "unknown top-level key 'foo'");
        expect_error("# comment\n\nbackups:\n  dir: /srv\n  retension: 3\ncountries: countries.yaml\n", "5:3",
                     "unknown key 'retension' in section 'backups'");

        /* offsite: once there, it says where and with what; names that reach URLs are checked. */
        expect_error("backups:\n  dir: /srv\ncountries: countries.yaml\noffsite:\n  region: eu-west-1\n", "4:1",
                     "missing required key 'endpoint' in section 'offsite'");
        expect_error("backups:\n  dir: /srv\ncountries: countries.yaml\noffsite:\n  endpoint: http://127.0.0.1:9000\n"
                     "  region: eu-west-1\n  bucket: b1b\n", "4:1",
                     "missing required key 'credentials_file' in section 'offsite'");
        expect_error("offsite:\n  access_key: AKIA\n", "2:3", "unknown key 'access_key' in section 'offsite'");
        expect_error("offsite:\n  endpoint: s3.example.com\n", "2:13",
                     "'endpoint' must start with http:// or https://, not 's3.example.com'");
        expect_error("offsite:\n  region: EU West\n", "2:11", "'region' must match ^[a-z0-9-]{1,32}$, not 'EU West'");
        expect_error("offsite:\n  bucket: My_Bucket\n", "2:11",
                     "'bucket' must be an S3 bucket name (3 to 63 of a-z, 0-9, '.' and '-'), not 'My_Bucket'");
        expect_error("offsite:\n  prefix: vumaerp/../x/\n", "2:11",
                     "'prefix' must be segments of A-Z, a-z, 0-9, '.', '_' and '-' each followed by '/' "
                     "(\"vumaerp/host1/\"; no \".\" or \"..\", at most 256 bytes), not 'vumaerp/../x/'");
        expect_error("offsite:\n  prefix: vumaerp\n", "2:11",
                     "'prefix' must be segments of A-Z, a-z, 0-9, '.', '_' and '-' each followed by '/' "
                     "(\"vumaerp/host1/\"; no \".\" or \"..\", at most 256 bytes), not 'vumaerp'");
        expect_error("offsite:\n  part_size_mib: 4\n", "2:18",
                     "'part_size_mib' must be an integer between 5 and 5120, not '4'");

        /* Ill-typed and out-of-range values, at the value. */
        expect_error("postgres:\n  port: abc\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not 'abc'");
        expect_error("odoo:\n  update_notification: yes\n", "2:24",
                     "'update_notification' must be true or false, not 'yes'");
        expect_error("odoo:\n  update_notification: [true]\n", "2:24",
                     "'update_notification' must be true or false, not a sequence");
        expect_error("postgres:\n  port: 65536\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '65536'");
        expect_error("postgres:\n  port: 0\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '0'");
        expect_error("postgres:\n  port: -5432\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '-5432'");
        expect_error("postgres:\n  port: +5432\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '+5432'");
        expect_error("postgres:\n  port: 0x15\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '0x15'");
        expect_error("postgres:\n  port: \" 5432\"\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not ' 5432'");
        expect_error("postgres:\n  port: 5432.0\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '5432.0'");
        expect_error("postgres:\n  port: 99999999999999999999999\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not '99999999999999999999999'");
        expect_error("api:\n  deadline: 86401\n", "2:13",
                     "'deadline' must be an integer between 1 and 86400, not '86401'");
        expect_error("api:\n  receive_timeout: 301\n", "2:20",
                     "'receive_timeout' must be an integer between 1 and 300, not '301'");
        /* A sign-in link is good for a minute at most. */
        expect_error("sso:\n  token_lifetime: 61\n", "2:19",
                     "'token_lifetime' must be an integer between 5 and 60, not '61'");
        expect_error("sso:\n  validation_url: ftp://127.0.0.1/x\n", "2:19",
                     "'validation_url' must start with http:// or https://, not 'ftp://127.0.0.1/x'");
        expect_error("sso:\n  validation_ur: http://127.0.0.1/x\n", "2:3", "unknown key 'validation_ur' in section 'sso'");
        expect_error("backups:\n  dir: /srv\n  retention_days: 0\n", "3:19",
                     "'retention_days' must be an integer between 1 and 36500, not '0'");
        expect_error("backups:\n  dir: /srv\n  retention: 7\n", "3:14",
                     "backups 'retention' must be a mapping, not a scalar");
        expect_error("backups:\n  dir: /srv\n  retention:\n    daily: 0\n", "4:12",
                     "'daily' must be an integer between 1 and 36500, not '0'");
        expect_error("backups:\n  dir: /srv\n  retention:\n    weekly: -1\n", "4:13",
                     "'weekly' must be an integer between 0 and 5200, not '-1'");
        expect_error("backups:\n  dir: /srv\n  retention:\n    monthly: 1201\n", "4:14",
                     "'monthly' must be an integer between 0 and 1200, not '1201'");
        expect_error("backups:\n  dir: /srv\n  retention:\n    yearly: 1\n", "4:5",
                     "unknown key 'yearly' in backups 'retention'");
        expect_error("backups:\n  dir: /srv\n  retention:\n    daily: 1\n    daily: 2\n", "5:5",
                     "duplicate key 'daily' (first set on line 4)");
        /* Both: which one is meant cannot be told; at the second one. */
        expect_error("backups:\n  dir: /srv\n  retention_days: 30\n  retention: {daily: 7}\n", "4:3",
                     "'retention_days' and 'retention' cannot both be given: keep 'retention'");
        expect_error("backups:\n  dir: /srv\n  retention: {daily: 7}\n  retention_days: 30\n", "4:3",
                     "'retention' and 'retention_days' cannot both be given: keep 'retention'");
        expect_error("postgres:\n  port: [5432]\n", "2:9",
                     "'port' must be an integer between 1 and 65535, not a sequence");
        /* A mapping where a scalar belongs. */
        expect_error("postgres:\n  host:\n    name: db\n", "3:5",
                     "'host' must be a scalar, not a mapping");
        expect_error("api: 5\n", "1:6", "section 'api' must be a mapping, not a scalar");
        expect_error("- postgres\n", "1:1", "the file must be a mapping of keys to values, not a sequence");
        expect_error("api:\n  allowed_clients: 127.0.0.1\n", "2:20",
                     "'allowed_clients' must be a sequence of addresses, not a scalar");
        expect_error("api:\n  allowed_clients:\n    - {a: b}\n", "3:7",
                     "'allowed_clients' must be a scalar, not a mapping");
        expect_error("postgres:\n  user: \"\"\n", "2:9", "'user' must not be empty");
        expect_error("postgres:\n  user: \"a\\0b\"\n", "2:9", "'user' must not contain a NUL character");
        expect_error("postgres:\n  control_db: Vuma-ERP\n", "2:15",
                     "'control_db' must match ^[a-z][a-z0-9_]{1,62}$, not 'Vuma-ERP'");
        expect_error("odoo:\n  url: 127.0.0.1:8069\n", "2:8",
                     "'url' must start with http:// or https://, not '127.0.0.1:8069'");
        expect_error("odoo:\n  data_dir: var/lib/odoo\n", "2:13",
                     "'data_dir' must be an absolute path, not 'var/lib/odoo'");
        expect_error("tenants:\n  url_template: https://erp.example.com\n", "2:17",
                     "'url_template' must contain {subdomain} or {db_name}, not 'https://erp.example.com'");

        /* Bad client networks, at the entry. */
        expect_error("api:\n  allowed_clients:\n    - 127.0.0.1/8\n    - 10.0.0.0/33\n", "4:7",
                     "'allowed_clients' entry '10.0.0.0/33' is not an IPv4 or IPv6 address with an optional /prefix");
        expect_error("api:\n  allowed_clients: [\"::1/128\", \"::1/129\"]\n", "2:32",
                     "'allowed_clients' entry '::1/129' is not an IPv4 or IPv6 address with an optional /prefix");
        expect_error("api:\n  allowed_clients: [localhost]\n", "2:21",
                     "'allowed_clients' entry 'localhost' is not an IPv4 or IPv6 address with an optional /prefix");
        expect_error("api:\n  allowed_clients: [1.2.3.4/]\n", "2:21",
                     "'allowed_clients' entry '1.2.3.4/' is not an IPv4 or IPv6 address with an optional /prefix");
        expect_error("api:\n  allowed_clients: [1.2.3.4/-1]\n", "2:21",
                     "'allowed_clients' entry '1.2.3.4/-1' is not an IPv4 or IPv6 address with an optional /prefix");
        expect_error("api:\n  allowed_clients: [1.2.3/24]\n", "2:21",
                     "'allowed_clients' entry '1.2.3/24' is not an IPv4 or IPv6 address with an optional /prefix");

        /* Missing keys: at the section that lacks them, or at the top for whole sections. */
        expect_error("backups:\n  retention_days: 5\ncountries: countries.yaml\n", "1:1",
                     "missing required key 'dir' in section 'backups'");
        expect_error("postgres:\n  port: 5432\nbackups:\ncountries: countries.yaml\n", "3:1",
                     "missing required key 'dir' in section 'backups'");
        expect_error("# vumaerp\npostgres:\n  port: 5432\ncountries: countries.yaml\n", "2:1",
                     "missing required section 'backups'");
        expect_error("backups:\n  dir: /srv\n", "1:1", "missing required key 'countries'");
        expect_error("backups:\n  dir:\ncountries: countries.yaml\n", "2:7", "'dir' must not be empty");

        /* Duplicate keys, at the second one. */
        expect_error("postgres:\n  port: 5432\n  host: /run\n  port: 5433\n", "4:3",
                     "duplicate key 'port' (first set on line 2)");
        expect_error("api:\n  deadline: 5\nbackups:\n  dir: /srv\napi:\n  deadline: 6\n", "5:1",
                     "duplicate key 'api' (first set on line 1)");

        /* Malformed YAML: libyaml's own words, at its problem mark. */
        expect_error("postgres:\n  port: 5432\n host: x\n", "3:2",
                     "YAML syntax error: did not find expected key (while parsing a block mapping "
                     "started at line 1, column 1)");
        expect_error("api:\n  allowed_clients: [1.2.3.4\n", "3:1",
                     "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence "
                     "started at line 2, column 20)");
        expect_error("postgres:\n  host: \"/run\n", "3:1",
                     "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar "
                     "started at line 2, column 9)");
        expect_error("postgres:\n\thost: x\n", "2:1",
                     "YAML syntax error: found character that cannot start any token (while scanning for the "
                     "next token started at line 2, column 1)");
        expect_error("postgres:\n  host: caf\xc3\n", "2:13", "YAML syntax error: invalid trailing UTF-8 octet");
        expect_error("backups:\n  dir: /srv\ncountries: countries.yaml\n---\nfoo: 1\n", "4:1",
                     "only one YAML document is allowed per file");
        expect_error("postgres:\n  host: *nowhere\n", "2:9",
                     "YAML syntax error: found undefined alias");

        /* nginx routes by host: with web state, every tenant needs a host of its own. */
        expect_error("web:\n  state_dir: /srv/web\ntenants:\n  url_template: https://erp.example.com/{db_name}\n"
                     "backups:\n  dir: /srv\ncountries: countries.yaml\n", "1:1",
                     "web.state_dir is set, so tenants.url_template must put {subdomain} or {db_name} in the host "
                     "name (nginx routes each host to its tenant), not 'https://erp.example.com/{db_name}'");
        expect_error("web:\n  brand: \"a\\tb\"\nbackups:\n  dir: /srv\ncountries: countries.yaml\n", "2:10",
                     "'brand' must be one line without control characters");
        expect_error("web:\n  pay_url: billing.example.com\nbackups:\n  dir: /srv\ncountries: countries.yaml\n", "2:12",
                     "'pay_url' must start with http:// or https://, not 'billing.example.com'");

        /* Empty files. */
        expect_error("", "1:1", "the file is empty");
        expect_error("# only a comment\n", "1:1", "the file is empty");
}

/* Two pieces: a valid entry, then the broken one. */
static void expect_country_error_2(const char *first, const char *second, const char *where, const char *message) {
        _cleanup_free_ char *both = NULL;

        if (asprintf(&both, "%s%s", first, second) < 0)
                abort();
        expect_country_error(both, where, message);
}

static void test_country_errors(void) {
        expect_country_error("KEN:\n  name: Kenya\n", "1:1", "country code 'KEN' must be two lowercase letters");
        expect_country_error_2(good_countries, "KE:\n  name: Kenya\n", "9:1",
                             "country code 'KE' must be two lowercase letters");
        expect_country_error("ke:\n  name: Kenya\n  iso_code: KE\n  currency: KES\n  language: en_US\n"
                             "  timezone: Africa/Nairobi\n  template: tpl_ke\n",
                             "1:1", "missing required key 'modules' in country 'ke'");
        expect_country_error("ke:\n  name: Kenya\n  iso_code: ke\n", "3:13",
                             "'iso_code' must be two uppercase letters, not 'ke'");
        expect_country_error("ke:\n  currency: KESH\n", "2:13", "'currency' must be three uppercase letters, not 'KESH'");
        expect_country_error("ke:\n  template: Tpl-KE\n", "2:13",
                             "'template' must match ^[a-z][a-z0-9_]{1,62}$, not 'Tpl-KE'");
        expect_country_error("ke:\n  template: vumaerp\n", "2:13", "template 'vumaerp' is a reserved database name");
        expect_country_error("ke:\n  name: Kenya\n  capital: Nairobi\n", "3:3", "unknown key 'capital' in country 'ke'");
        expect_country_error("ke:\n  name: Kenya\n  name: Kenia\n", "3:3", "duplicate key 'name' (first set on line 2)");
        expect_country_error("ke:\n  modules: account\n", "2:12",
                             "'modules' must be a sequence of module names, not a scalar");
        expect_country_error("ke:\n  modules: []\n", "2:12", "'modules' must name at least one module");
        expect_country_error("ke:\n  modules: [account, \"l10n ke\"]\n", "2:22",
                             "'modules' entry 'l10n ke' is not an Odoo module name (^[a-z][a-z0-9_]*$)");
        expect_country_error("ke:\n  timezone: ../../etc/passwd\n", "2:13",
                             "'timezone' must be a time zone name like Africa/Nairobi, not '../../etc/passwd'");
        expect_country_error("ke:\n  name:\n", "2:8", "'name' must not be empty");
        expect_country_error("ke: Kenya\n", "1:5", "country 'ke' must be a mapping, not a scalar");
        expect_country_error("[ke, ng]\n", "1:1", "the file must be a mapping of keys to values, not a sequence");
        expect_country_error("", "1:1", "the file is empty");

        /* Two countries may not share a template: the second is the mistake. */
        expect_country_error("ke:\n  name: Kenya\n  iso_code: KE\n  currency: KES\n  language: en_US\n"
                             "  timezone: Africa/Nairobi\n  template: tpl_ke\n  modules: [account]\n"
                             "ug:\n  name: Uganda\n  iso_code: UG\n  currency: UGX\n  language: en_US\n"
                             "  timezone: Africa/Kampala\n  template: tpl_ke\n  modules: [account]\n",
                             "15:13", "template 'tpl_ke' is already used by country 'ke'");
}

/* The shipped plans.yaml, as a host that opts in names it. */
static void test_shipped_plans(void) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        write_text("vumaerp.yaml", "backups:\n  dir: /srv/backups\n"
                                   "countries: " SOURCE_DIR "/conf/countries.yaml\n"
                                   "plans: " SOURCE_DIR "/conf/plans.yaml\n");
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "unexpected error: %s\n", strempty(error));
                return;
        }
        CHECK_STR(c->plans_path, SOURCE_DIR "/conf/plans.yaml");
        CHECK_INT(c->n_plans, 3);
        check_plan(c, "starter", "Starter", 3, 2048, true, (const char *const[]) { "account", "contacts", NULL });
        check_plan(c, "business", "Business", 10, 10240, false,
                   (const char *const[]) { "account", "contacts", "sale_management", "purchase", "hr", NULL });
        check_plan(c, "growth", "Growth", 25, 51200, false,
                   (const char *const[]) { "account", "contacts", "sale_management", "purchase", "hr", "crm", "stock",
                                           "project", NULL });
        CHECK(config_default_plan(c) == config_find_plan(c, "starter"));
        /* Plan codes are exact: nothing is guessed. */
        CHECK(!config_find_plan(c, "Starter"));
        CHECK(!config_find_plan(c, ""));
        CHECK(!config_find_plan(c, NULL));
        config_free(c);
}

static void test_plans(void) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *ppath = tmp_path("plans.yaml");
        _cleanup_free_ char *error = NULL;
        Config *c = NULL;
        int r;

        /* A plan without apps (the country's modules only) and one without "default". */
        write_text("vumaerp.yaml", with_plans);
        write_text("countries.yaml", good_countries);
        write_text("plans.yaml", "solo:\n  name: Solo \"1\"\n  max_users: \"1\"\n  apps: []\n  storage_mb: 1\n"
                                 "  default: false\n"
                                 "team:\n  name: Team\n  max_users: 100000\n  apps:\n    - account\n    - hr\n"
                                 "  storage_mb: 16777216\n  default: true\n");
        r = config_load(path, &c, &error);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "unexpected error: %s\n", strempty(error));
                return;
        }
        CHECK_STR(c->plans_path, ppath);
        CHECK_INT(c->n_plans, 2);
        check_plan(c, "solo", "Solo \"1\"", 1, 1, false, (const char *const[]) { NULL });
        check_plan(c, "team", "Team", 100000, 16777216, true, (const char *const[]) { "account", "hr", NULL });
        CHECK(config_default_plan(c) == config_find_plan(c, "team"));
        config_free(c);

        CHECK(plan_code_is_valid("starter"));
        CHECK(plan_code_is_valid("b2"));
        CHECK(plan_code_is_valid("a_23456789012345678901234567890b"));
        CHECK(!plan_code_is_valid("a_23456789012345678901234567890bc"));
        CHECK(!plan_code_is_valid(""));
        CHECK(!plan_code_is_valid("Starter"));
        CHECK(!plan_code_is_valid("2x"));
        CHECK(!plan_code_is_valid("star-ter"));

        expect_plan_error("Starter:\n  name: S\n", "1:1", "plan code 'Starter' must match ^[a-z][a-z0-9_]{0,31}$");
        expect_plan_error("starter:\n  name: Starter\n  max_users: 3\n  apps: [account]\n  default: true\n", "1:1",
                          "missing required key 'storage_mb' in plan 'starter'");
        expect_plan_error("starter:\n  max_users: 0\n", "2:14", "'max_users' must be an integer between 1 and 100000, not '0'");
        expect_plan_error("starter:\n  max_users: 100001\n", "2:14",
                          "'max_users' must be an integer between 1 and 100000, not '100001'");
        expect_plan_error("starter:\n  max_users: -3\n", "2:14", "'max_users' must be an integer between 1 and 100000, not '-3'");
        expect_plan_error("starter:\n  storage_mb: 0\n", "2:15", "'storage_mb' must be an integer between 1 and 16777216, not '0'");
        expect_plan_error("starter:\n  users: 3\n", "2:3", "unknown key 'users' in plan 'starter'");
        expect_plan_error("starter:\n  name: A\n  name: B\n", "3:3", "duplicate key 'name' (first set on line 2)");
        expect_plan_error("starter:\n  apps: account\n", "2:9", "'apps' must be a sequence of module names, not a scalar");
        expect_plan_error("starter:\n  apps:\n", "2:8", "'apps' must be a sequence of module names, not empty");
        expect_plan_error("starter:\n  apps: [account, \"Sales\"]\n", "2:19",
                          "'apps' entry 'Sales' is not an Odoo module name (^[a-z][a-z0-9_]*$)");
        expect_plan_error("starter:\n  apps: [account, account]\n", "2:19", "'apps' names 'account' twice");
        expect_plan_error("starter:\n  default: yes\n", "2:12", "'default' must be true or false, not 'yes'");
        expect_plan_error("starter:\n  name: \"a\\tb\"\n", "2:9", "'name' must be one line without control characters");
        expect_plan_error("starter:\n  name:\n", "2:8", "'name' must not be empty");
        expect_plan_error("starter: 3\n", "1:10", "plan 'starter' must be a mapping, not a scalar");
        expect_plan_error("{}\n", "1:1", "no plans: name at least one (or leave 'plans' out of vumaerp.yaml)");
        expect_plan_error("starter:\n  name: Starter\n  max_users: 3\n  apps: [account]\n  storage_mb: 2048\n", "1:1",
                          "no plan is the default: mark the one a tenant gets without asking with 'default: true'");

        {
                _cleanup_free_ char *two = NULL;

                if (asprintf(&two, "%s%s", good_plan, "business:\n  name: Business\n  max_users: 10\n  apps: []\n"
                                                      "  storage_mb: 9\n  default: true\n") < 0)
                        abort();
                expect_plan_error(two, "7:1", "plans 'starter' and 'business' are both marked 'default: true': "
                                              "one plan is the default");
                free(two);
                if (asprintf(&two, "%s%s", good_plan, "starter:\n  name: Again\n") < 0)
                        abort();
                expect_plan_error(two, "7:1", "duplicate key 'starter' (first set on line 1)");
        }

        /* The plans file is read only when named, and an unreadable one is reported where it is named. */
        {
                _cleanup_free_ char *expected = NULL;

                if (asprintf(&expected, "cannot read plans file '%s/nowhere.yaml': No such file or directory", tmpdir) < 0)
                        abort();
                expect_error("backups:\n  dir: /srv\ncountries: countries.yaml\nplans: nowhere.yaml\n", "4:8", expected);
        }
}

static void test_file_errors(void) {
        _cleanup_free_ char *path = tmp_path("vumaerp.yaml");
        _cleanup_free_ char *missing = tmp_path("missing.yaml");
        _cleanup_free_ char *big = tmp_path("big.yaml");
        _cleanup_free_ char *expected = NULL;
        _cleanup_free_ char *text = NULL;
        char *error = NULL;
        Config *c = NULL;

        /* The main file itself: "FILE: reason". */
        CHECK_INT(config_load(missing, &c, &error), -ENOENT);
        if (asprintf(&expected, "%s: No such file or directory", missing) < 0)
                abort();
        CHECK_STR(error, expected);
        free(error);
        free(expected);

        CHECK_INT(config_load(tmpdir, &c, &error), -EISDIR);
        if (asprintf(&expected, "%s: Is a directory", tmpdir) < 0)
                abort();
        CHECK_STR(error, expected);
        free(error);
        free(expected);

        text = malloc(1024 * 1024 + 2);
        CHECK(text);
        if (!text)
                return;
        memset(text, '#', 1024 * 1024 + 1);
        write_file("big.yaml", text, 1024 * 1024 + 1);
        CHECK_INT(config_load(big, &c, &error), -EFBIG);
        if (asprintf(&expected, "%s: larger than 1 MiB", big) < 0)
                abort();
        CHECK_STR(error, expected);
        free(error);
        free(expected);
        expected = NULL;
        CHECK(!c);

        /* The countries file: at the line of vumaerp.yaml that names it. */
        if (asprintf(&expected, "cannot read countries file '%s/nowhere.yaml': No such file or directory",
                     tmpdir) < 0)
                abort();
        expect_error("backups:\n  dir: /srv\ncountries: nowhere.yaml\n", "3:12", expected);
        free(expected);
        if (asprintf(&expected, "cannot read countries file '%s': Is a directory", tmpdir) < 0)
                abort();
        /* An absolute name is taken as it is. */
        {
                _cleanup_free_ char *yaml = NULL;
                if (asprintf(&yaml, "backups:\n  dir: /srv\ncountries: \"%s\"\n", tmpdir) < 0)
                        abort();
                expect_error(yaml, "3:12", expected);
        }
        free(expected);
        expected = NULL;
        (void) path;
}

int main(void) {
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }

        test_shipped_config();
        test_shipped_plans();
        test_defaults();
        test_new_default();
        test_offsite();
        test_default_path();
        test_main_errors();
        test_country_errors();
        test_plans();
        test_file_errors();

        for (size_t i = 0; i < ELEMENTSOF(tmpfiles); i++) {
                _cleanup_free_ char *p = tmp_path(tmpfiles[i]);
                (void) unlink(p);
        }
        (void) rmdir(tmpdir);
        return test_exit_status();
}
