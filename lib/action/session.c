/* SPDX-License-Identifier: MIT */
/*
 * session.c: owns the tenant session (session.h): the lock, the operation journal, the notes an
 * operation leaves for its repair (the backup window, the half-made database) and the repair
 * itself, and the catalog's view of the tenant.
 */
#include <stdlib.h>

#include "filestore.h"
#include "log.h"
#include "pg.h"
#include "registry.h"
#include "registry-operation.h"
#include "result.h"
#include "session.h"

int tenant_end_sessions(PGconn *conn, const char *db_name) {
        /* The two-argument form waits for each backend to be gone (PostgreSQL ≥ 14), so a session
         * ended here cannot still be writing when the caller goes on. */
        static const char sql[] =
                "SELECT count(*) FILTER (WHERE NOT pg_catalog.pg_terminate_backend(pid, 5000))"
                "  FROM pg_catalog.pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()";
        const char *params[1] = { db_name };
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, 1, params);

        if (!res)
                return -EIO;
        return atoi(PQgetvalue(res, 0, 0));
}

/* An earlier action on this tenant that was killed (the API's deadline, a crash) after letting
 * pg_dump in (a backup window: the database admitted, access.h) left the access it had before
 * in its operation row: put it back, and close that operation as interrupted. We hold the lock,
 * so nothing else is running on this tenant: every unfinished row with such a note is dead. */
static int repair_interrupted(TenantSession *s) {
        _cleanup_(registry_interrupted_list_done) RegistryInterruptedList found = {};
        int r;

        r = registry_operation_find_interrupted(s->conn, s->db_name, &found);
        if (r < 0)
                return r;
        for (size_t i = 0; i < found.n; i++) {
                const RegistryInterrupted *o = &found.items[i];
                AccessState was = access_state_from_string(o->was);

                if (o->same_db && o->half_made) {
                        /* A restore that was cut off: the database is half made. */
                        if (pg_drop_database(s->conn, s->db_name, false) < 0)
                                return -EIO;
                        log_warning("%s: dropped the half-restored database an interrupted restore (operation %s) left",
                                    s->db_name, o->id);
                        /* And the files it extracted: restore refuses to start over an
                         * existing filestore, so any there now are that restore's. */
                        if (s->config->odoo_data_dir && filestore_remove(s->config->odoo_data_dir, s->db_name) < 0)
                                log_error("%s: cannot remove the filestore the interrupted restore left", s->db_name);
                } else if (o->same_db && o->window) {
                        if (was != ACCESS_OPEN)
                                was = ACCESS_HELD;
                        if (access_set(s->conn, s->config, s->db_name, was) < 0)
                                return -EIO;
                        log_warning("%s: an interrupted backup (operation %s) had left the database open to pg_dump; "
                                    "access put back to %s", s->db_name, o->id, access_state_to_string(was));
                }
                r = registry_operation_close_interrupted(s->conn, o->id);
                if (r < 0)
                        return r;
        }
        return 0;
}

int tenant_session_begin(const Config *c, const char *db_name, const char *action, TenantSession *s, json_t **ret) {
        _cleanup_free_ char *error = NULL;
        int r;

        *s = (TenantSession) { .config = c };
        s->db_name = strdup(db_name);
        if (!s->db_name)
                return result_oom(ret);

        r = registry_open(c, &s->conn, &error);
        if (r < 0)
                return registry_open_failure(r, error, ret);
        r = access_holder_ready(s->conn, ret);
        if (r != EXIT_OK)
                return r;

        r = registry_lock_tenant(s->conn, db_name, TENANT_LOCK_TIMEOUT_MS);
        if (r == -EBUSY)
                return result_fail(ret, EXIT_TEMPFAIL, "tenant_busy",
                                   "another action on \"%s\" is still running; try again later", db_name);
        if (r < 0)
                return pg_failure(s->conn, "taking the tenant lock", ret);

        r = repair_interrupted(s);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "repairing an interrupted operation", ret);

        r = registry_operation_begin(s->conn, db_name, action, &s->operation_id);
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r < 0)
                return pg_failure(s->conn, "recording the operation", ret);
        return EXIT_OK;
}

void tenant_session_done(TenantSession *s) {
        if (s->conn) {
                /* Ending the connection releases the session-level lock too; unlocking first keeps
                 * the lock's life exactly the action's even on a pooled server. */
                if (s->db_name && PQstatus(s->conn) == CONNECTION_OK)
                        (void) registry_unlock_tenant(s->conn, s->db_name);
                PQfinish(s->conn);
                s->conn = NULL;
        }
        free(s->db_name);
        s->db_name = NULL;
        free(s->operation_id);
        s->operation_id = NULL;
}

int tenant_session_end(TenantSession *s, int status, json_t *result) {
        /* A failure to record the outcome is not answered: the action's own answer stands. */
        if (s->conn && s->operation_id && PQstatus(s->conn) == CONNECTION_OK)
                (void) registry_operation_end(s->conn, s->operation_id, status, result);
        tenant_session_done(s);
        return status;
}

