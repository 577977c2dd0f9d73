/* SPDX-License-Identifier: MIT */
/*
 * pg.c: owns how vumaerp talks to PostgreSQL through libpq: the connection parameters (keyword
 * arrays, never a concatenated conninfo string, the password read from a credential file and
 * wiped), what a connection failure means (missing database, unreachable, refused credentials),
 * parameterised statements with their SQLSTATE, and the answer for a statement that failed.
 */
#include <stdio.h>
#include <string.h>

#include "credential.h"
#include "log.h"
#include "pg.h"
#include "result.h"

/* A password longer than this is not a password but a wrong file. */
#define PG_PASSWORD_MAX 1024

typedef struct Secret {
        char *data;
        size_t len;
} Secret;

static void secret_wipe(Secret *s) {
        credential_free(s->data, s->len);
        s->data = NULL;
        s->len = 0;
}

int pg_password_read(const char *name, char **ret, size_t *ret_len, char **ret_error) {
        int r;

        r = credential_read("postgres password", name, PG_PASSWORD_MAX, CREDENTIAL_TRIM_NEWLINES, ret, ret_len, ret_error);
        if (r < 0)
                return r == -ENOMEM ? r : -ENOKEY;
        return 0;
}

/* Server notices (e.g. "relation already exists, skipping") would otherwise go to stderr, which
 * is the action's log stream: keep them, but at debug level. */
static void notice_processor(void *arg, const char *message) {
        size_t n = strlen(message);

        while (n > 0 && message[n - 1] == '\n')
                n--;
        log_debug("postgres: %.*s", (int) n, message);
}

/* libpq gives no SQLSTATE for a failed connection (the server's ErrorResponse is folded into
 * PQerrorMessage's text), so a missing database can only be recognised by its message, which the
 * server words as 'database "NAME" does not exist' (3D000, raised in InitPostgres before any
 * client option could set lc_messages). We look for exactly that sentence with our own name in
 * it, so another database's name or a quote in ours cannot fool the match. A server whose
 * lc_messages is not English words it differently: then the failure is reported as unreachable
 * (-ECONNREFUSED) rather than misread — vumaerp expects lc_messages = 'C' or English. */
static int classify_connect_error(PGconn *conn, const char *dbname) {
        const char *msg = PQerrorMessage(conn);
        _cleanup_free_ char *missing = NULL;

        if (asprintf(&missing, "database \"%s\" does not exist", dbname) < 0)
                return -ENOMEM;
        if (strstr(msg, missing))
                return -ENOENT;

        /* Needs a password we did not give, a wrong password (28P01), or no pg_hba.conf entry
         * for us (28000): all mean our credentials or our host are not accepted. */
        if (PQconnectionNeedsPassword(conn) ||
            strstr(msg, "authentication failed") ||
            strstr(msg, "pg_hba.conf") ||
            strstr(msg, "no password supplied") ||
            strstr(msg, "role \"") /* role "x" does not exist / is not permitted to log in */)
                return -EACCES;

        /* Everything else — no server listening, a timeout, a name that does not resolve, "too
         * many connections", "the database system is starting up" — is the server being out of
         * reach for now. */
        return -ECONNREFUSED;
}

/* libpq's multi-line message ("failed: ...\n\tIs the server running...", "ERROR:  …\nDETAIL:  …")
 * as one line, for JSON answers and log lines: runs of whitespace become one space. */
static char *one_line(const char *msg) {
        char *out = malloc(strlen(msg) + 1), *p = out;

        if (!out)
                return NULL;
        for (const char *s = msg; *s; s++) {
                if (strchr(" \t\r\n", *s)) {
                        if (p > out && p[-1] != ' ')
                                *p++ = ' ';
                } else
                        *p++ = *s;
        }
        while (p > out && p[-1] == ' ')
                p--;
        *p = '\0';
        return out;
}

int pg_connect(const Config *c, const char *dbname, PGconn **ret, char **ret_error) {
        return pg_connect_as(c, dbname, &(PgLogin) { .user = c->pg_user, .password_file = c->pg_password_file }, ret, ret_error);
}

