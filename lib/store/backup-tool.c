/* SPDX-License-Identifier: MIT */
/*
 * backup-tool.c: owns running the programs backups and restores need — pg_dump, pg_restore and
 * tar — through subprocess.c: the private directory with the password file, the environment built
 * from nothing, their stderr kept for the answer and the journal.
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backup-tool.h"
#include "credential.h"
#include "fileio.h"
#include "log.h"
#include "pg.h"
#include "result.h"
#include "subprocess.h"
#include "tenant-db.h"

/* What of a tool's stderr goes into the answer and the journal. */
#define TOOL_STDERR_MAX 4096

char *backup_pgpass_line(const char *password) {
        /* hostname:port:database:username:password, each field '*' but the password, where ':'
         * and '\' are escaped with '\' (libpq's passwordFromFile). */
        size_t n = strlen(password);
        char *s = malloc(STRLEN("*:*:*:*:") + 2 * n + 2), *p;

        if (!s)
                return NULL;
        p = stpcpy(s, "*:*:*:*:");
        for (size_t i = 0; i < n; i++) {
                if (password[i] == ':' || password[i] == '\\')
                        *p++ = '\\';
                *p++ = password[i];
        }
        *p++ = '\n';
        *p = '\0';
        return s;
}

void backup_tool_dir_done(BackupToolDir *t) {
        if (t->passfile) {
                (void) unlink(t->passfile);
                free(t->passfile);
        }
        if (t->errfile) {
                (void) unlink(t->errfile);
                free(t->errfile);
        }
        if (t->dir) {
                (void) rmdir(t->dir);
                free(t->dir);
        }
        *t = (BackupToolDir) {};
}

