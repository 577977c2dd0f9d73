/* SPDX-License-Identifier: MIT */
/*
 * plans.c: owns the plans action (plans.h): plans.yaml's plans, as an answer.
 */
#include "macro.h"
#include "plans.h"
#include "result.h"

json_t *plan_to_json(const Plan *p) {
        _cleanup_json_ json_t *apps = json_array();

        if (!apps)
                return NULL;
        for (char **a = p->apps; a && *a; a++)
                if (json_array_append_new(apps, json_string(*a)) < 0)
                        return NULL;
        return json_pack("{s:s, s:s, s:i, s:O, s:i, s:b}",
                         "code", p->code,
                         "name", p->name,
                         "max_users", p->max_users,
                         "apps", apps,
                         "storage_mb", p->storage_mb,
                         "default", p->is_default);
}

int plans_list(const Config *c, json_t *request, json_t **ret) {
        _cleanup_json_ json_t *out = result_ok(), *plans = json_array();
        const Plan *def = config_default_plan(c);

        if (!out || !plans)
                return result_oom(ret);
        for (size_t i = 0; i < c->n_plans; i++)
                if (json_array_append_new(plans, plan_to_json(&c->plans[i])) < 0)
                        return result_oom(ret);
        if (json_object_set_new(out, "configured", json_boolean(c->plans_path)) < 0 ||
            json_object_set_new(out, "count", json_integer((json_int_t) c->n_plans)) < 0 ||
            json_object_set_new(out, "default", def ? json_string(def->code) : json_null()) < 0 ||
            json_object_set_new(out, "plans", TAKE_PTR(plans)) < 0)
                return result_oom(ret);
        *ret = TAKE_PTR(out);
        return EXIT_OK;
}
