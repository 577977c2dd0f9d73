/* SPDX-License-Identifier: MIT */
/* bench/floor-pg.c: a program that links libpq, connects (PG* environment) and runs SELECT 1:
 * the floor under any action that reads PostgreSQL — process start with libpq loaded, plus a
 * fresh backend. bench/run times it next to vumaerp-status. Not part of the product. */
#include <libpq-fe.h>

int main(void) {
        PGconn *c = PQconnectdb("");
        PGresult *r = PQexec(c, "SELECT 1");
        int ok = PQresultStatus(r) == PGRES_TUPLES_OK;

        PQclear(r);
        PQfinish(c);
        return ok ? 0 : 1;
}
