/* SPDX-License-Identifier: MIT */
/*
 * lifecycle.c: owns suspend, unsuspend and terminate: the moves of the tenant's registry state
 * (registry-tenant.h) they make, the database's access (access.h), its route and suspension page
 * (web.h), and terminate's backup and drop.
 */
#include <stdlib.h>

#include "backup.h"
#include "filestore.h"
#include "lifecycle.h"
#include "log.h"
#include "names.h"
#include "owner.h"
#include "pg.h"
#include "registry.h"
#include "registry-tenant.h"
#include "result.h"
#include "session.h"
#include "text.h"
#include "web.h"

#define REASON_MAX_CHARS 1024

/* The answer {"success":true,"db_name":…,"status":…,"changed":…}. */
static int answer(json_t **ret, const char *db_name, const char *status, bool changed) {
        _cleanup_json_ json_t *out = result_ok();

        if (!out ||
            json_object_set_new(out, "db_name", json_string(db_name)) < 0 ||
            json_object_set_new(out, "status", json_string(status)) < 0 ||
            json_object_set_new(out, "changed", json_boolean(changed)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}

typedef struct SuspendRequest {
        bool suspend;
        const char *reason;
} SuspendRequest;

static int set_suspended_locked(TenantSession *s, void *userdata, json_t **ret) {
        const SuspendRequest *q = userdata;
        bool suspend = q->suspend;
        _cleanup_free_ char *reason = NULL;
        TenantDb db;
        bool changed;
        int status, r;

        status = tenant_session_inspect(s, &db, ret);
        if (status != EXIT_OK)
                return status;
        if (!db.exists)
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", s->db_name);

        /* Whatever the access was — open, closed the way earlier versions suspended, admitted
         * by a window some crash left, or the default privileges of a database made before
         * vumaerp — it ends in exactly the state asked for: always set, as it is one cheap
         * transaction and the retry of a suspend must close what the first one may not have. */
        changed = suspend ? db.access == ACCESS_OPEN : db.access != ACCESS_OPEN;
        if (access_set(s->conn, s->config, s->db_name, suspend ? ACCESS_HELD : ACCESS_OPEN) < 0)
                return pg_failure(s->conn, suspend ? "refusing connections" : "allowing connections", ret);
        if (suspend) {
                /* Always, not only on a change: a session older than the suspension must not
                 * outlive it. */
                r = tenant_end_sessions(s->conn, s->db_name);
                if (r < 0)
                        return pg_failure(s->conn, "ending the open sessions", ret);
                if (r > 0)
                        log_warning("%s: %d session(s) did not end within 5 s", s->db_name, r);
        }

        /* A tenant made before vumaerp gets its registry row here; the times move only when
         * the state really changed, so a retry does not rewrite history. */
        r = suspend ? registry_tenant_suspend(s->conn, s->db_name, q->reason, changed, &reason) :
                      registry_tenant_unsuspend(s->conn, s->db_name, changed);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "recording the state in the registry", ret);

        /* The page follows the database, never leads it: the suspension holds without it, and a
         * retry finishes what failed here. The route too, for a tenant made before
         * web.state_dir was set: suspended or not, its host must lead to it. */
        r = web_route_add(s->config, s->db_name);
        if (r >= 0)
                r = suspend ? web_page_write(s->config, s->db_name, reason)
                            : web_page_remove(s->config, s->db_name);
        if (r < 0)
                return result_fail(ret, EXIT_SOFTWARE, "web_state_failed",
                                   "%s is %s, but its route and suspension page in %s could not be brought in line: %s; "
                                   "%s again to finish", s->db_name, suspend ? "suspended" : "unsuspended",
                                   s->config->web_state_dir, strerror(-r), suspend ? "suspend" : "unsuspend");

        return answer(ret, s->db_name, suspend ? "suspended" : "active", changed);
}

static int suspend_or_unsuspend(const Config *c, json_t *request, bool suspend, json_t **ret) {
        const char *reason = NULL;
        TenantOwner owner;
        int bad = 0, status;

        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        if (suspend) {
                reason = request_string(request, "reason", &bad);
                if (bad)
                        return result_fail(ret, EXIT_BAD_INPUT, "invalid_reason", "reason must be a string");
                if (reason && text_utf8_length(reason) > REASON_MAX_CHARS)
                        return result_fail(ret, EXIT_BAD_INPUT, "invalid_reason",
                                           "reason is longer than %d characters", REASON_MAX_CHARS);
                if (reason && text_has_control(reason))
                        return result_fail(ret, EXIT_BAD_INPUT, "invalid_reason",
                                           "reason must be one line of text without control characters");
        }

        return owner_session_run(c, &owner, suspend ? "suspend" : "unsuspend", set_suspended_locked,
                                  &(SuspendRequest) { .suspend = suspend, .reason = reason }, ret);
}

int tenant_suspend(const Config *c, json_t *request, json_t **ret) {
        return suspend_or_unsuspend(c, request, true, ret);
}

int tenant_unsuspend(const Config *c, json_t *request, json_t **ret) {
        return suspend_or_unsuspend(c, request, false, ret);
}

static int terminate_answer(json_t **ret, const char *db_name, bool changed, const BackupInfo *b) {
        int status = answer(ret, db_name, "terminated", changed);

        if (status != EXIT_OK)
                return status;
        if (json_object_set_new(*ret, "backup", backup_info_json(b)) < 0) {
                json_decref(*ret);
                *ret = NULL;
                return result_oom(ret);
        }
        return EXIT_OK;
}

static int mark_registry(TenantSession *s, const char *state, json_t **ret) {
        if (registry_tenant_set_state(s->conn, s->db_name, state) < 0)
                return pg_failure(s->conn, "recording the state in the registry", ret);
        return EXIT_OK;
}

/* The filestore and the web state (routes, page): what is left of a tenant once its database is
 * gone. */
static int remove_leftovers(TenantSession *s) {
        int r;

        r = web_tenant_remove(s->config, s->db_name);
        if (r < 0) {
                log_error("%s: cannot remove the web state in %s: %s", s->db_name, s->config->web_state_dir, strerror(-r));
                return r;
        }
        if (!s->config->odoo_data_dir)
                return 0;
        r = filestore_remove(s->config->odoo_data_dir, s->db_name);
        if (r < 0)
                log_error("%s: cannot remove the filestore: %s", s->db_name, strerror(-r));
        return r;
}

/* A tenant already gone: a retry of a termination that finished (or was cut off after the drop)
 * is a success; anything else is 404. */
static int terminate_gone(TenantSession *s, json_t **ret) {
        _cleanup_free_ char *state = NULL;
        _cleanup_json_ json_t *j = NULL;
        BackupInfo b = {};
        int status, r;

        r = registry_tenant_get_state(s->conn, s->db_name, &state, &j);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "looking up the registry", ret);
        if (!streq_ptr(state, "terminated") && !streq_ptr(state, "terminating"))
                return result_fail(ret, EXIT_NO_TENANT, "no_such_tenant", "no tenant database \"%s\"", s->db_name);

        if (streq(state, "terminating")) {
                /* Cut off between the drop and the registry: finish it. */
                if (remove_leftovers(s) < 0)
                        return result_fail(ret, EXIT_SOFTWARE, "filestore_error",
                                           "the database is gone but its filestore or web state could not be removed");
                status = mark_registry(s, "terminated", ret);
                if (status != EXIT_OK)
                        return status;
        } else if (web_tenant_remove(s->config, s->db_name) < 0)
                /* What a terminate made before web.state_dir was set left: nothing to fail the
                 * answer for. */
                log_warning("%s: cannot remove what is left of its web state in %s", s->db_name, s->config->web_state_dir);

        if (j) {
                const char *sha = json_string_value(json_object_get(j, "sha256"));
                const char *fs_sha = json_string_value(json_object_get(j, "filestore_sha256"));

                b.path = (char *) json_string_value(json_object_get(j, "path"));
                b.size_bytes = json_integer_value(json_object_get(j, "size_bytes"));
                (void) snprintf(b.sha256, sizeof b.sha256, "%s", strempty(sha));
                b.filestore_path = (char *) json_string_value(json_object_get(j, "filestore_path"));
                b.filestore_size_bytes = json_integer_value(json_object_get(j, "filestore_size_bytes"));
                (void) snprintf(b.filestore_sha256, sizeof b.filestore_sha256, "%s", strempty(fs_sha));
                return terminate_answer(ret, s->db_name, streq(state, "terminating"), b.path ? &b : NULL);
        }
        return terminate_answer(ret, s->db_name, streq(state, "terminating"), NULL);
}

