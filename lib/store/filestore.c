/* SPDX-License-Identifier: MIT */
/*
 * filestore.c: owns the Odoo filestore trees on disk (filestore.h). Everything walks the tree with
 * directory file descriptors (openat/linkat/mkdirat/unlinkat, O_NOFOLLOW), so a symlink planted in
 * a tree — or a directory swapped for one while we walk — is never followed out of it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup-tool.h"
#include "fileio.h"
#include "filestore.h"
#include "macro.h"
#include "names.h"
#include "result.h"

/* Odoo's filestore is two levels deep (ab/abcdef…); anything much deeper is not a filestore. */
#define FILESTORE_MAX_DEPTH 16

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

char *filestore_path(const char *data_dir, const char *name) {
        char *p;

        if (asprintf(&p, "%s/filestore/%s", data_dir, name) < 0)
                return NULL;
        return p;
}

/* The <data_dir>/filestore directory, opened without following a symlink at its last step (the
 * data dir itself is the admin's configuration and may be a link). Missing: -ENOENT. The data dir
 * is only passed through (O_PATH): Odoo's is 0750 and vumaerp may only search it (the package's
 * ACL u:vumaerp:x), never list it — its sessions/ holds Odoo's session ids. */
static int open_filestore_root(const char *data_dir, int flags) {
        _cleanup_close_ int dfd = open(data_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int fd;

        if (dfd < 0)
                return negative_errno();
        if ((flags & O_CREAT) && mkdirat(dfd, "filestore", 0750) < 0 && errno != EEXIST)
                return negative_errno();
        fd = openat(dfd, "filestore", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

static int copy_bytes(int src_dir, const char *name, int dst_dir, mode_t mode) {
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        char buf[64 * 1024];

        if (in < 0)
                return negative_errno();
        out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
        if (out < 0)
                return negative_errno();
        for (;;) {
                ssize_t n = read(in, buf, sizeof buf), w = 0;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        break;
                while (w < n) {
                        ssize_t l = write(out, buf + w, (size_t) (n - w));

                        if (l < 0) {
                                if (errno == EINTR)
                                        continue;
                                return negative_errno();
                        }
                        w += l;
                }
        }
        return close(TAKE_FD(out)) < 0 ? negative_errno() : 0;
}

/* Copies the entries of directory src into the (new, empty) directory dst. */
static int copy_tree(int src, int dst, int depth, char **ret_error) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (depth > FILESTORE_MAX_DEPTH)
                return -ELOOP;
        fd = dup(src);
        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return negative_errno();
        }

        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();

                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int s = -1, t = -1;

                        s = openat(src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (s < 0)
                                return negative_errno();
                        if (mkdirat(dst, de->d_name, st.st_mode & 07777) < 0)
                                return negative_errno();
                        t = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (t < 0)
                                return negative_errno();
                        r = copy_tree(s, t, depth + 1, ret_error);
                        if (r < 0)
                                return r;
                } else if (S_ISREG(st.st_mode)) {
                        /* linkat without AT_SYMLINK_FOLLOW links the entry itself. */
                        if (linkat(src, de->d_name, dst, de->d_name, 0) >= 0)
                                continue;
                        /* Another file system, or one that has no hard links, or a file we may
                         * not link (fs.protected_hardlinks and someone else's file): copy. */
                        if (errno != EXDEV && errno != EPERM && errno != EMLINK && errno != EOPNOTSUPP)
                                return negative_errno();
                        r = copy_bytes(src, de->d_name, dst, st.st_mode);
                        if (r < 0)
                                return r;
                } else {
                        /* Symlinks, devices, FIFOs, sockets: never part of an Odoo filestore. */
                        error_set(ret_error, "refusing to copy %s: not a regular file or directory", de->d_name);
                        return -ELOOP;
                }
        }
        if (errno != 0)
                return negative_errno();
        return 0;
}

