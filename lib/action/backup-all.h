/* SPDX-License-Identifier: MIT */
/*
 * backup-all.h: the scheduled run (vumaerp-backup --all, units/vumaerp-backup-daily.service): a
 * verified backup (backup.h) of every tenant that is active or suspended, one at a time, never
 * two runs at once.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* The lock one run holds for its whole length (registry_lock_tenant(): a name beginning vumaerp_
 * is never a tenant's). */
#define BACKUP_ALL_LOCK "vumaerp_backup_all"

/* Backs up each tenant tenant_list() finds active or suspended (kind "scheduled"), each in its own
 * tenant session, going on past a tenant that fails; a tenant an action is still making or
 * removing (provisioning, terminating) is skipped, a terminated one has no database to back up.
 * {"success":true,"count":N,"backed_up":[{"db_name","backup"}],"failed":[],"skipped":[{"db_name","state"}]};
 * with any failed (each {"db_name","code","error"}, each journalled by backup.c), 69
 * backup_incomplete with the same fields; 75 backup_running while another run holds the lock. */
int backup_all(const Config *c, json_t **ret);
