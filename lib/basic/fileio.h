/* SPDX-License-Identifier: MIT */
/*
 * fileio.h: reading the small files vumaerp trusts — the config, and the secrets (credential.h
 * reads them through here) — whole, bounded, and (for secrets) without leaving copies behind in
 * freed memory; a file's sha256 (OpenSSL EVP); fsync by path; a directory opened for reading
 * without following a link.
 */
#pragma once

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Reads the regular file at path, at most max bytes, into a NUL-terminated malloc'd buffer.
 * Refuses a directory (-EISDIR), anything else that is not a regular file (-EBADF; opened
 * O_NONBLOCK so that a FIFO put in its place cannot hang the reader) and a larger file
 * (-EFBIG). With secret, every buffer dropped on the way is wiped first; the caller wipes the
 * result with wipe_free(buf, size + 1) when done. */
int read_file_bounded(const char *path, size_t max, bool secret, char **ret, size_t *ret_size);

/* explicit_bzero() then free(); NULL is fine. */
void wipe_free(void *p, size_t size);

/* The sha256 (lowercase hex) and size (ret_size may be NULL) of the file at path. */
int file_sha256(const char *path, char ret_hex[static 65], int64_t *ret_size);

/* Opens path (a directory when directory) and fsyncs it. */
int fsync_path(const char *path, bool directory);

/* Opens the directory name in the directory dfd (AT_FDCWD: name is a path) for readdir(), never
 * through a link (O_NOFOLLOW: -ELOOP) nor anything that is not a directory (-ENOTDIR). */
int opendir_at(int dfd, const char *name, DIR **ret);