/* Removes everything inside directory fd. */
static int remove_contents(int fd, int depth) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd, r = 0;

        if (depth > FILESTORE_MAX_DEPTH)
                return -ELOOP;
        dfd = dup(fd);
        if (dfd < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return negative_errno();
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return negative_errno();
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        int k;

                        if (sub < 0)
                                return negative_errno();
                        k = remove_contents(sub, depth + 1);
                        if (k < 0)
                                return k;
                        if (unlinkat(fd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                return negative_errno();
                } else if (unlinkat(fd, de->d_name, 0) < 0 && errno != ENOENT)
                        /* A symlink is removed as the link itself, never what it points at. */
                        return negative_errno();
        }
        if (errno != 0)
                r = negative_errno();
        return r;
}

/* Every directory under fd (relative path rel) writable and searchable. */
static int check_contents(int fd, const char *rel, int depth, char **ret_path) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd;

        if (depth > FILESTORE_MAX_DEPTH)
                return -ELOOP;
        dfd = dup(fd);
        if (dfd < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return negative_errno();
        }
        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *sub_rel = NULL;
                _cleanup_close_ int sub = -1;
                struct stat st;
                int k;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (asprintf(&sub_rel, "%s/%s", rel, de->d_name) < 0) {
                        sub_rel = NULL;
                        return -ENOMEM;
                }
                if (faccessat(fd, de->d_name, W_OK | X_OK, AT_EACCESS) < 0) {
                        k = negative_errno();
                        *ret_path = TAKE_PTR(sub_rel);
                        return k;
                }
                sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0) {
                        k = negative_errno();
                        *ret_path = TAKE_PTR(sub_rel);
                        return k;
                }
                k = check_contents(sub, sub_rel, depth + 1, ret_path);
                if (k < 0)
                        return k;
        }
        return errno != 0 ? negative_errno() : 0;
}

static int remove_at(int root, const char *name) {
        _cleanup_close_ int fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                /* A symlink or a file where the tenant's directory should be: remove the entry. */
                if (errno == ELOOP || errno == ENOTDIR)
                        return unlinkat(root, name, 0) < 0 && errno != ENOENT ? negative_errno() : 0;
                return negative_errno();
        }
        r = remove_contents(fd, 0);
        if (r < 0)
                return r;
        if (unlinkat(root, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}

/* The names reach the file system as one path component: a db_name never holds '/' or "..",
 * and this makes sure of it whoever calls. */
static bool name_ok(const char *name) {
        return db_name_is_valid(name);
}

int filestore_copy(const char *data_dir, const char *from, const char *to, char **ret_error) {
        _cleanup_close_ int root = -1, src = -1, dst = -1;
        struct stat st;
        int r;

        if (!data_dir || !name_ok(from) || !name_ok(to) || streq(from, to))
                return -EINVAL;

        root = open_filestore_root(data_dir, O_CREAT);
        if (root < 0)
                return root;
        src = openat(root, from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0) {
                if (errno == ENOENT)
                        return 0;   /* a template without stored files */
                return negative_errno();
        }
        if (fstat(src, &st) < 0)
                return negative_errno();
        if (mkdirat(root, to, st.st_mode & 07777) < 0)
                return negative_errno();   /* -EEXIST: never merge into someone's files */
        dst = openat(root, to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                r = negative_errno();
        else
                r = copy_tree(src, dst, 0, ret_error);
        if (r < 0) {
                int k = remove_at(root, to);

                if (ret_error && !*ret_error)
                        error_set(ret_error, "%s", strerror(-r));
                if (k < 0 && ret_error && *ret_error) {
                        _cleanup_free_ char *first = TAKE_PTR(*ret_error);

                        error_set(ret_error, "%s (and the partial copy %s/filestore/%s could not be removed: %s)",
                                  first, data_dir, to, strerror(-k));
                }
                return r;
        }
        return 0;
}

int filestore_remove(const char *data_dir, const char *name) {
        _cleanup_close_ int root = -1;

        if (!data_dir || !name_ok(name))
                return -EINVAL;
        root = open_filestore_root(data_dir, 0);
        if (root == -ENOENT)
                return 0;
        if (root < 0)
                return root;
        return remove_at(root, name);
}

int filestore_check_removable(const char *data_dir, const char *name, char **ret_path) {
        _cleanup_close_ int root = -1, fd = -1;
        _cleanup_free_ char *rel = NULL;
        int r;

        *ret_path = NULL;
        if (!data_dir || !name_ok(name))
                return -EINVAL;
        root = open_filestore_root(data_dir, 0);
        if (root == -ENOENT)
                return 0;
        if (root < 0)
                return root;
        fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? 0 : negative_errno();
        if (asprintf(&rel, "%s/filestore/%s", data_dir, name) < 0) {
                rel = NULL;
                return -ENOMEM;
        }
        /* The tenant's directory is removed from the root, and its entries from it. */
        if (faccessat(root, ".", W_OK | X_OK, AT_EACCESS) < 0) {
                r = negative_errno();
                if (asprintf(ret_path, "%s/filestore", data_dir) < 0)
                        *ret_path = NULL;
                return r;
        }
        if (faccessat(root, name, W_OK | X_OK, AT_EACCESS) < 0) {
                r = negative_errno();
                *ret_path = TAKE_PTR(rel);
                return r;
        }
        return check_contents(fd, rel, 0, ret_path);
}

int filestore_open(const char *data_dir, const char *name) {
        _cleanup_close_ int root = -1;
        int fd;

        if (!data_dir || !name_ok(name))
                return -EINVAL;
        root = open_filestore_root(data_dir, 0);
        if (root < 0)
                return root;
        fd = openat(root, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return fd < 0 ? negative_errno() : fd;
}

/* The bytes of the regular files under fd, symlinks not followed (a link planted in the tree
 * counts nothing, its target is not the tenant's). */
static int sum_contents(int fd, int depth, int64_t *total) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int dfd;

        if (depth > FILESTORE_MAX_DEPTH)
                return -ELOOP;
        dfd = dup(fd);
        if (dfd < 0)
                return negative_errno();
        d = fdopendir(dfd);
        if (!d) {
                (void) close(dfd);
                return negative_errno();
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)    /* Odoo removed it meanwhile */
                                continue;
                        return negative_errno();
                }
                if (S_ISREG(st.st_mode))
                        *total += st.st_size;
                else if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        int k;

                        if (sub < 0) {
                                if (errno == ENOENT)
                                        continue;
                                return negative_errno();
                        }
                        k = sum_contents(sub, depth + 1, total);
                        if (k < 0)
                                return k;
                }
        }
        return errno != 0 ? negative_errno() : 0;
}

