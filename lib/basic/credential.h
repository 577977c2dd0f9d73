/* SPDX-License-Identifier: MIT */
/*
 * credential.h: reading a secret from a file, the one way vumaerp does it (the PostgreSQL
 * passwords, Odoo's master password, the API tokens). A credential is named by a path when the
 * name is absolute, else by its name in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=). The
 * file is read whole and bounded (read_file_bounded: a regular file of at most max bytes); every
 * buffer dropped on the way is wiped with explicit_bzero, and so is every byte trimmed off.
 * Nothing here logs: a failure is a negative errno, and a message when the caller asks for one.
 */
#pragma once

#include <stddef.h>

typedef enum CredentialFlags {
        CREDENTIAL_TRIM_NEWLINES = 1 << 0,  /* drop every trailing '\n' and '\r' (a file written by
                                             * echo or an editor holds one line and its end) */
        CREDENTIAL_NOT_EMPTY     = 1 << 1,  /* nothing left (after trimming): -ENODATA */
} CredentialFlags;

/* The file credential name stands for: name itself when absolute, else
 * $CREDENTIALS_DIRECTORY/name. -ENOKEY when name is relative and $CREDENTIALS_DIRECTORY is unset
 * or empty; -ENOMEM. */
int credential_path(const char *name, char **ret);

/* Reads the file at path, as given (a relative path is relative to the working directory), at
 * most max bytes, into *ret, NUL-terminated; *ret_len (may be NULL) is its length after flags
 * are applied. Free it with credential_free(*ret, len). Returns 0 or read_file_bounded()'s errors
 * (-ENOENT, -EACCES, -EISDIR, -EBADF: not a regular file, -EFBIG: over max, -ENOMEM), or
 * -ENODATA (CREDENTIAL_NOT_EMPTY). *ret is set only on success. */
int credential_read_file(const char *path, size_t max, CredentialFlags flags, char **ret, size_t *ret_len);

/* credential_path(name), then credential_read_file(). With ret_error non-NULL, a failure other
 * than -ENOMEM replaces *ret_error with a message naming the file as what (e.g. "postgres
 * password"): '<what> file "<name>" is relative, but $CREDENTIALS_DIRECTORY is not set',
 * 'cannot read <what> file <path>: <why>', or '<what> file <path> is empty'. */
int credential_read(const char *what, const char *name, size_t max, CredentialFlags flags,
                    char **ret, size_t *ret_len, char **ret_error);

/* Wipes and frees a credential of length len (as read above); NULL is fine. */
void credential_free(char *s, size_t len);
