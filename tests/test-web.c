/* SPDX-License-Identifier: MIT */
/* test-web: the suspension page's text and escaping, the tenant's host, and the state directory's
 * routes and pages as nginx finds them (a real directory under $TMPDIR). */
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "tests.h"
#include "web.h"

static void test_page(void) {
        _cleanup_(config_freep) Config *c = test_config();
        _cleanup_free_ char *page = NULL, *bare = NULL;

        test_set(&c->web_pay_url, "https://pay.example/?a=1&b=\"2\"");
        test_set(&c->web_brand, "Vuma<b>");
        page = web_suspended_page(c, "Invoice <script>alert(1)</script> & 'x'");
        CHECK(page != NULL);
        CHECK(strstr(page, "Invoice &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;") != NULL);
        CHECK(strstr(page, "<script>") == NULL);
        CHECK(strstr(page, "href=\"https://pay.example/?a=1&amp;b=&quot;2&quot;\"") != NULL);
        CHECK(strstr(page, "Vuma&lt;b&gt;") != NULL);
        CHECK(strstr(page, "<section lang=\"en\">") && strstr(page, "<section lang=\"sw\">") &&
              strstr(page, "<section lang=\"fr\">"));

        /* No reason, no pay link: no empty reason line, and "contact your provider"; the default
         * brand. */
        config_free(c);
        c = test_config();
        bare = web_suspended_page(c, NULL);
        CHECK(bare != NULL);
        CHECK(strstr(bare, "class=\"reason\"") == NULL);
        CHECK(strstr(bare, "href=") == NULL);
        CHECK(strstr(bare, "contact your provider") != NULL);
        CHECK(strstr(bare, "VumaERP") != NULL);
}

static void test_host(void) {
        _cleanup_(config_freep) Config *c = test_config();
        char *h = NULL;

        test_set(&c->tenant_url_template, "https://{subdomain}.VumaCloud.com/web");

        CHECK_INT(web_tenant_host(c, "acme_ltd", &h), 0);
        CHECK_STR(h, "acme-ltd.vumacloud.com");
        free(h);
        test_set(&c->tenant_url_template, "http://{db_name}.erp.test:8080");
        CHECK_INT(web_tenant_host(c, "acme_ltd", &h), 0);
        CHECK_STR(h, "acme_ltd.erp.test");
        free(h);
        test_set(&c->tenant_url_template, "https://user@{subdomain}.x.test");
        CHECK_INT(web_tenant_host(c, "acme", &h), -EINVAL);
        test_set(&c->tenant_url_template, "https://x..{subdomain}.test");
        CHECK_INT(web_tenant_host(c, "acme", &h), -EINVAL);
        test_set(&c->tenant_url_template, "{subdomain}");
        CHECK_INT(web_tenant_host(c, "acme", &h), -EINVAL);
}

static void test_state(void) {
        char dir[] = "/tmp/test-web.XXXXXX", path[PATH_MAX + 64], link[PATH_MAX];
        _cleanup_(config_freep) Config *c = test_config();
        struct stat st;
        ssize_t n;

        test_set(&c->tenant_url_template, "https://{subdomain}.vumacloud.test");
        CHECK(mkdtemp(dir) != NULL);
        test_set(&c->web_state_dir, dir);

        CHECK_INT(web_route_add(c, "acme_ltd"), 0);
        CHECK_INT(web_route_add(c, "acme_ltd"), 0);   /* idempotent */
        CHECK_INT(web_route_add(c, "beta_co"), 0);
        snprintf(path, sizeof path, "%s/hosts/acme-ltd.vumacloud.test", dir);
        n = readlink(path, link, sizeof link - 1);
        CHECK(n > 0);
        link[n > 0 ? n : 0] = '\0';
        CHECK_STR(link, "../tenants/acme_ltd");
        snprintf(path, sizeof path, "%s/hosts/acme-ltd.vumacloud.test/", dir);
        CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);

        /* A customer's own domain: one more route, removed with the tenant. */
        snprintf(path, sizeof path, "%s/hosts/erp.acme.test", dir);
        CHECK(symlink("../tenants/acme_ltd", path) == 0);

        CHECK_INT(web_page_write(c, "acme_ltd", "overdue"), 0);
        CHECK_INT(web_page_write(c, "acme_ltd", "still overdue"), 0);
        snprintf(path, sizeof path, "%s/tenants/acme_ltd/" WEB_SUSPENDED_PAGE, dir);
        CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
        snprintf(path, sizeof path, "%s/tenants/acme_ltd/." WEB_SUSPENDED_PAGE ".tmp", dir);
        CHECK(access(path, F_OK) < 0);
        CHECK_INT(web_page_remove(c, "acme_ltd"), 0);
        CHECK_INT(web_page_remove(c, "acme_ltd"), 0);
        CHECK_INT(web_page_remove(c, "nobody_here"), 0);

        CHECK_INT(web_page_write(c, "acme_ltd", NULL), 0);
        CHECK_INT(web_tenant_remove(c, "acme_ltd"), 0);
        CHECK_INT(web_tenant_remove(c, "acme_ltd"), 0);
        snprintf(path, sizeof path, "%s/tenants/acme_ltd", dir);
        CHECK(access(path, F_OK) < 0);
        snprintf(path, sizeof path, "%s/hosts/erp.acme.test", dir);
        CHECK(lstat(path, &st) < 0);
        snprintf(path, sizeof path, "%s/hosts/acme-ltd.vumacloud.test", dir);
        CHECK(lstat(path, &st) < 0);
        snprintf(path, sizeof path, "%s/hosts/beta-co.vumacloud.test", dir);
        CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));

        CHECK_INT(web_route_add(c, "../x"), -EINVAL);
        CHECK_INT(web_page_write(c, "a/b", "x"), -EINVAL);

        /* A tenant's directory that is a symlink is not followed. */
        snprintf(path, sizeof path, "%s/tenants/evil_co", dir);
        CHECK(symlink("/tmp", path) == 0);
        CHECK(web_page_write(c, "evil_co", "x") < 0);
        CHECK(unlink(path) == 0);

        CHECK_INT(web_tenant_remove(c, "beta_co"), 0);
        snprintf(path, sizeof path, "%s/hosts", dir);
        CHECK(rmdir(path) == 0);
        snprintf(path, sizeof path, "%s/tenants", dir);
        CHECK(rmdir(path) == 0);
        CHECK(rmdir(dir) == 0);

        /* Without a state directory nothing is kept, and nothing fails. */
        test_set(&c->web_state_dir, NULL);
        CHECK_INT(web_route_add(c, "acme_ltd"), 0);
        CHECK_INT(web_page_write(c, "acme_ltd", "x"), 0);
        CHECK_INT(web_tenant_remove(c, "acme_ltd"), 0);
}

int main(void) {
        test_page();
        test_host();
        test_state();
        return test_exit_status();
}
