/* SPDX-License-Identifier: MIT */
/*
 * filestore.h: a tenant's Odoo filestore, <data_dir>/filestore/<db_name>: copying a template's
 * with hard links (Odoo's attachments are content-addressed and never rewritten in place, so a
 * link is a safe copy), renaming and removing one, and archiving one as a plain tar for a backup
 * and extracting that again. Nothing here follows a symlink out of the tree.
 */
#pragma once

#include <stdint.h>

/* Copies <data_dir>/filestore/<from> to <data_dir>/filestore/<to> as a tree of hard links
 * (falling back to a byte copy across file systems). A missing source is not an error: there is
 * nothing to copy. The target must not exist (-EEXIST). On failure the partial target is removed;
 * a failure while copying sets *ret_error (when non-NULL) to what failed, e.g. a symlink refused
 * (-ELOOP). */
int filestore_copy(const char *data_dir, const char *from, const char *to, char **ret_error);

/* Removes <data_dir>/filestore/<name> and everything under it; missing: 0. */
int filestore_remove(const char *data_dir, const char *name);

/* Whether filestore_remove() can remove <data_dir>/filestore/<name> whole: every directory in it,
 * and the filestore root, writable and searchable by this process (Odoo's files belong to Odoo's
 * user; vumaerp's user needs the rights the package's ACLs give it, vumaerp(7)). Checked before
 * anything is dropped, so a termination never drops a database whose files it cannot remove.
 * Returns 0 (also when there is none), -EACCES/-EPERM with *ret_path (malloc'd) naming the first
 * directory that is not, or another negative errno. */
int filestore_check_removable(const char *data_dir, const char *name, char **ret_path);

/* The path <data_dir>/filestore/<name>, malloc'd. */
char *filestore_path(const char *data_dir, const char *name);

/* <data_dir>/filestore/<name> opened as a directory, not through a symlink at its last two steps.
 * Returns the descriptor, -ENOENT when there is none, or another negative errno. */
int filestore_open(const char *data_dir, const char *name);

/* The bytes of the regular files in <data_dir>/filestore/<name> (apparent sizes: a file hard-linked
 * from the template counts in full, as it is the tenant's to keep), symlinks not followed; none:
 * 0 bytes. Returns 0 or a negative errno (-EACCES: vumaerp may not read the tree). */
int filestore_size(const char *data_dir, const char *name, int64_t *ret_bytes);

/* Whether the attachment file store_fname is in the filestore open as dir_fd, the name taken as
 * Odoo 17 takes it (ir.attachment._full_path: every '.' removed, '/' and '\' stripped at both
 * ends). Returns 1 (a regular file), 0 (none, or not a regular file, or reached only through a
 * symlink), or a negative errno. */
int filestore_has_file(int dir_fd, const char *store_fname);

/* Moves <data_dir>/filestore/<from> to <to> when there is one (never over an existing <to>:
 * -EEXIST). */
int filestore_rename(const char *data_dir, const char *from, const char *to);

/* Whether <data_dir>/filestore/<name> is there to back up: 1 yes, 0 none (also data_dir NULL).
 * A symlink or a file where its directory should be is an error (*ret_error says which): tar
 * would keep only the link, and a backup would say the files were in it. */
int filestore_present(const char *data_dir, const char *name, char **ret_error);

/* Writes <data_dir>/filestore/<name> as a plain tar into partial (created 0600 here, so it must
 * not exist; symlinks stored as links, never followed), fsyncs it, and reads it back with tar -tf
 * while hashing it (fileio.h). */
int filestore_archive(const char *data_dir, const char *name, const char *partial,
                      char ret_hex[static 65], int64_t *ret_size, char **ret_error);

/* Extracts a filestore tar into a private directory inside <data_dir>/filestore (the same file
 * system, so the last step is a rename), checks that it holds exactly one directory (the tenant's
 * name when it was backed up), and renames that to target, never over an existing one. On failure
 * nothing extracted stays. The caller holds target's lock: directories an earlier, killed
 * extraction for target left are removed first. */
int filestore_extract(const char *data_dir, const char *tar_path, const char *target, char **ret_error);
