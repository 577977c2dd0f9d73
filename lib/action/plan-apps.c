/* SPDX-License-Identifier: MIT */
/*
 * plan-apps.c: owns what a plan change does to a tenant's apps (plan-apps.h): working it out, and
 * doing it through the tenant's Odoo as vumaerp's service user.
 */
#include <stdlib.h>

#include "log.h"
#include "odoo.h"
#include "pg.h"
#include "plan-apps.h"
#include "registry-tenant.h"
#include "result.h"
#include "tenant-apps.h"
#include "tenant-service.h"

void plan_apps_done(PlanApps *a) {
        json_decref(a->install);
        json_decref(a->show);
        json_decref(a->hide);
        *a = (PlanApps) {};
}

static bool plan_has(const Plan *p, const char *app) {
        for (char **m = p ? p->apps : NULL; m && *m; m++)
                if (streq(*m, app))
                        return true;
        return false;
}

static int tenant_failure(PGconn *tenant, int r, const char *what, json_t **ret) {
        if (r == -ENOMEM)
                return result_oom(ret);
        return pg_failure(tenant, what, ret);
}

int plan_apps_prepare(TenantSession *s, PGconn *tenant, const Plan *from, const Plan *to, int service_uid,
                      PlanApps *ret_apps, json_t **ret) {
        _cleanup_(plan_apps_done) PlanApps a = {
                .install = json_array(), .show = json_array(), .hide = json_array(), .service_uid = service_uid,
        };
        _cleanup_free_ char *error = NULL;
        TenantApp app;
        int r;

        if (!a.install || !a.show || !a.hide)
                return result_oom(ret);
        for (char **m = to->apps; m && *m; m++) {
                r = tenant_apps_read(tenant, *m, &app);
                if (r < 0)
                        return tenant_failure(tenant, r, "reading the tenant's apps", ret);
                if (!app.installed ? json_array_append_new(a.install, json_string(*m)) < 0 :
                    app.menus_shown < app.menus ? json_array_append_new(a.show, json_string(*m)) < 0 : false)
                        return result_oom(ret);
        }
        for (char **m = from ? from->apps : NULL; m && *m; m++) {
                if (plan_has(to, *m))
                        continue;
                r = tenant_apps_read(tenant, *m, &app);
                if (r < 0)
                        return tenant_failure(tenant, r, "reading the tenant's apps", ret);
                if (app.installed && app.menus_shown > 0 && json_array_append_new(a.hide, json_string(*m)) < 0)
                        return result_oom(ret);
        }

        if (json_array_size(a.install) + json_array_size(a.show) + json_array_size(a.hide) > 0) {
                if (a.service_uid > 0) {
                        r = tenant_service_check(tenant, a.service_uid, &error);
                        if (r == -EPERM)
                                return result_fail(ret, EXIT_EXISTS, "service_user_tampered",
                                                   "%s: %s; vumaerp installs and hides the plan's apps as that user, and "
                                                   "changed nothing", s->db_name, error);
                        if (r < 0)
                                return tenant_failure(tenant, r, "checking vumaerp's service user", ret);
                } else {
                        r = tenant_service_create(tenant, &a.service_uid, &error);
                        if (r == -EEXIST || r == -ENOENT)
                                return result_fail(ret, r == -EEXIST ? EXIT_EXISTS : EXIT_SOFTWARE,
                                                   r == -EEXIST ? "service_user_taken" : "not_odoo",
                                                   "%s: cannot make vumaerp's service user: %s; nothing was changed",
                                                   s->db_name, error);
                        if (r < 0)
                                return tenant_failure(tenant, r, "making vumaerp's service user", ret);
                        /* Recorded before anything counts on it: the cap leaves it out by this id. */
                        r = registry_tenant_set_service_uid(s->conn, s->db_name, a.service_uid);
                        if (r < 0)
                                return pg_failure(s->conn, "recording vumaerp's service user", ret);
                }
        }
        *ret_apps = a;
        a = (PlanApps) {};
        return EXIT_OK;
}

static int odoo_failure(int r, const char *what, const char *error, json_t **ret) {
        switch (r) {
        case -ENOMEM:
                return result_oom(ret);
        case -EDESTADDRREQ:
                return result_fail(ret, EXIT_CONFIG, "odoo_not_configured", "%s: %s", what, strempty(error));
        case -ECONNREFUSED:
        case -ETIMEDOUT:
                return result_fail(ret, EXIT_UNAVAILABLE, "odoo_unavailable", "%s: %s", what, strempty(error));
        default:
                return result_fail(ret, EXIT_SOFTWARE, "odoo_error", "%s: %s", what, strempty(error));
        }
}

/* object.execute_kw(db, uid, key, model, method, args, kwargs) as the service user; args and
 * kwargs are taken. */
static int execute(TenantSession *s, int uid, const char *key, const char *model, const char *method, json_t *args,
                   json_t *kwargs, long timeout, json_t **ret_result, char **ret_error) {
        _cleanup_json_ json_t *call = NULL;

        call = json_pack("[s, i, s, s, s, o, o]", s->db_name, uid, key, model, method, args,
                         kwargs ? kwargs : json_object());
        if (!call)
                return -ENOMEM;
        return odoo_call_timeout(s->config, "object", "execute_kw", call, timeout, ret_result, ret_error);
}

/* Installs the modules names (a JSON array) that are not installed: Odoo's own search, then
 * button_immediate_install on what it found. */
