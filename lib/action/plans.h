/* SPDX-License-Identifier: MIT */
/*
 * plans.h: the plans action — what plans.yaml offers (config.h's Plan), as the answer of
 * GET /api/v1/plans and vumaerp-plans, which WHMCS's Plan dropdown is filled from. It reads the
 * configuration only: no database, no tenant.
 */
#pragma once

#include <jansson.h>

#include "config.h"

/* One plan as the answers give it: {"code","name","max_users","apps":[…],"storage_mb","default"}.
 * NULL on OOM. */
json_t *plan_to_json(const Plan *p);

/* Takes no fields. Answers every plan in plans.yaml's order:
 *   {"success":true,"configured":true,"count":3,"default":"starter","plans":[plan_to_json()…]}
 * and, when vumaerp.yaml names no plans file, a success too (the question has an answer: none;
 * a 404 would read as "no such endpoint", i.e. an older vumaerp-api):
 *   {"success":true,"configured":false,"count":0,"default":null,"plans":[]} */
int plans_list(const Config *c, json_t *request, json_t **ret);
