/* SPDX-License-Identifier: MIT */
/*
 * web.c: owns web.state_dir (web.h): the host → tenant routes and the suspension pages that nginx
 * reads per request, and the page's text.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "macro.h"
#include "names.h"
#include "web.h"

#define HOST_MAX 253

static void html_escape(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '&': fputs("&amp;", f); break;
                case '<': fputs("&lt;", f); break;
                case '>': fputs("&gt;", f); break;
                case '"': fputs("&quot;", f); break;
                case '\'': fputs("&#39;", f); break;
                default: fputc(*s, f);
                }
}

/* One language's part of the page. The texts are plain (no markup, no '%'): the reason, the brand
 * and the link are the only inserted values, and each is escaped. */
typedef struct PageText {
        const char *lang;
        const char *heading;
        const char *suspended;    /* "This <brand> account …": the brand goes between before/after */
        const char *suspended_after;
        const char *reason;       /* "Reason:" */
        const char *pay;          /* the link's text */
        const char *restored;     /* when access comes back */
        const char *contact;      /* without a link */
} PageText;

static const PageText page_texts[] = {
        { "en", "Service suspended",
          "This ", " account has been suspended by your provider.",
          "Reason:", "Pay your invoice",
          "Access comes back as soon as the account is settled.",
          "Please contact your provider to restore access." },
        { "sw", "Huduma imesitishwa",
          "Akaunti hii ya ", " imesitishwa na mtoa huduma wako.",
          "Sababu:", "Lipa ankara yako",
          "Huduma itarejea mara tu akaunti itakapolipwa.",
          "Tafadhali wasiliana na mtoa huduma wako ili kurejesha huduma." },
        { "fr", "Service suspendu",
          "Ce compte ", " a été suspendu par votre fournisseur.",
          "Motif :", "Régler votre facture",
          "L’accès sera rétabli dès le règlement du compte.",
          "Veuillez contacter votre fournisseur pour rétablir l’accès." },
};