int pg_connect_as(const Config *c, const char *dbname, const PgLogin *login, PGconn **ret, char **ret_error) {
        _cleanup_(secret_wipe) Secret password = {};
        _cleanup_pgconn_ PGconn *conn = NULL;
        char portbuf[16];
        const char *port = NULL, *keywords[11], *values[11];
        size_t n = 0;
        int r;

        if (ret_error)
                *ret_error = NULL;

        if (login->password_file) {
                r = pg_password_read(login->password_file, &password.data, &password.len, ret_error);
                if (r < 0)
                        return r;
        }

#define ADD(k, v)                                       \
        do {                                            \
                if (v) {                                \
                        keywords[n] = (k);              \
                        values[n] = (v);                \
                        n++;                            \
                }                                       \
        } while (0)

        ADD("host", c->pg_host);
        if (c->pg_port > 0) {
                (void) snprintf(portbuf, sizeof portbuf, "%d", c->pg_port);
                port = portbuf;
        }
        ADD("port", port);
        ADD("user", login->user);
        ADD("dbname", dbname);
        ADD("password", password.data);
        ADD("application_name", "vumaerp");
        ADD("connect_timeout", "10");
        ADD("client_encoding", "UTF8");
        ADD("options", login->options);
#undef ADD
        keywords[n] = values[n] = NULL;

        /* expand_dbname = 0: a database name is only ever a name, never a conninfo string. */
        conn = PQconnectdbParams(keywords, values, 0);
        secret_wipe(&password);
        if (!conn)
                return -ENOMEM;

        if (PQstatus(conn) != CONNECTION_OK) {
                r = classify_connect_error(conn, dbname);
                if (ret_error)
                        *ret_error = one_line(PQerrorMessage(conn));
                return r;
        }

        (void) PQsetNoticeProcessor(conn, notice_processor, NULL);
        *ret = TAKE_PTR(conn);
        return 0;
}

char *pg_quote_identifier(PGconn *conn, const char *name) {
        char *q, *copy;

        q = PQescapeIdentifier(conn, name, strlen(name));
        if (!q)
                return NULL;
        copy = strdup(q);
        PQfreemem(q);
        return copy;
}

char *pg_error_message(PGconn *conn) {
        return one_line(PQerrorMessage(conn));
}

PGresult *pg_exec(PGconn *conn, char ret_sqlstate[6], const char *sql, int n_params, const char *const *params) {
        _cleanup_pgresult_ PGresult *res = NULL;
        ExecStatusType status;
        const char *state = NULL;

        res = PQexecParams(conn, sql, n_params, NULL, params, NULL, NULL, 0);
        status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
                return TAKE_PTR(res);

        /* No log line: the caller decides whether this is an error (a failure it answers with,
         * which tool.c journals once) or an answer (a taken name, a busy template). The message
         * stays on the connection for pg_error_message() until the next statement. */
        if (ret_sqlstate) {
                if (res)
                        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
                /* A lost connection leaves no SQLSTATE: report connection_failure so callers can
                 * tell "try again later" from a real error. */
                if (!state)
                        state = PQstatus(conn) == CONNECTION_BAD ? "08006" : "XX000";
                memcpy(ret_sqlstate, state, 5);
                ret_sqlstate[5] = '\0';
        }
        return NULL;
}

int pg_run(PGconn *conn, const char *sql, int n_params, const char *const *params) {
        _cleanup_pgresult_ PGresult *res = pg_exec(conn, NULL, sql, n_params, params);

        return res ? 0 : -EIO;
}

bool pg_connection_lost(PGconn *conn) {
        /* A server that is going away (crashed, shut down) can fail a statement with its FATAL
         * message before libpq has seen the connection end: one empty round trip settles it. */
        if (PQstatus(conn) == CONNECTION_OK)
                PQclear(PQexec(conn, ""));
        return PQstatus(conn) == CONNECTION_BAD;
}

int pg_failure(PGconn *conn, const char *what, json_t **ret) {
        _cleanup_free_ char *msg = pg_error_message(conn);

        if (pg_connection_lost(conn))
                return result_fail(ret, EXIT_UNAVAILABLE, "database_unavailable",
                                   "PostgreSQL is unavailable (%s): %s", what, strempty(msg));
        return result_fail(ret, EXIT_SOFTWARE, "database_error", "%s failed: %s", what, strempty(msg));
}

int pg_connect_failure(int r, const char *what, const char *error, json_t **ret) {
        if (r == -ENOMEM)
                return result_oom(ret);
        if (r == -ECONNREFUSED)
                return result_fail(ret, EXIT_UNAVAILABLE, "database_unavailable", "cannot connect to %s: %s", what, strempty(error));
        return result_fail(ret, EXIT_SOFTWARE, "database_error", "cannot connect to %s: %s", what, strempty(error));
}

int pg_drop_database(PGconn *conn, const char *name, bool if_exists) {
        _cleanup_free_ char *quoted = pg_quote_identifier(conn, name), *sql = NULL;
        _cleanup_pgresult_ PGresult *res = NULL;

        /* DDL takes no parameters: the name is quoted. */
        if (!quoted || asprintf(&sql, "DROP DATABASE %s%s WITH (FORCE)", if_exists ? "IF EXISTS " : "", quoted) < 0)
                return -ENOMEM;
        res = pg_exec(conn, NULL, sql, 0, NULL);
        return res ? 0 : -EIO;
}
