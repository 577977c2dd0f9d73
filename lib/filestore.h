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

/* The path <data_dir>/filestore/<name>, malloc'd. */
char *filestore_path(const char *data_dir, const char *name);
