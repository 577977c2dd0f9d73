/* SPDX-License-Identifier: MIT */
/*
 * filestore.h: a tenant's Odoo filestore, <data_dir>/filestore/<db_name>: copying a template's
 * with hard links (Odoo's attachments are content-addressed and never rewritten in place, so a
 * link is a safe copy), and removing one. Nothing here follows a symlink out of the tree.
 */
#pragma once

/* Copies <data_dir>/filestore/<from> to <data_dir>/filestore/<to> as a tree of hard links
 * (falling back to a byte copy across file systems). A missing source is not an error: there is
 * nothing to copy. The target must not exist (-EEXIST). On failure the partial target is removed. */
int filestore_copy(const char *data_dir, const char *from, const char *to);

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

/* Whether the attachment file store_fname is in the filestore open as dir_fd, the name taken as
 * Odoo 17 takes it (ir.attachment._full_path: every '.' removed, '/' and '\' stripped at both
 * ends). Returns 1 (a regular file), 0 (none, or not a regular file, or reached only through a
 * symlink), or a negative errno. */
int filestore_has_file(int dir_fd, const char *store_fname);
