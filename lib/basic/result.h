/* SPDX-License-Identifier: MIT */
/*
 * result.h: the JSON every action answers with — {"success": true, …} or
 * {"success": false, "error": "<sentence>", "code": "<word>"} — and the exit status that goes with
 * it. Actions build results with these so the shape never drifts between binaries.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "macro.h"

/* jansson ships json_decrefp (for its json_auto_t); use it. */
#define _cleanup_json_ _cleanup_(json_decrefp)

/* {"success": true}; callers add fields. NULL on OOM. */
json_t *result_ok(void);

/* {"success": false, "error": <formatted>, "code": code}. Never NULL (aborts on OOM: there is no
 * way to report anything without memory). */
json_t *result_error(const char *code, const char *format, ...) _printf_(2, 3);

/* Sets *ret to result_error(...) and returns status: "return result_fail(ret, EXIT_NO_TENANT, …)". */
int result_fail(json_t **ret, int status, const char *code, const char *format, ...) _printf_(4, 5);

/* The answer for running out of memory: 70 out_of_memory. "return result_oom(ret);" */
int result_oom(json_t **ret);

/* The answer for a failure known only by its negative errno r, with the exit status that errno
 * means wherever vumaerp meets it: -ENOMEM is result_oom(); -ECONNREFUSED, -ETIMEDOUT,
 * -ECONNRESET, -EHOSTUNREACH and -ENETUNREACH 69 (unavailable: try later); -EBUSY and -EAGAIN 75
 * (busy: try again); anything else 70. code and the message are the caller's; the message gets
 * ": <strerror>" appended. Callers with a more precise mapping (registry_open_failure(),
 * pg_failure()) keep theirs. */
int result_from_errno(json_t **ret, int r, const char *code, const char *format, ...) _printf_(4, 5);

/* The HTTP status vumaerp-api answers with for an action's exit status (ARCHITECTURE.md):
 * 0→200, 64/65→400, 66→404, 73→409, 69/75→503, anything else→500. */
int http_status_for_exit(int status);

/* A request field as a string: NULL when absent or JSON null; strings as they are; numbers and
 * booleans are not strings (-EINVAL via *ret_bad set true). */
const char *request_string(json_t *request, const char *key, int *ret_bad);

/* A request field as a boolean: JSON true/false, or (from forms and the command line) the
 * strings "true"/"false", "1"/"0", "yes"/"no", case-insensitive. Absent or null: def. Anything
 * else sets *ret_bad and returns def. */
bool request_bool(json_t *request, const char *key, bool def, int *ret_bad);

/* Replaces *ret_error (when ret_error is non-NULL) with the formatted message on one line: the
 * newlines and tabs of server messages ("ERROR: …\nDETAIL: …") become spaces, which read better in
 * JSON and in the journal. */
void error_set(char **ret_error, const char *format, ...) _printf_(2, 3);