int tenant_session_inspect(TenantSession *s, TenantDb *ret_db, json_t **ret) {
        /* The same definition of a tenant as tenant.c: owned by Odoo's role or the holder, and not
         * a template (reserved names were refused before, by request_db_name()). */
        static const char sql[] =
                "SELECT " ACCESS_STATE_SQL("$2") ", d.oid"
                "  FROM pg_catalog.pg_database d"
                "  JOIN pg_catalog.pg_roles r ON r.oid = d.datdba"
                " WHERE d.datname = $1 AND " ACCESS_OWNER_SQL("$2") " AND NOT d.datistemplate";
        const char *params[2] = { s->db_name, s->config->odoo_role };
        _cleanup_pgresult_ PGresult *res = pg_exec(s->conn, NULL, sql, 2, params);

        if (!res)
                return pg_failure(s->conn, "looking up the tenant", ret);
        *ret_db = (TenantDb) {};
        if (PQntuples(res) == 1) {
                ret_db->exists = true;
                ret_db->access = access_state_from_string(PQgetvalue(res, 0, 0));
                ret_db->oid = (unsigned) strtoul(PQgetvalue(res, 0, 1), NULL, 10);
        }
        return EXIT_OK;
}


int tenant_session_run(const Config *c, const char *db_name, const char *action,
                       TenantLockedFn fn, void *userdata, json_t **ret) {
        _cleanup_(tenant_session_done) TenantSession s = {};
        int status;

        status = tenant_session_begin(c, db_name, action, &s, ret);
        if (status != EXIT_OK)
                return status;
        status = fn(&s, userdata, ret);
        return tenant_session_end(&s, status, *ret);
}

/* Merges a JSON object text into this operation's detail. */
static int session_note(TenantSession *s, const char *json_object_text) {
        if (!s->operation_id)
                return -ENOENT;
        return registry_operation_note(s->conn, s->operation_id, json_object_text);
}

/* Removes a key from this operation's detail. */
static int session_unnote(TenantSession *s, const char *key) {
        if (!s->operation_id)
                return 0;
        return registry_operation_unnote(s->conn, s->operation_id, key);
}

int tenant_session_mark_half_made(TenantSession *s, unsigned oid) {
        char note[64];

        (void) snprintf(note, sizeof note, "{\"drop_on_interrupt\":\"%u\"}", oid);
        return session_note(s, note);
}

int tenant_session_unmark_half_made(TenantSession *s) {
        return session_unnote(s, "drop_on_interrupt");
}

int tenant_window_open(TenantSession *s, const TenantDb *db, TenantWindow *w, char **ret_error) {
        _cleanup_free_ char *note = NULL;
        int r;

        *w = (TenantWindow) { .before = db->access == ACCESS_OPEN ? ACCESS_OPEN : ACCESS_HELD };
        /* The note first: if we are killed after the change, the next action on this tenant
         * finds it and puts the access back (repair_interrupted). */
        if (asprintf(&note, "{\"backup_window\":{\"was\":\"%s\",\"oid\":\"%u\"}}",
                     access_state_to_string(w->before), db->oid) < 0)
                return -ENOMEM;
        r = session_note(s, note);
        if (r < 0) {
                error_set(ret_error, "cannot record the operation: %s", PQerrorMessage(s->conn));
                return r;
        }
        r = access_set(s->conn, s->config, s->db_name, ACCESS_ADMITTED);
        if (r < 0) {
                error_set(ret_error, "cannot let pg_dump into the database: %s", PQerrorMessage(s->conn));
                return r;
        }
        w->open = true;
        r = tenant_end_sessions(s->conn, s->db_name);
        if (r < 0) {
                error_set(ret_error, "cannot end the open sessions: %s", PQerrorMessage(s->conn));
                (void) tenant_window_close(s, w);
                return r;
        }
        return 0;
}

int tenant_window_close(TenantSession *s, TenantWindow *w) {
        _cleanup_free_ char *error = NULL;
        int r;

        if (!w->open)
                return 0;
        r = access_set(s->conn, s->config, s->db_name, w->before);
        if (r < 0)
                error = pg_error_message(s->conn);
        if (r < 0 && pg_connection_lost(s->conn)) {
                /* The connection is gone (and our lock with it): one more try on a new one. Until
                 * then Odoo neither lists nor serves the database. */
                _cleanup_pgconn_ PGconn *fresh = NULL;

                free(error);
                error = NULL;
                r = pg_connect(s->config, s->config->pg_maintenance_db, &fresh, &error);
                if (r >= 0) {
                        r = access_set(fresh, s->config, s->db_name, w->before);
                        if (r < 0)
                                error = pg_error_message(fresh);
                }
        }
        if (r < 0) {
                /* Nobody answers for this failure (the backup itself is done): it is logged here. */
                log_error("%s: could not put back its access after a backup (%s): %s; Odoo does not serve it until the next action on it",
                          s->db_name, access_state_to_string(w->before), strempty(error));
                return r;
        }
        if (w->before == ACCESS_HELD) {
                /* pg_dump's session is over; none other of Odoo's role may stay in a held database. */
                r = tenant_end_sessions(s->conn, s->db_name);
                if (r > 0)
                        log_warning("%s: %d session(s) did not end within 5 s", s->db_name, r);
        }
        w->open = false;
        (void) session_unnote(s, "backup_window");
        return 0;
}

void tenant_window_forget(TenantSession *s, TenantWindow *w) {
        w->open = false;
        /* Not removed but nulled: the row still says a window was open when the database went. */
        (void) session_note(s, "{\"backup_window\":null}");
}