static int install(TenantSession *s, int uid, const char *key, json_t *names, json_t **ret) {
        _cleanup_json_ json_t *ids = NULL, *result = NULL;
        _cleanup_free_ char *error = NULL;
        int r;

        r = execute(s, uid, key, "ir.module.module", "search",
                    json_pack("[[[s, s, O], [s, s, s]]]", "name", "in", names, "state", "!=", "installed"), NULL,
                    ODOO_CALL_TIMEOUT_SEC, &ids, &error);
        if (r < 0)
                return odoo_failure(r, "finding the plan's apps in the tenant's Odoo", error, ret);
        if (!json_is_array(ids) || json_array_size(ids) != json_array_size(names))
                return result_fail(ret, EXIT_SOFTWARE, "apps_missing",
                                   "%s: the tenant's Odoo does not offer every app of the plan (%zu of %zu found)",
                                   s->db_name, json_is_array(ids) ? json_array_size(ids) : 0, json_array_size(names));
        r = execute(s, uid, key, "ir.module.module", "button_immediate_install", json_pack("[O]", ids), NULL,
                    ODOO_LONG_CALL_TIMEOUT_SEC, &result, &error);
        if (r < 0)
                return odoo_failure(r, "installing the plan's apps", error, ret);
        return EXIT_OK;
}

/* Archives (show false) or restores the root menus of the modules in names through Odoo's ORM. */
static int menus(TenantSession *s, PGconn *tenant, int uid, const char *key, json_t *names, bool show, json_t **ret) {
        _cleanup_json_ json_t *ids = json_array();
        size_t i;
        json_t *v;
        int r;

        if (!ids)
                return result_oom(ret);
        json_array_foreach(names, i, v) {
                _cleanup_json_ json_t *some = NULL;

                r = tenant_apps_root_menus(tenant, json_string_value(v), show, &some);
                if (r < 0)
                        return tenant_failure(tenant, r, "reading the apps' menus", ret);
                if (json_array_extend(ids, some) < 0)
                        return result_oom(ret);
        }
        if (json_array_size(ids) > 0) {
                _cleanup_json_ json_t *result = NULL;
                _cleanup_free_ char *error = NULL;

                /* active_test off: an archived menu is found to be restored. */
                r = execute(s, uid, key, "ir.ui.menu", "write", json_pack("[O, {s: b}]", ids, "active", show),
                            json_pack("{s: {s: b}}", "context", "active_test", false), ODOO_CALL_TIMEOUT_SEC, &result,
                            &error);
                if (r < 0)
                        return odoo_failure(r, show ? "showing the plan's apps" : "hiding the dropped apps", error, ret);
        }
        return EXIT_OK;
}

int plan_apps_run(TenantSession *s, PGconn *tenant, const PlanApps *a, json_t **ret_done, json_t **ret) {
        _cleanup_json_ json_t *done = NULL;
        _cleanup_secret_ char *key = NULL;
        int status = EXIT_OK, r;

        done = json_pack("{s: [], s: [], s: []}", "installed", "hidden", "shown");
        if (!done)
                return result_oom(ret);
        if (json_array_size(a->install) + json_array_size(a->show) + json_array_size(a->hide) == 0) {
                *ret_done = TAKE_PTR(done);
                return EXIT_OK;
        }

        r = tenant_service_open(tenant, a->service_uid, &key);
        if (r < 0)
                return tenant_failure(tenant, r, "opening vumaerp's service user", ret);
        if (json_array_size(a->install) > 0) {
                status = install(s, a->service_uid, key, a->install, ret);
                if (status == EXIT_OK && json_array_extend(json_object_get(done, "installed"), a->install) < 0)
                        status = result_oom(ret);
        }
        if (status == EXIT_OK) {
                status = menus(s, tenant, a->service_uid, key, a->show, true, ret);
                if (status == EXIT_OK && json_array_extend(json_object_get(done, "shown"), a->show) < 0)
                        status = result_oom(ret);
        }
        if (status == EXIT_OK) {
                status = menus(s, tenant, a->service_uid, key, a->hide, false, ret);
                if (status == EXIT_OK && json_array_extend(json_object_get(done, "hidden"), a->hide) < 0)
                        status = result_oom(ret);
        }

        /* The key is gone whatever happened: closing is what keeps no secret alive. A failure to
         * close after a failure is logged; after a success it is the answer. */
        r = tenant_service_close(tenant, a->service_uid);
        if (r < 0) {
                if (status != EXIT_OK) {
                        log_error("%s: cannot delete the service user's one-shot API key: %s", s->db_name,
                                  r == -EIO ? PQerrorMessage(tenant) : strerror(-r));
                        return status;
                }
                return tenant_failure(tenant, r, "closing vumaerp's service user", ret);
        }
        if (status != EXIT_OK)
                return status;
        *ret_done = TAKE_PTR(done);
        return EXIT_OK;
}

int plan_apps_status(PGconn *tenant, const Plan *p, json_t **ret) {
        _cleanup_json_ json_t *out = json_object();
        TenantApp app;
        int r;

        if (!out)
                return -ENOMEM;
        for (char **m = p ? p->apps : NULL; m && *m; m++) {
                r = tenant_apps_read(tenant, *m, &app);
                if (r < 0)
                        return r;
                if (json_object_set_new(out, *m, json_string(!app.installed ? "not_installed" :
                                                             app.menus > 0 && app.menus_shown == 0 ? "hidden" :
                                                             "installed")) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(out);
        return 0;
}
