/* SPDX-License-Identifier: MIT */
/* test-retention: the keep-set of retention.c over real calendar dates — the daily, weekly (ISO)
 * and monthly windows counted back from now, the newest of a live tenant kept however old, a
 * terminated tenant's final backup kept for the retention's span and not a day longer, and the
 * span itself. */
#include <stdbool.h>
#include <stdlib.h>

#include "macro.h"
#include "retention.h"
#include "tests.h"

#define DAY 86400
#define MAX_BACKUPS 256

/* 2024-05-15T12:00:00Z, a Wednesday: its ISO week is Monday 05-13 to Sunday 05-19. */
static const time_t NOW = 1715774400;
/* Its midnight. */
static const time_t TODAY = 1715774400 - 12 * 3600;

static RetentionBackup backups[MAX_BACKUPS];
static unsigned want[MAX_BACKUPS];
static size_t n;

static void add(const char *db, time_t created_at, bool terminate, time_t terminated_at, unsigned keep) {
        if (n >= MAX_BACKUPS)
                abort();
        backups[n] = (RetentionBackup) {
                .id = (int64_t) n + 1,
                .db_name = db,
                .created_at = created_at,
                .terminate = terminate,
                .tenant_terminated = terminated_at != 0,
                .terminated_at = terminated_at,
        };
        want[n++] = keep;
}

/* One backup a day at 01:00 for 120 days, oldest first (the input's order must not matter). */
static void add_daily_co(const BackupRetention *p) {
        for (int d = 119; d >= 0; d--) {
                unsigned keep = 0;

                if (d < p->daily)
                        keep |= RETENTION_DAILY;
                /* 7/4/3: the newest of the weeks of 05-13, 05-06, 04-29, 04-22 (days 0, 3, 10, 17);
                 * of May, April, March (days 0, 15, 45). */
                if (p->weekly == 4 && (d == 0 || d == 3 || d == 10 || d == 17))
                        keep |= RETENTION_WEEKLY;
                if (p->monthly == 3 && (d == 0 || d == 15 || d == 45))
                        keep |= RETENTION_MONTHLY;
                if (d == 0)
                        keep |= RETENTION_NEWEST;
                add("daily_co", TODAY - (time_t) d * DAY + 3600, false, 0, keep);
        }
}

static void check_selection(int line, const BackupRetention *p) {
        unsigned got[MAX_BACKUPS];
        ssize_t deleted;
        size_t want_deleted = 0;

        deleted = retention_select(backups, n, NOW, p, got);
        for (size_t i = 0; i < n; i++) {
                if (got[i] != want[i])
                        fprintf(stderr, "line %d: %s backup id %lld (%lld days old): kept 0x%x, expected 0x%x\n", line,
                                backups[i].db_name, (long long) backups[i].id,
                                (long long) ((NOW - backups[i].created_at) / DAY), got[i], want[i]);
                CHECK(got[i] == want[i]);
                want_deleted += want[i] == 0;
        }
        CHECK_INT(deleted, want_deleted);
}

static void test_grandfather_father_son(void) {
        const BackupRetention p = { .daily = 7, .weekly = 4, .monthly = 3 };

        n = 0;
        add_daily_co(&p);
        /* Live tenants: the newest is kept however old; the rest by the windows only. */
        add("stale_co", NOW - 500 * DAY, false, 0, 0);
        add("stale_co", NOW - 400 * DAY, false, 0, RETENTION_NEWEST);
        /* Two in one second: the higher id is the newer. */
        add("twin_co", NOW - 400 * DAY, false, 0, 0);
        add("twin_co", NOW - 400 * DAY, false, 0, RETENTION_NEWEST);
        /* A clock set back: a backup "from the future" is today's. */
        add("future_co", NOW + 3600, false, 0, RETENTION_DAILY | RETENTION_WEEKLY | RETENTION_MONTHLY | RETENTION_NEWEST);
        /* Terminated 10 days ago (Sunday 05-05): its final backup is kept (and in the windows),
         * an older one is not. */
        add("gone_co", NOW - 200 * DAY, false, NOW - 10 * DAY, 0);
        add("gone_co", NOW - 10 * DAY, true, NOW - 10 * DAY, RETENTION_WEEKLY | RETENTION_MONTHLY | RETENTION_FINAL);
        /* Terminated 100 days ago: past the span (3 months), its final backup goes too. */
        add("long_gone", NOW - 100 * DAY, true, NOW - 100 * DAY, 0);
        /* Terminated 20 days ago without a backup (skip_backup): its newest, 300 days old, stays
         * for the span from the termination. */
        add("skip_co", NOW - 300 * DAY, false, NOW - 20 * DAY, RETENTION_FINAL);
        add("skip_co", NOW - 310 * DAY, false, NOW - 20 * DAY, 0);
        /* A name terminated 40 days ago (04-05) and given to a new tenant since: the old tenant's
         * final backup is neither the newest of its day, week or month any more, and is kept for
         * the span all the same; a manual one of the day before is not. */
        add("reused_co", NOW - 41 * DAY, false, 0, 0);
        add("reused_co", NOW - 40 * DAY, true, 0, RETENTION_FINAL);
        add("reused_co", NOW - 25 * DAY, false, 0, RETENTION_MONTHLY);
        add("reused_co", NOW - 1 * DAY, false, 0, RETENTION_DAILY | RETENTION_WEEKLY | RETENTION_MONTHLY | RETENTION_NEWEST);
        check_selection(__LINE__, &p);
}

/* The deprecated retention_days: 30, as config.c maps it: the last 30 days, and a terminated
 * tenant's final backup for 30 days after the termination, as before. */
static void test_retention_days_mapping(void) {
        const BackupRetention p = { .daily = 30 };

        n = 0;
        add_daily_co(&p);
        add("gone_co", NOW - 45 * DAY, true, NOW - 29 * DAY, RETENTION_FINAL);
        add("long_gone", NOW - 31 * DAY, true, NOW - 31 * DAY, 0);
        check_selection(__LINE__, &p);
}

static void test_nothing(void) {
        const BackupRetention p = { .daily = 7, .weekly = 4, .monthly = 3 };
        unsigned keep[1];

        CHECK_INT(retention_select(backups, 0, NOW, &p, keep), 0);
}

static void test_span_end(void) {
        /* 2024-01-31T00:00:00Z + 3 months: "04-31", carried to 2024-05-01. */
        const time_t jan31 = 1706659200;

        CHECK_INT(retention_span_end(&(BackupRetention) { .daily = 7, .weekly = 4, .monthly = 3 }, jan31), 1714521600);
        CHECK_INT(retention_span_end(&(BackupRetention) { .daily = 30 }, jan31), jan31 + 30 * DAY);
        CHECK_INT(retention_span_end(&(BackupRetention) { .daily = 7, .weekly = 8 }, jan31), jan31 + 56 * DAY);
        CHECK_INT(retention_span_end(&(BackupRetention) { .daily = 100, .weekly = 1, .monthly = 1 }, jan31), jan31 + 100 * DAY);
        /* Across a year: 2024-11-15 + 3 months = 2025-02-15. */
        CHECK_INT(retention_span_end(&(BackupRetention) { .daily = 1, .monthly = 3 }, 1731628800), 1739577600);
}

int main(void) {
        test_grandfather_father_son();
        test_retention_days_mapping();
        test_nothing();
        test_span_end();
        return test_exit_status();
}