static int terminate_locked(TenantSession *s, void *userdata, json_t **ret) {
        bool skip_backup = *(const bool *) userdata;
        _cleanup_(backup_info_done) BackupInfo backup = {};
        _cleanup_free_ char *error = NULL;
        TenantWindow window = {};
        TenantDb db;
        int status, r;

        status = tenant_session_inspect(s, &db, ret);
        if (status != EXIT_OK)
                return status;
        if (!db.exists)
                return terminate_gone(s, ret);

        /* Before anything is dropped: a database gone with files that cannot be removed would
         * leave the name blocked at 'terminating'. */
        if (s->config->odoo_data_dir) {
                _cleanup_free_ char *where = NULL;

                r = filestore_check_removable(s->config->odoo_data_dir, s->db_name, &where);
                if (r < 0)
                        return result_fail(ret, EXIT_CONFIG, "filestore_not_removable",
                                           "vumaerp cannot remove the tenant's filestore (%s: %s), so nothing was dropped: "
                                           "give vumaerp's user write access to Odoo's filestore (vumaerp(7), FILESTORE)",
                                           where ? where : s->config->odoo_data_dir, strerror(-r));
        }

        if (!skip_backup) {
                /* The tenant's users are kept out from here on — an active tenant's too, so that
                 * nothing is written after the dump and lost with the drop; a suspended tenant's
                 * never get in, although the dump needs connections allowed. */
                r = tenant_window_open(s, &db, &window, &error);
                if (r < 0)
                        return result_fail(ret, EXIT_UNAVAILABLE, "backup_failed",
                                           "the backup could not start, nothing was dropped: %s", strempty(error));
                r = backup_make(s->config, s->conn, s->db_name, "terminate", &backup, &error);
                if (r < 0) {
                        (void) tenant_window_close(s, &window);
                        return result_fail(ret, EXIT_UNAVAILABLE, "backup_failed",
                                           "the backup failed, nothing was dropped: %s", strempty(error));
                }
        }

        status = mark_registry(s, "terminating", ret);
        if (status != EXIT_OK) {
                (void) tenant_window_close(s, &window);
                return status;
        }
        if (pg_drop_database(s->conn, s->db_name, false) < 0) {
                _cleanup_json_ json_t *ignored = NULL;

                status = pg_failure(s->conn, "dropping the database", ret);
                (void) tenant_window_close(s, &window);
                (void) mark_registry(s, db.access == ACCESS_OPEN ? "active" : "suspended", &ignored);
                return status;
        }
        /* The database is gone: there is no access to put back. */
        tenant_window_forget(s, &window);

        if (remove_leftovers(s) < 0)
                return result_fail(ret, EXIT_SOFTWARE, "filestore_error",
                                   "the database was dropped but its filestore or web state could not be removed; terminate again to finish");
        status = mark_registry(s, "terminated", ret);
        if (status != EXIT_OK)
                return status;
        return terminate_answer(ret, s->db_name, true, skip_backup ? NULL : &backup);
}

int tenant_terminate(const Config *c, json_t *request, json_t **ret) {
        TenantOwner owner;
        int bad = 0, status;
        bool skip_backup;

        status = owner_request(c, request, &owner, ret);
        if (status != EXIT_OK)
                return status;
        skip_backup = request_bool(request, "skip_backup", false, &bad);
        if (bad)
                return result_fail(ret, EXIT_BAD_INPUT, "bad_request", "skip_backup must be true or false");

        return owner_session_run(c, &owner, "terminate", terminate_locked, &skip_backup, ret);
}
