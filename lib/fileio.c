/* SPDX-License-Identifier: MIT */
/* fileio.c: whole small files, bounded (fileio.h). */
#include <fcntl.h>
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
