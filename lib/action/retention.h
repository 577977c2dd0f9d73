/* SPDX-License-Identifier: MIT */
/*
 * retention.h: which backups prune keeps — grandfather-father-son over the backups the registry
 * knows, by backups.retention (config.h: daily, weekly, monthly), counted back from now in UTC:
 *
 *   daily N    the newest backup of each of the last N days (today included)
 *   weekly N   the newest backup of each of the last N ISO weeks (Monday to Sunday; this one included)
 *   monthly N  the newest backup of each of the last N calendar months (this one included)
 *
 * each rule on its own (a backup may be kept by several), per tenant, and two guarantees over
 * them: the newest backup of a tenant that is not terminated is never deleted (every backup the
 * registry holds was verified when it was made: pg_restore --list, sha256), however old it is
 * (a timer that stopped never costs a tenant its last backup); and a terminated tenant's final
 * backup — its newest, and any backup terminate made — is kept until the whole span of the
 * retention has passed since the termination (retention_span_end()), as retention_days did.
 * The windows are counted from now, not from the newest backup, so a terminated tenant's
 * backups, and everything else, are gone within the span.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

typedef struct RetentionBackup {
        int64_t id;                /* orders two backups made in the same second */
        const char *db_name;
        time_t created_at;
        bool terminate;            /* made by terminate (the registry's kind 'terminate') */
        bool tenant_terminated;    /* the registry says the tenant is terminated */
        time_t terminated_at;
} RetentionBackup;

/* Why a backup is kept; 0: it goes. */
typedef enum RetentionKeep {
        RETENTION_DAILY      = 1 << 0,
        RETENTION_WEEKLY     = 1 << 1,
        RETENTION_MONTHLY    = 1 << 2,
        RETENTION_NEWEST     = 1 << 3,   /* the newest of a tenant that is not terminated */
        RETENTION_FINAL      = 1 << 4,   /* a terminated tenant's final backup, within the span */
} RetentionKeep;

/* The end of the retention's span from t: the latest of t + daily days, t + weekly weeks and t +
 * monthly calendar months (UTC). */
time_t retention_span_end(const BackupRetention *p, time_t t);

/* Sets ret_keep[i] to the RetentionKeep bits of backups[i] (0: delete it); returns how many are
 * deleted, or -ENOMEM. The backups may come in any order. */
ssize_t retention_select(const RetentionBackup *backups, size_t n, time_t now, const BackupRetention *p,
                         unsigned *ret_keep);