int backup_tool_dir_make(const char *password_file, BackupToolDir *t, char **ret_error) {
        const char *tmp = getenv("TMPDIR");
        _cleanup_close_ int fd = -1;
        char *password = NULL;
        size_t password_len = 0;
        int r = 0;

        if (isempty(tmp) || tmp[0] != '/')
                tmp = "/tmp";
        if (asprintf(&t->dir, "%s/vumaerp-backup.XXXXXX", tmp) < 0) {
                t->dir = NULL;
                return -ENOMEM;
        }
        if (!mkdtemp(t->dir)) {       /* 0700 */
                r = negative_errno();
                free(t->dir);
                t->dir = NULL;
                error_set(ret_error, "cannot make a private temporary directory in %s: %s", tmp, strerror(-r));
                return r;
        }
        if (asprintf(&t->errfile, "%s/stderr", t->dir) < 0) {
                t->errfile = NULL;
                return -ENOMEM;
        }
        /* pg_dump and pg_restore log in as Odoo's role (tenant-db.h); tar has no business with
         * PostgreSQL. */
        if (!password_file)
                return 0;

        r = pg_password_read(password_file, &password, &password_len, ret_error);
        if (r < 0)
                return r;
        if (asprintf(&t->passfile, "%s/pgpass", t->dir) < 0) {
                t->passfile = NULL;
                r = -ENOMEM;
        } else {
                _cleanup_free_ char *line = backup_pgpass_line(password);
                size_t len = line ? strlen(line) : 0;

                fd = open(t->passfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (!line)
                        r = -ENOMEM;
                else if (fd < 0 || write(fd, line, len) != (ssize_t) len)
                        r = negative_errno();
                if (line)
                        explicit_bzero(line, len);
                if (r < 0)
                        error_set(ret_error, "cannot write the password file for pg_dump: %s", strerror(-r));
        }
        credential_free(password, password_len);
        return r;
}

char *backup_tool_find(PGconn *conn, const char *name) {
        int major = PQserverVersion(conn) / 10000;
        const char *path = getenv("PATH");
        char *p;

        if (major > 0) {
                if (asprintf(&p, "/usr/lib/postgresql/%d/bin/%s", major, name) < 0)
                        return NULL;
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        if (isempty(path))
                path = "/usr/local/bin:/usr/bin:/bin";
        for (const char *s = path; s && *s; ) {
                const char *e = strchr(s, ':');
                size_t len = e ? (size_t) (e - s) : strlen(s);

                if (len > 0 && s[0] == '/') {
                        if (asprintf(&p, "%.*s/%s", (int) len, s, name) < 0)
                                return NULL;
                        if (access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
                s = e ? e + 1 : NULL;
        }
        return NULL;
}

/* The last non-empty line of what the tool wrote on stderr (all of it goes to the journal). */
static char *last_stderr_line(const BackupToolDir *t, const char *tool) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        char *last, *s;

        if (read_file_bounded(t->errfile, 1024 * 1024, false, &buf, &n) < 0 || n == 0)
                return NULL;
        log_error("%s: %s", tool, buf);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        last = strrchr(buf, '\n');
        s = strdup(last ? last + 1 : buf);
        if (s && strlen(s) > TOOL_STDERR_MAX)
                s[TOOL_STDERR_MAX] = '\0';
        return s;
}

int backup_tool_start(const BackupToolDir *t, const char *path, char *const argv[], pid_t *ret_pid, char **ret_error) {
        _cleanup_free_ char *passenv = NULL;
        char *envp[6];
        size_t k = 0;
        int r;

        if (t->passfile) {
                if (asprintf(&passenv, "PGPASSFILE=%s", t->passfile) < 0)
                        return -ENOMEM;
                envp[k++] = passenv;
        }
        envp[k++] = (char *) "PGAPPNAME=vumaerp-backup";
        envp[k++] = (char *) "PGCONNECT_TIMEOUT=10";
        envp[k++] = (char *) "LC_ALL=C";
        envp[k] = NULL;

        (void) unlink(t->errfile);
        r = subprocess_spawn(path, argv, envp, &(SubprocessIO) { .stdin_fd = -1, .stdout_fd = -1, .stderr_path = t->errfile },
                             ret_pid);
        if (r < 0)
                error_set(ret_error, "cannot run %s: %s", path, strerror(-r));
        return r;
}

int backup_tool_wait(const BackupToolDir *t, const char *path, pid_t pid, char **ret_error) {
        _cleanup_free_ char *err = NULL;
        int wstatus;

        int r = subprocess_wait(pid, &wstatus);

        if (r < 0)
                return r;
        if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
                return 0;
        err = last_stderr_line(t, basename(path));
        if (WIFEXITED(wstatus))
                error_set(ret_error, "%s exited with status %d%s%s", basename(path), WEXITSTATUS(wstatus),
                          err ? ": " : "", strempty(err));
        else
                error_set(ret_error, "%s was killed by signal %d", basename(path), WTERMSIG(wstatus));
        return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

int backup_tool_run(const BackupToolDir *t, const char *path, char *const argv[], char **ret_error) {
        pid_t pid;
        int r = backup_tool_start(t, path, argv, &pid, ret_error);

        return r < 0 ? r : backup_tool_wait(t, path, pid, ret_error);
}

void backup_conn_args_done(BackupConnArgs *a) {
        free(a->host);
        free(a->port);
        free(a->user);
}

/* Odoo's role, never the superuser: a dump reads, and a restore runs, what the tenant wrote. */
size_t backup_conn_args(const Config *c, char **argv, size_t k, BackupConnArgs *a) {
        PgLogin login = tenant_db_login(c);

        if (c->pg_host && asprintf(&a->host, "--host=%s", c->pg_host) >= 0)
                argv[k++] = a->host;
        if (c->pg_port > 0 && asprintf(&a->port, "--port=%d", c->pg_port) >= 0)
                argv[k++] = a->port;
        if (asprintf(&a->user, "--username=%s", login.user) >= 0)
                argv[k++] = a->user;
        return k;
}

char *backup_tool_find_tar(void) {
        if (access("/usr/bin/tar", X_OK) == 0)
                return strdup("/usr/bin/tar");
        return backup_tool_find(NULL, "tar");
}

