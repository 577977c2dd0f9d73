/* SPDX-License-Identifier: MIT */
/*
 * log.h: one place that writes what happened. Under systemd (stderr is the journal, per
 * $JOURNAL_STREAM, or the journal socket exists) entries go to journald with structured fields;
 * otherwise they are readable lines on stderr. Secrets never go through here.
 */
#pragma once

#include <stdint.h>
#include <syslog.h>

#include "macro.h"

/* The fields of one request or action entry (ARCHITECTURE.md, "Logging"); NULL/negative: absent. */
typedef struct LogContext {
        const char *action;       /* VUMAERP_ACTION: "status", "provision", "api" */
        const char *db;           /* VUMAERP_DB */
        const char *request_id;   /* VUMAERP_REQUEST_ID */
        const char *peer;         /* VUMAERP_PEER: "203.0.113.5:51234" */
        const char *outcome;      /* VUMAERP_OUTCOME: "ok", or an error code word */
        int64_t duration_ms;      /* VUMAERP_DURATION_MS; < 0: absent */
        int http_status;          /* VUMAERP_HTTP_STATUS; 0: absent */
} LogContext;

#define LOG_CONTEXT_INIT { .duration_ms = -1 }

/* Decides once where entries go; program is the SYSLOG_IDENTIFIER ("vumaerp-api"). */
void log_setup(const char *program);

/* Whether entries go to journald (after log_setup). */
int log_to_journal(void);

/* A structured entry. message_id is one of the MESSAGE_ID_* strings (message-id.h) or NULL. */
void log_event(int priority, const char *message_id, const LogContext *ctx, const char *format, ...) _printf_(4, 5);

/* A plain entry without fields. */
void log_full(int priority, const char *format, ...) _printf_(2, 3);

#define log_error(...)   log_full(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_full(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_full(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_full(LOG_DEBUG, __VA_ARGS__)

/* Logs and returns r (a negative errno), for "return log_error_errno(r, ...)". */
int log_error_errno(int r, const char *format, ...) _printf_(2, 3);