char *web_suspended_page(const Config *c, const char *reason) {
        const char *brand = c->web_brand;
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<meta name=\"robots\" content=\"noindex\">\n<title>", f);
        html_escape(f, brand);
        fputs(" — Service suspended · Huduma imesitishwa · Service suspendu</title>\n<style>\n"
              "body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\n"
              "main{max-width:40rem;margin:3rem auto;padding:0 1rem}\n"
              "section{background:#fff;border-radius:.5rem;padding:1.25rem 1.5rem;margin-bottom:1rem;"
              "box-shadow:0 1px 3px rgba(0,0,0,.12)}\n"
              "h1{font-size:1.35rem;margin:0 0 .75rem}\n"
              ".reason{background:#fff4e5;border-left:4px solid #e08a00;padding:.5rem .75rem}\n"
              "a.pay{display:inline-block;background:#1f6feb;color:#fff;padding:.55rem 1rem;"
              "border-radius:.35rem;text-decoration:none}\n"
              "</style>\n</head>\n<body>\n<main>\n", f);
        for (size_t i = 0; i < ELEMENTSOF(page_texts); i++) {
                const PageText *t = &page_texts[i];

                fprintf(f, "<section lang=\"%s\">\n<h1>%s</h1>\n<p>%s", t->lang, t->heading, t->suspended);
                html_escape(f, brand);
                fprintf(f, "%s</p>\n", t->suspended_after);
                if (!isempty(reason)) {
                        fprintf(f, "<p class=\"reason\">%s ", t->reason);
                        html_escape(f, reason);
                        fputs("</p>\n", f);
                }
                if (c->web_pay_url) {
                        fputs("<p><a class=\"pay\" rel=\"noopener\" href=\"", f);
                        html_escape(f, c->web_pay_url);
                        fprintf(f, "\">%s</a></p>\n<p>%s</p>\n", t->pay, t->restored);
                } else
                        fprintf(f, "<p>%s</p>\n", t->contact);
                fputs("</section>\n", f);
        }
        fputs("</main>\n</body>\n</html>\n", f);
        if (ferror(f)) {
                fclose(f);
                free(buf);
                return NULL;
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* nginx's $host: lower case, labels of [a-z0-9_-], no empty label, no port. */
static bool host_is_valid(const char *h) {
        size_t n = strlen(h);

        if (n == 0 || n > HOST_MAX || h[0] == '.' || h[n - 1] == '.' || strstr(h, ".."))
                return false;
        for (const char *p = h; *p; p++)
                if (!(islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '.' || *p == '-' || *p == '_'))
                        return false;
        return true;
}

int web_tenant_host(const Config *c, const char *db_name, char **ret) {
        _cleanup_free_ char *url = tenant_url(c, db_name);
        const char *p;
        size_t n;
        char *host;

        if (!url)
                return -ENOMEM;
        p = strstr(url, "://");
        if (!p)
                return -EINVAL;
        p += 3;
        n = strcspn(p, "/:?#@");
        if (p[n] == '@')
                return -EINVAL;
        host = strndup(p, n);
        if (!host)
                return -ENOMEM;
        for (char *q = host; *q; q++)
                *q = (char) tolower((unsigned char) *q);
        if (!host_is_valid(host)) {
                free(host);
                return -EINVAL;
        }
        *ret = host;
        return 0;
}

/* Whoever runs the action (the API's vumaerp user, or root at a shell), what it creates belongs
 * to the state directory's owner: a directory root made would otherwise shut the API out of it. */
static int own_like_state(int fd, const struct stat *state) {
        if (geteuid() != 0 || state->st_uid == 0)
                return 0;
        return fchown(fd, state->st_uid, state->st_gid) < 0 ? negative_errno() : 0;
}

/* Opens dir_fd/name as a directory (not through a symlink), creating it 0755 when absent. */
static int open_dir_at(int dir_fd, const char *name, bool create, const struct stat *state) {
        _cleanup_close_ int fd = -1;
        bool made = false;
        int r;

        if (create) {
                if (mkdirat(dir_fd, name, 0755) == 0)
                        made = true;
                else if (errno != EEXIST)
                        return negative_errno();
        }
        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (made) {
                /* Whatever the umask: nginx's workers must be able to read it. */
                if (fchmod(fd, 0755) < 0)
                        return negative_errno();
                r = own_like_state(fd, state);
                if (r < 0)
                        return r;
        }
        return TAKE_FD(fd);
}

/* web.state_dir/sub, created when create (the state directory itself must exist: the package
 * makes it, owned by vumaerp); *ret_state: the state directory's owner. */
static int open_state(const Config *c, const char *sub, bool create, struct stat *ret_state) {
        _cleanup_close_ int root = -1;

        root = open(c->web_state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return negative_errno();
        if (fstat(root, ret_state) < 0)
                return negative_errno();
        return open_dir_at(root, sub, create, ret_state);
}

static int open_tenant_dir(const Config *c, const char *db_name, bool create, struct stat *ret_state) {
        _cleanup_close_ int tenants = open_state(c, "tenants", create, ret_state);

        if (tenants < 0)
                return tenants;
        return open_dir_at(tenants, db_name, create, ret_state);
}

/* The route's target, relative so that the state directory can move as a whole. */
static char *route_target(const char *db_name) {
        char *t = NULL;

        return asprintf(&t, "../tenants/%s", db_name) < 0 ? NULL : t;
}

int web_route_add(const Config *c, const char *db_name) {
        _cleanup_free_ char *host = NULL, *target = NULL, *tmp = NULL;
        _cleanup_close_ int tenant = -1, hosts = -1;
        struct stat state;
        char current[PATH_MAX];
        ssize_t n;
        int r;

        if (!c->web_state_dir)
                return 0;
        if (!db_name_is_valid(db_name))
                return -EINVAL;
        r = web_tenant_host(c, db_name, &host);
        if (r < 0)
                return r;
        target = route_target(db_name);
        if (!target || asprintf(&tmp, ".%s.%ld.tmp", host, (long) getpid()) < 0)
                return -ENOMEM;

        tenant = open_tenant_dir(c, db_name, true, &state);
        if (tenant < 0)
                return tenant;
        hosts = open_state(c, "hosts", true, &state);
        if (hosts < 0)
                return hosts;

        n = readlinkat(hosts, host, current, sizeof current - 1);
        if (n >= 0) {
                current[n] = '\0';
                if (streq(current, target))
                        return 0;
        }
        (void) unlinkat(hosts, tmp, 0);
        if (symlinkat(target, hosts, tmp) < 0)
                return negative_errno();
        if (renameat(hosts, tmp, hosts, host) < 0) {
                r = negative_errno();
                (void) unlinkat(hosts, tmp, 0);
                return r;
        }
        return 0;
}

int web_page_write(const Config *c, const char *db_name, const char *reason) {
        static const char tmp[] = "." WEB_SUSPENDED_PAGE ".tmp";
        _cleanup_free_ char *page = NULL;
        _cleanup_close_ int dir = -1, fd = -1;
        struct stat state;
        size_t len, done = 0;
        int r;

        if (!c->web_state_dir)
                return 0;
        if (!db_name_is_valid(db_name))
                return -EINVAL;
        page = web_suspended_page(c, reason);
        if (!page)
                return -ENOMEM;
        dir = open_tenant_dir(c, db_name, true, &state);
        if (dir < 0)
                return dir;

        (void) unlinkat(dir, tmp, 0);
        fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return negative_errno();
        len = strlen(page);
        while (done < len) {
                ssize_t k = write(fd, page + done, len - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        goto fail;
                done += (size_t) k;
        }
        /* 0644 whatever the umask; on disk before it is renamed into place, so a crash leaves the
         * old page or the new one, never an empty one. */
        if (fchmod(fd, 0644) < 0 || own_like_state(fd, &state) < 0 || fsync(fd) < 0)
                goto fail;
        if (renameat(dir, tmp, dir, WEB_SUSPENDED_PAGE) < 0)
                goto fail;
        return 0;
fail:
        r = negative_errno();
        (void) unlinkat(dir, tmp, 0);
        return r;
}

int web_page_remove(const Config *c, const char *db_name) {
        _cleanup_close_ int dir = -1;
        struct stat state;

        if (!c->web_state_dir)
                return 0;
        if (!db_name_is_valid(db_name))
                return -EINVAL;
        dir = open_tenant_dir(c, db_name, false, &state);
        if (dir == -ENOENT)
                return 0;
        if (dir < 0)
                return dir;
        if (unlinkat(dir, WEB_SUSPENDED_PAGE, 0) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

/* Unlinks every symlink in hosts/ that points at the tenant: its URL's host, and any other
 * (a customer's own domain) added beside it. */
static int remove_routes(const Config *c, const char *db_name) {
        _cleanup_free_ char *target = route_target(db_name);
        struct stat state;
        int fd, r = 0;
        DIR *d;
        struct dirent *e;

        if (!target)
                return -ENOMEM;
        fd = open_state(c, "hosts", false, &state);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                r = negative_errno();
                close(fd);
                return r;
        }
        while ((errno = 0, e = readdir(d))) {
                char link[PATH_MAX];
                ssize_t n;

                if (e->d_type != DT_LNK && e->d_type != DT_UNKNOWN)
                        continue;
                n = readlinkat(fd, e->d_name, link, sizeof link - 1);
                if (n < 0)
                        continue;
                link[n] = '\0';
                if (streq(link, target) && unlinkat(fd, e->d_name, 0) < 0 && errno != ENOENT)
                        r = negative_errno();
        }
        if (errno != 0 && r == 0)
                r = negative_errno();
        closedir(d);
        return r;
}

int web_tenant_remove(const Config *c, const char *db_name) {
        _cleanup_close_ int tenants = -1;
        struct stat state;
        int r;

        if (!c->web_state_dir)
                return 0;
        if (!db_name_is_valid(db_name))
                return -EINVAL;
        /* The routes first: a host that still resolves must not find a directory half gone. */
        r = remove_routes(c, db_name);
        if (r < 0)
                return r;
        r = web_page_remove(c, db_name);
        if (r < 0)
                return r;
        tenants = open_state(c, "tenants", false, &state);
        if (tenants == -ENOENT)
                return 0;
        if (tenants < 0)
                return tenants;
        if (unlinkat(tenants, db_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
