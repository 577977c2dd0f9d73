/* SPDX-License-Identifier: MIT */
/* credential.c: where a credential's file is, and reading it bounded and wiped (credential.h). */
#include <stdio.h>
#include <string.h>

#include "credential.h"
#include "fileio.h"
#include "macro.h"
#include "result.h"

int credential_path(const char *name, char **ret) {
        const char *dir;
        char *p;

        if (name[0] == '/')
                p = strdup(name);
        else {
                dir = getenv("CREDENTIALS_DIRECTORY");
                if (isempty(dir))
                        return -ENOKEY;
                if (asprintf(&p, "%s/%s", dir, name) < 0)
                        p = NULL;
        }
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

void credential_free(char *s, size_t len) {
        /* The NUL too: what trimming left behind is zeroed, so len + 1 covers every byte read. */
        if (s)
                wipe_free(s, len + 1);
}

int credential_read_file(const char *path, size_t max, CredentialFlags flags, char **ret, size_t *ret_len) {
        size_t n = 0, size;
        char *buf;
        int r;

        r = read_file_bounded(path, max, true, &buf, &n);
        if (r < 0)
                return r;
        size = n;
        if (flags & CREDENTIAL_TRIM_NEWLINES)
                while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                        buf[--n] = '\0';
        if ((flags & CREDENTIAL_NOT_EMPTY) && n == 0) {
                wipe_free(buf, size + 1);
                return -ENODATA;
        }
        *ret = buf;
        if (ret_len)
                *ret_len = n;
        return 0;
}

int credential_read(const char *what, const char *name, size_t max, CredentialFlags flags,
                    char **ret, size_t *ret_len, char **ret_error) {
        _cleanup_free_ char *path = NULL;
        int r;

        r = credential_path(name, &path);
        if (r == -ENOKEY)
                error_set(ret_error, "%s file \"%s\" is relative, but $CREDENTIALS_DIRECTORY is not set", what, name);
        if (r < 0)
                return r;

        r = credential_read_file(path, max, flags, ret, ret_len);
        if (r == -ENODATA)
                error_set(ret_error, "%s file %s is empty", what, path);
        else if (r == -EFBIG)
                error_set(ret_error, "cannot read %s file %s: longer than %zu bytes", what, path, max);
        else if (r < 0 && r != -ENOMEM)
                error_set(ret_error, "cannot read %s file %s: %s", what, path,
                          r == -EBADF ? "not a regular file" : strerror(-r));
        return r;
}
