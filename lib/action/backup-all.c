/* SPDX-License-Identifier: MIT */
/*
 * backup-all.c: owns the scheduled backup run (backup-all.h): which tenants it backs up, its
 * lock, and its answer. Each backup is backup.c's, in the tenant's own session.
 */
#include "backup.h"
#include "backup-all.h"
#include "pg.h"
#include "registry.h"
#include "result.h"
#include "tenant.h"

/* Appends {"db_name": name, key: value} to a; value is taken. */
static int append_named(json_t *a, const char *name, const char *key, json_t *value) {
        json_t *o = json_pack("{s:s,s:o}", "db_name", name, key, value ? value : json_null());

        if (!o || json_array_append_new(a, o) < 0)
                return -ENOMEM;
        return 0;
}

int backup_all(const Config *c, json_t **ret) {
        _cleanup_pgconn_ PGconn *conn = NULL;
        _cleanup_json_ json_t *list = NULL, *request = json_object(), *done = json_array(), *failed = json_array(),
                              *skipped = json_array(), *out = NULL;
        _cleanup_free_ char *error = NULL;
        json_t *tenant;
        size_t i;
        int status, r;

        if (!request || !done || !failed || !skipped)
                return result_oom(ret);
        r = registry_open(c, &conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        /* Not waited for: a run that finds another still going leaves the tenants to it. */
        r = registry_lock_tenant(conn, BACKUP_ALL_LOCK, 1);
        if (r == -EBUSY)
                return result_fail(ret, EXIT_TEMPFAIL, "backup_running", "another run of vumaerp-backup --all is still going");
        if (r < 0)
                return pg_failure(conn, "taking the lock of the backup run", ret);

        status = tenant_list(c, request, &list);
        if (status != EXIT_OK) {
                *ret = TAKE_PTR(list);
                return status;
        }
        json_array_foreach(json_object_get(list, "tenants"), i, tenant) {
                const char *name = json_string_value(json_object_get(tenant, "db_name"));
                const char *state = json_string_value(json_object_get(tenant, "state"));
                _cleanup_json_ json_t *answer = NULL;

                if (!name || !state)
                        continue;
                if (!streq(state, "active") && !streq(state, "suspended")) {
                        if (append_named(skipped, name, "state", json_string(state)) < 0)
                                return result_oom(ret);
                        continue;
                }
                status = backup_tenant(c, name, "scheduled", &answer);
                if (status == EXIT_OK)
                        r = append_named(done, name, "backup", json_incref(json_object_get(answer, "backup")));
                else {
                        json_t *f = json_pack("{s:s,s:o?,s:o?}", "db_name", name,
                                              "code", json_incref(json_object_get(answer, "code")),
                                              "error", json_incref(json_object_get(answer, "error")));

                        r = f ? json_array_append_new(failed, f) : -ENOMEM;
                }
                if (r < 0)
                        return result_oom(ret);
        }

        if (json_array_size(failed) > 0)
                out = result_error("backup_incomplete", "%zu of %zu tenant backups failed", json_array_size(failed),
                                   json_array_size(failed) + json_array_size(done));
        else
                out = result_ok();
        if (!out ||
            json_object_set_new(out, "count", json_integer((json_int_t) json_array_size(done))) < 0 ||
            json_object_set_new(out, "backed_up", TAKE_PTR(done)) < 0 ||
            json_object_set_new(out, "failed", TAKE_PTR(failed)) < 0 ||
            json_object_set_new(out, "skipped", TAKE_PTR(skipped)) < 0)
                return result_oom(ret);
        status = json_array_size(json_object_get(out, "failed")) > 0 ? EXIT_UNAVAILABLE : EXIT_OK;
        *ret = TAKE_PTR(out);
        return status;
}
