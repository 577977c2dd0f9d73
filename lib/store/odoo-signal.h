/* SPDX-License-Identifier: MIT */
/*
 * odoo-signal.h: the SQL that tells every running Odoo process to drop what it holds in memory
 * for a database: one statement each, run inside the tenant (tenant-db.h) in the transaction
 * that made the change.
 *
 * Odoo's signalling sequences (odoo/modules/registry.py, check_signaling): every Odoo process
 * keeps each database's registry and caches in memory and reloads them only when one of these
 * differs from the value it last saw. SIGNAL_CACHE_SQL bumps the default cache's, which holds
 * res.users' session tokens (_compute_session_token, an ormcache): without it, sessions opened
 * with the old password live on. SIGNAL_ALL_SQL sets all of them to the clock in microseconds:
 * a clone starts with its template's values, and a name used before (terminated, provisioned
 * again, restored over) must not match what a running Odoo still holds for that name — the old
 * database's values were at most its own start time plus one per signal, each signal a
 * transaction, so a later clock always differs.
 */
#pragma once

#define SIGNAL_SEQUENCES_SQL(cond)                                                                 \
        "SELECT c.oid::pg_catalog.regclass AS seq FROM pg_catalog.pg_class c"                      \
        "  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"                               \
        " WHERE n.nspname = 'public' AND c.relkind = 'S' AND (" cond ")"
#define SIGNAL_CACHE_SQL \
        "SELECT pg_catalog.nextval(s.seq) FROM (" SIGNAL_SEQUENCES_SQL("c.relname = 'base_cache_signaling_default'") ") s"
#define SIGNAL_ALL_SQL                                                                             \
        "SELECT pg_catalog.setval(s.seq, (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp()) * 1000000)::bigint)" \
        "  FROM (" SIGNAL_SEQUENCES_SQL("c.relname = 'base_registry_signaling'"                   \
        "                               OR c.relname LIKE 'base\\_cache\\_signaling\\_%'") ") s"