int filestore_size(const char *data_dir, const char *name, int64_t *ret_bytes) {
        _cleanup_close_ int fd = filestore_open(data_dir, name);
        int64_t total = 0;
        int r;

        if (fd == -ENOENT) {
                *ret_bytes = 0;
                return 0;
        }
        if (fd < 0)
                return fd;
        r = sum_contents(fd, 0, &total);
        if (r < 0)
                return r;
        *ret_bytes = total;
        return 0;
}

int filestore_has_file(int dir_fd, const char *store_fname) {
        _cleanup_close_ int cur = -1;
        char path[PATH_MAX], *p, *slash;
        size_t n = 0, len;
        struct stat st;
        int depth = 0;

        /* ir.attachment._full_path(): re.sub('[.]', '', path).strip('/\\') */
        for (const char *s = store_fname; *s; s++) {
                if (*s == '.')
                        continue;
                if (n + 1 >= sizeof path)
                        return 0;   /* longer than any file Odoo could have written */
                path[n++] = *s;
        }
        path[n] = '\0';
        p = path;
        while (*p == '/' || *p == '\\')
                p++;
        len = strlen(p);
        while (len > 0 && (p[len - 1] == '/' || p[len - 1] == '\\'))
                p[--len] = '\0';
        if (len == 0)
                return 0;

        /* Component by component, never through a symlink. */
        for (;;) {
                int dfd = cur >= 0 ? cur : dir_fd;

                slash = strchr(p, '/');
                if (!slash)
                        break;
                *slash = '\0';
                if (*p) {
                        int next;

                        if (++depth > FILESTORE_MAX_DEPTH)
                                return 0;
                        next = openat(dfd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (next < 0)
                                return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? 0 : negative_errno();
                        closep(&cur);
                        cur = next;
                }
                p = slash + 1;
        }
        if (fstatat(cur >= 0 ? cur : dir_fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : negative_errno();
        return S_ISREG(st.st_mode) ? 1 : 0;
}

int filestore_rename(const char *data_dir, const char *from, const char *to) {
        _cleanup_close_ int root = -1;

        if (!data_dir || !name_ok(from) || !name_ok(to))
                return -EINVAL;
        root = open_filestore_root(data_dir, 0);
        if (root == -ENOENT)
                return 0;
        if (root < 0)
                return root;
        /* RENAME_NOREPLACE: a stray directory under the new name is never overwritten. */
        if (renameat2(root, from, root, to, RENAME_NOREPLACE) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        return 0;
}

int filestore_present(const char *data_dir, const char *name, char **ret_error) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (!data_dir)
                return 0;
        if (!name_ok(name))
                return -EINVAL;
        p = filestore_path(data_dir, name);
        if (!p)
                return -ENOMEM;
        if (lstat(p, &st) < 0) {
                int r = negative_errno();

                if (r == -ENOENT)
                        return 0;
                error_set(ret_error, "cannot look at the filestore %s: %s", p, strerror(-r));
                return r;
        }
        if (!S_ISDIR(st.st_mode)) {
                error_set(ret_error, "the filestore %s is not a directory", p);
                return -ENOTDIR;
        }
        return 1;
}


/* What both tar runs need: a name that is one path component, tar, a tool directory for it
 * without a password file (tar has no business with PostgreSQL), and the path
 * <data_dir>/filestore. */
static int tar_ready(const char *data_dir, const char *name, char **ret_tar, BackupToolDir *t, char **ret_root,
                     char **ret_error) {
        if (!data_dir || !name_ok(name))
                return -EINVAL;
        *ret_tar = backup_tool_find_tar();
        if (!*ret_tar) {
                error_set(ret_error, "tar not found (looked for /usr/bin/tar and in $PATH)");
                return -ENOENT;
        }
        if (asprintf(ret_root, "%s/filestore", data_dir) < 0) {
                *ret_root = NULL;
                return -ENOMEM;
        }
        return backup_tool_dir_make(NULL, t, ret_error);
}

int filestore_archive(const char *data_dir, const char *name, const char *partial,
                      char ret_hex[static 65], int64_t *ret_size, char **ret_error) {
        _cleanup_free_ char *tar = NULL, *root = NULL;
        _cleanup_(backup_tool_dir_done) BackupToolDir bare = {};
        _cleanup_close_ int fd = -1;
        int r;

        r = tar_ready(data_dir, name, &tar, &bare, &root, ret_error);
        if (r < 0)
                return r;
        fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                r = negative_errno();
                error_set(ret_error, "cannot create %s: %s", partial, strerror(-r));
                return r;
        }
        {
                /* Symlinks are stored as links, never followed. */
                char *argv[] = { (char *) "tar", (char *) "-C", root, (char *) "-cf", (char *) partial, (char *) name, NULL };

                r = backup_tool_run(&bare, tar, argv, ret_error);
                if (r != 0)
                        return r < 0 ? r : -EIO;
        }
        if (fsync(fd) < 0) {
                r = negative_errno();
                error_set(ret_error, "fsync %s: %s", partial, strerror(-r));
                return r;
        }
        {
                char *argv[] = { (char *) "tar", (char *) "-tf", (char *) partial, NULL };
                pid_t pid;
                int hashed;

                r = backup_tool_start(&bare, tar, argv, &pid, ret_error);
                if (r < 0)
                        return r;
                hashed = file_sha256(partial, ret_hex, ret_size);
                r = backup_tool_wait(&bare, tar, pid, ret_error);
                if (r != 0) {
                        if (r > 0)
                                error_set(ret_error, "the filestore archive does not read back: tar -tf exited with status %d", r);
                        return r < 0 ? r : -EBADMSG;
                }
                if (hashed < 0) {
                        error_set(ret_error, "cannot read back %s: %s", partial, strerror(-hashed));
                        return hashed;
                }
        }
        return 0;
}

/* Extraction directories of an earlier restore of this name that was killed: ours to remove, as
 * the caller holds the name's lock. ('.' never occurs in a db_name, so the prefix is exact.) */
static void remove_stale_extractions(int root, const char *target) {
        _cleanup_free_ char *prefix = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        int fd = fcntl(root, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return;
        }
        if (asprintf(&prefix, ".vumaerp-restore-%s.", target) < 0)
                return;
        while ((de = readdir(d)))
                if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
                        (void) remove_at(root, de->d_name);
}

/* The one directory in the directory at dir (in root): its name, malloc'd; NULL when there are
 * more entries, none, or it is not a directory. */
static char *only_directory(int root, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *top = NULL;
        int fd = openat(root, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        size_t entries = 0;
        struct stat st;

        if (fd < 0)
                return NULL;
        d = fdopendir(fd);
        if (!d) {
                (void) close(fd);
                return NULL;
        }
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (++entries > 1)
                        return NULL;
                top = strdup(de->d_name);
                if (!top)
                        return NULL;
        }
        if (!top || fstatat(dirfd(d), top, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                return NULL;
        return TAKE_PTR(top);
}

int filestore_extract(const char *data_dir, const char *tar_path, const char *target, char **ret_error) {
        _cleanup_free_ char *tar = NULL, *root_path = NULL, *tmp = NULL, *top = NULL, *src = NULL;
        _cleanup_(backup_tool_dir_done) BackupToolDir bare = {};
        _cleanup_close_ int root = -1;
        const char *tmp_name;
        int r;

        r = tar_ready(data_dir, target, &tar, &bare, &root_path, ret_error);
        if (r < 0)
                return r;
        root = open_filestore_root(data_dir, O_CREAT);
        if (root < 0) {
                error_set(ret_error, "cannot open %s: %s", root_path, strerror(-root));
                return root;
        }
        remove_stale_extractions(root, target);
        if (asprintf(&tmp, "%s/.vumaerp-restore-%s.XXXXXX", root_path, target) < 0)
                return -ENOMEM;
        if (!mkdtemp(tmp)) {
                r = negative_errno();
                error_set(ret_error, "cannot make a directory in %s: %s", root_path, strerror(-r));
                return r;
        }
        tmp_name = strrchr(tmp, '/') + 1;
        {
                char *argv[] = { (char *) "tar", (char *) "-C", tmp, (char *) "-xf", (char *) tar_path, NULL };

                r = backup_tool_run(&bare, tar, argv, ret_error);
                if (r != 0) {
                        r = r < 0 ? r : -EIO;
                        goto fail;
                }
        }
        top = only_directory(root, tmp_name);
        if (!top || asprintf(&src, "%s/%s", tmp_name, top) < 0) {
                error_set(ret_error, "the filestore archive %s does not hold exactly one directory", tar_path);
                r = -EBADMSG;
                goto fail;
        }
        if (renameat2(root, src, root, target, RENAME_NOREPLACE) < 0) {
                struct stat st;

                r = negative_errno();
                /* A file system without RENAME_NOREPLACE: we hold the name's lock, and checked. */
                if ((r == -EINVAL || r == -ENOSYS) && fstatat(root, target, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                        r = renameat(root, src, root, target) < 0 ? negative_errno() : 0;
                if (r < 0) {
                        error_set(ret_error, "cannot move the extracted filestore to %s/%s: %s", root_path, target, strerror(-r));
                        goto fail;
                }
        }
        (void) unlinkat(root, tmp_name, AT_REMOVEDIR);
        /* The database is durable once restored: make the files it points at so too. */
        if (syncfs(root) < 0 || fsync(root) < 0) {
                r = negative_errno();
                error_set(ret_error, "cannot flush %s: %s", root_path, strerror(-r));
                (void) remove_at(root, target);
                return r;
        }
        return 0;

fail:
        {
                int k = remove_at(root, tmp_name);

                if (k < 0 && ret_error) {
                        _cleanup_free_ char *first = TAKE_PTR(*ret_error);

                        error_set(ret_error, "%s (and %s could not be removed: %s)", strempty(first), tmp, strerror(-k));
                }
        }
        return r;
}
