/* SPDX-License-Identifier: MIT */
/* fileio.c: whole small files, bounded; a file's sha256; fsync by path (fileio.h). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

void wipe_free(void *p, size_t size) {
        if (!p)
                return;
        explicit_bzero(p, size);
        free(p);
}

int read_file_bounded(const char *path, size_t max, bool secret, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t size = 0;
        char *buf;
        int r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        if ((uintmax_t) st.st_size > max)
                return -EFBIG;

        /* Room for one byte more than allowed, in case the file grew since fstat(). */
        buf = malloc(max + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + size, max + 1 - size);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = negative_errno();
                        break;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
                if (size > max) {
                        r = -EFBIG;
                        break;
                }
        }
        if (r < 0) {
                if (secret)
                        wipe_free(buf, size);
                else
                        free(buf);
                return r;
        }
        buf[size] = '\0';
        *ret = buf;
        *ret_size = size;
        return 0;
}

int file_sha256(const char *path, char ret_hex[static 65], int64_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        EVP_MD_CTX *ctx = NULL;
        unsigned char md[EVP_MAX_MD_SIZE], buf[1 << 16];
        unsigned md_len = 0;
        int64_t size = 0;
        int r = 0;

        if (fd < 0)
                return negative_errno();
        ctx = EVP_MD_CTX_new();
        if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
                r = -ENOMEM;
                goto out;
        }
        for (;;) {
                ssize_t n = read(fd, buf, sizeof buf);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = negative_errno();
                        goto out;
                }
                if (n == 0)
                        break;
                if (EVP_DigestUpdate(ctx, buf, (size_t) n) != 1) {
                        r = -EIO;
                        goto out;
                }
                size += n;
        }
        if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32) {
                r = -EIO;
                goto out;
        }
        for (unsigned i = 0; i < md_len; i++)
                (void) snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
        if (ret_size)
                *ret_size = size;
out:
        EVP_MD_CTX_free(ctx);
        return r;
}

int fsync_path(const char *path, bool directory) {
        _cleanup_close_ int fd = open(path, (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);

        if (fd < 0 || fsync(fd) < 0)
                return negative_errno();
        return 0;
}

int opendir_at(int dfd, const char *name, DIR **ret) {
        int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;

                (void) close(fd);
                return r;
        }
        *ret = d;
        return 0;
}
