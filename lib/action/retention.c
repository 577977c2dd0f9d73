/* SPDX-License-Identifier: MIT */
/*
 * retention.c: owns the choice of the backups prune keeps (retention.h): the periods a backup
 * falls in, and the keep-set over them. Pure: no database, no files; backup.c's prune applies it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>

#include "macro.h"
#include "retention.h"

static int64_t floor_div(int64_t a, int64_t b) {
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t day_of(time_t t) {
        return floor_div((int64_t) t, 86400);
}

/* ISO weeks start on Monday; day 0 (1970-01-01) was a Thursday, so day -3 starts week 0. */
static int64_t week_of(time_t t) {
        return floor_div(day_of(t) + 3, 7);
}

static int64_t month_of(time_t t) {
        struct tm tm;

        if (!gmtime_r(&t, &tm))
                return INT64_MIN;
        return (int64_t) (tm.tm_year + 1900) * 12 + tm.tm_mon;
}

time_t retention_span_end(const BackupRetention *p, time_t t) {
        time_t end = t + (time_t) p->daily * 86400, weeks = t + (time_t) p->weekly * 7 * 86400, months = t;
        struct tm tm;

        if (p->monthly > 0 && gmtime_r(&t, &tm)) {
                tm.tm_mon += p->monthly;   /* timegm() carries it into the years */
                months = timegm(&tm);
        }
        if (weeks > end)
                end = weeks;
        if (months > end)
                end = months;
        return end;
}

/* A tenant's backups together, newest first (two in one second: the higher id). */
static int compare_backups(const void *a, const void *b) {
        const RetentionBackup *x = *(const RetentionBackup *const *) a, *y = *(const RetentionBackup *const *) b;
        int c = strcmp(x->db_name, y->db_name);

        if (c != 0)
                return c;
        if (x->created_at != y->created_at)
                return x->created_at > y->created_at ? -1 : 1;
        return x->id == y->id ? 0 : x->id > y->id ? -1 : 1;
}

/* One rule: the first backup met of each period (newest first, so the period's newest) is kept
 * when the period is one of the last `count` up to now's. */
typedef struct Rule {
        int64_t (*period)(time_t t);
        int count;
        unsigned bit;
        int64_t last;
        bool any;
} Rule;

static unsigned rule_keeps(Rule *r, time_t created_at, int64_t now_period) {
        int64_t p = r->period(created_at);

        if (r->any && p == r->last)
                return 0;
        r->any = true;
        r->last = p;
        /* A backup from the future (a clock set back) is in the current period. */
        return r->count > 0 && now_period - p < r->count ? r->bit : 0;
}

ssize_t retention_select(const RetentionBackup *backups, size_t n, time_t now, const BackupRetention *p,
                         unsigned *ret_keep) {
        _cleanup_free_ const RetentionBackup **sorted = calloc(n + 1, sizeof *sorted);
        Rule rules[] = {
                { .period = day_of,   .count = p->daily,   .bit = RETENTION_DAILY },
                { .period = week_of,  .count = p->weekly,  .bit = RETENTION_WEEKLY },
                { .period = month_of, .count = p->monthly, .bit = RETENTION_MONTHLY },
        };
        int64_t now_periods[ELEMENTSOF(rules)];
        ssize_t deleted = 0;

        if (!sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                sorted[i] = &backups[i];
        qsort(sorted, n, sizeof *sorted, compare_backups);
        for (size_t k = 0; k < ELEMENTSOF(rules); k++)
                now_periods[k] = rules[k].period(now);

        for (size_t i = 0; i < n; i++) {
                const RetentionBackup *b = sorted[i];
                bool first = i == 0 || !streq(sorted[i - 1]->db_name, b->db_name);
                unsigned keep = 0;

                if (first)
                        for (size_t k = 0; k < ELEMENTSOF(rules); k++)
                                rules[k].any = false;
                for (size_t k = 0; k < ELEMENTSOF(rules); k++)
                        keep |= rule_keeps(&rules[k], b->created_at, now_periods[k]);
                if (first && !b->tenant_terminated)
                        keep |= RETENTION_NEWEST;
                if (first && b->tenant_terminated && now < retention_span_end(p, b->terminated_at))
                        keep |= RETENTION_FINAL;
                if (b->terminate && now < retention_span_end(p, b->created_at))
                        keep |= RETENTION_FINAL;
                ret_keep[b - backups] = keep;
                if (!keep)
                        deleted++;
        }
        return deleted;
}
