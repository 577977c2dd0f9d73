#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/odoo-standin.py: a stand-in for a running Odoo 17 server's /jsonrpc, for the tests.

It answers what vumaerp asks Odoo, the way Odoo 17.0 does, against the real databases in the test
PostgreSQL (connecting as the Odoo role, like Odoo):
  common.version, common.authenticate (the res_users row and passlib's CryptContext, as
  res.users._check_credentials does; a successful login writes res_users_log, as
  _update_last_login does), db.server_version, db.list (odoo/service/db.py list_dbs' query),
  db.db_exist, db.create_database (the master password checked first; since it cannot install
  Odoo, it restores the country's fixture $FIXTURES_DIR/odoo17/erp/erp_<cc>.pgdump with its
  filestore, sets the admin's login and password, and for Ghana puts back the USD currency and
  US fiscal country Odoo gives it), object.execute_kw on ir.module.module (search, search_read, read,
  button_immediate_install: the modules are marked installed, base.group_system's only) and on
  ir.ui.menu (load_menus: the root menus a user sees, through _visible_menu_ids's ormcache, stale
  after an SQL change until the cache is cleared; write {'active': …}: base.group_system's, clears
  the cache and moves the 'default' cache signal), each install and menu write logged to stderr as
  "CALL <db> uid=<uid> by=password|apikey <what>" for the tests, with security.check first
  (passwords, and Odoo 17's API keys: res_users_apikeys, KEY_CRYPT_CONTEXT, scope 'rpc', for RPC
  only, never for /web/session/authenticate);
  db.rename and db.drop (exp_rename, exp_drop: the registry forgotten, the sessions ended, the
  filestore under --data-dir moved or removed); GET /web/content/<id>?db=<name> (a stored
  attachment's file, HTTP 500 when it is missing, as Odoo 17 answers); /web/session/authenticate
  and /web/session/get_session_info (sessions, with res.users' session token cache, whose fields
  include auth_oauth's oauth_access_token where auth_oauth is installed); GET /auth_oauth/signin
  (addons/auth_oauth: the provider's validation endpoint called over HTTP, the user matched by
  oauth_uid and oauth_provider_id, oauth_access_token written, then accepted as the password by
  _check_credentials); GET /, /web,
  /web/login and /web/database/selector with the database chosen as odoo/http.py chooses it
  (--dbfilter with %d and %h, --proxy-mode's X-Forwarded-Host, the session's database, a database
  whose registry cannot load served as none: /web then redirects to the selector), the selector
  listing what db_filter leaves unless --no-list-db.
Registries: like odoo.modules.registry.Registry.registries, a database gets one at its first use
(authenticate, execute_kw) and keeps it until db.rename or db.drop deletes it; the cron thread
(odoo/service/server.py cron_thread) polls every registry each --cron-interval seconds, so one
whose database was renamed or dropped behind Odoo's back logs, each poll, what Odoo logs:
"cron0 encountered an Exception: … database "<name>" does not exist".
Errors have Odoo's shape: {"jsonrpc": "2.0", "id": …, "error": {"code": 200, "message":
"Odoo Server Error", "data": {"name": "<module>.<class>", "message": str(exc), "debug": traceback,
"arguments": exc.args, "context": {}}}}, HTTP status 200.

Usage: odoo-standin.py --port N --db-user odoo --master-password-file F [--fixtures-dir D]
                      [--data-dir D] [--cron-interval SECONDS] [--dbfilter RE] [--proxy-mode]
                      [--no-list-db]
PostgreSQL is found through libpq's environment (PGHOST, PGPORT). Debian: python3-psycopg2,
python3-passlib.
"""
import argparse
import hashlib
import hmac
import http.cookies
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg2
from passlib.context import CryptContext

# odoo/release.py
VERSION_INFO = (17, 0, 0, "final", 0, "")
SERIE = "17.0"
VERSION = "17.0"

# res.users._crypt_context() in Odoo 17.
CRYPT = CryptContext(["pbkdf2_sha512", "plaintext"], deprecated=["plaintext"],
                     pbkdf2_sha512__rounds=600_000)
# odoo/addons/base/models/res_users.py (17.0): API keys, hashed with fewer rounds (they are random),
# found by their first INDEX_SIZE characters.
KEY_CRYPT_CONTEXT = CryptContext(["pbkdf2_sha512"], pbkdf2_sha512__rounds=6000)
INDEX_SIZE = 8

MAX_BODY = 1024 * 1024


class AccessDenied(Exception):
    """odoo.exceptions.AccessDenied"""
    def __init__(self, message="Access Denied"):
        super().__init__(message)


AccessDenied.__module__ = "odoo.exceptions"


class UserError(Exception):
    pass


UserError.__module__ = "odoo.exceptions"


class DatabaseExists(Warning):
    pass


DatabaseExists.__module__ = "odoo.service.db"

ARGS = None

# The models the stand-in answers besides ir.module.module, and their tables.
MODEL_TABLES = {"res.company": "res_company", "account.tax": "account_tax", "res.users": "res_users"}
# odoo/modules/registry.py _CACHES_BY_KEY (17.0): what each signalling sequence invalidates.
CACHE_NAMES = ("default", "assets", "templates", "routing", "groups")


class Registry:
    """odoo.modules.registry.Registry, reduced to what vumaerp relies on: the models' stored
    columns as they were when it was loaded (a stale registry reads columns the database may no
    longer have), the signalling sequences' values it was loaded at, and the 'default' ormcache,
    which holds res.users._compute_session_token."""

    def __init__(self, db, cr):
        self.db_name = db
        self.columns = {}
        for model, table in MODEL_TABLES.items():
            cr.execute("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0"
                       " AND NOT attisdropped ORDER BY attnum", ("public." + table,))
            self.columns[model] = [r[0] for r in cr.fetchall()]
        self.registry_sequence, self.cache_sequences = get_sequences(cr)
        self.cache = {}   # the 'default' cache: ('_compute_session_token', sid) -> token
        # The modules whose code the registry loaded: auth_oauth adds its route and its overrides
        # of res.users (_check_credentials, _get_session_token_fields).
        cr.execute("SELECT name FROM ir_module_module WHERE state = 'installed' AND name = 'auth_oauth'")
        self.auth_oauth = cr.fetchone() is not None

    def session_token_fields(self):
        """res.users._get_session_token_fields: base's id, login, password, active, and auth_oauth's
        oauth_access_token: a session is valid only while the token it signed in with is stored."""
        fields = {"id", "login", "password", "active"}
        if self.auth_oauth:
            fields.add("oauth_access_token")
        return sorted(fields)


def get_sequences(cr):
    """Registry.get_sequences: base_registry_signaling and each base_cache_signaling_<name>."""
    cr.execute("SELECT last_value FROM base_registry_signaling")
    registry_sequence = cr.fetchone()[0]
    caches = {}
    for name in CACHE_NAMES:
        cr.execute("SELECT to_regclass(%s) IS NOT NULL", ("public.base_cache_signaling_" + name,))
        if cr.fetchone()[0]:
            cr.execute("SELECT last_value FROM base_cache_signaling_%s" % name)
            caches[name] = cr.fetchone()[0]
    return registry_sequence, caches


# odoo.modules.registry.Registry.registries: one per database name, kept across requests.
REGISTRIES = {}
REGISTRIES_LOCK = threading.Lock()


def registry(db, cr):
    """Registry(db) then check_signaling(): loaded at first use; reloaded only when the database's
    base_registry_signaling differs from what it was loaded at; a moved cache sequence clears
    that cache. Nothing else tells a running Odoo that a database changed under its name."""
    with REGISTRIES_LOCK:
        reg = REGISTRIES.get(db)
        if reg is None:
            reg = REGISTRIES[db] = Registry(db, cr)
            return reg
        registry_sequence, cache_sequences = get_sequences(cr)
        if registry_sequence != reg.registry_sequence:
            sys.stderr.write("INFO %s odoo.modules.registry: Reloading the model registry after database signaling.\n" % db)
            reg = REGISTRIES[db] = Registry(db, cr)
        elif cache_sequences.get("default") != reg.cache_sequences.get("default"):
            sys.stderr.write("INFO %s odoo.modules.registry: Invalidating caches after database signaling: ['default']\n" % db)
            reg.cache.clear()
            reg.cache_sequences = cache_sequences
        sys.stderr.flush()
        return reg


def registry_delete(db):
    with REGISTRIES_LOCK:
        REGISTRIES.pop(db, None)


def cron_thread():
    """ThreadedServer.cron_thread: ir_cron._process_jobs(db_name) for every loaded registry."""
    while True:
        time.sleep(ARGS.cron_interval)
        with REGISTRIES_LOCK:
            names = sorted(REGISTRIES)
        for db_name in names:
            try:
                connect(db_name).close()
            except psycopg2.Error as exc:
                sys.stderr.write("WARNING ? odoo.service.server: cron0 encountered an Exception:\n"
                                 "psycopg2.OperationalError: %s\n" % str(exc).strip())
                sys.stderr.flush()


def filestore(db):
    """odoo.tools.config.filestore(db): <data_dir>/filestore/<db>."""
    return os.path.join(ARGS.data_dir, "filestore", db) if ARGS.data_dir else None


def connect(db):
    conn = psycopg2.connect(dbname=db, user=ARGS.db_user, application_name="odoo-standin")
    return conn


# --- common -------------------------------------------------------------------------------

def common_version():
    return {
        "server_version": VERSION,
        "server_version_info": list(VERSION_INFO),
        "server_serie": SERIE,
        "protocol_version": 1,
    }


def apikeys_check_credentials(cr, scope, key):
    """res.users.apikeys._check_credentials (17.0): the keys of active users whose index is the
    key's first INDEX_SIZE characters and whose scope is NULL or scope, each verified with
    KEY_CRYPT_CONTEXT; the first that matches gives its user. 17.0 has no expiration column."""
    index = key[:INDEX_SIZE]
    cr.execute("SELECT user_id, key FROM res_users_apikeys INNER JOIN res_users u ON (u.id = user_id)"
               " WHERE u.active AND index = %s AND (scope IS NULL OR scope = %s)", (index, scope))
    for user_id, current_key in cr.fetchall():
        if current_key and KEY_CRYPT_CONTEXT.verify(key, current_key):
            return user_id
    return None


def check_credentials(cr, uid, password, reg=None, interactive=False):
    """res.users._check_credentials. The API keys' override (17.0, res.users in res_users.py): an
    interactive login (the web's) is checked by password only; a non-interactive one (RPC:
    common.authenticate, security.check) by password, then by an API key of scope 'rpc' that
    belongs to uid. Base's: the stored hash verified (and upgraded) with the context; with
    auth_oauth, its override: on AccessDenied, the user (active) whose stored oauth_access_token
    equals the password is let in (passwd_allowed: interactive, or no 2FA)."""
    if not password:
        raise AccessDenied()
    if interactive:
        return check_password(cr, uid, password, reg)
    try:
        return check_password(cr, uid, password, reg)
    except AccessDenied:
        pass
    if apikeys_check_credentials(cr, "rpc", password) == uid:
        return
    raise AccessDenied()


def check_password(cr, uid, password, reg=None):
    cr.execute("SELECT COALESCE(password, '') FROM res_users WHERE id = %s", (uid,))
    row = cr.fetchone()
    hashed = row[0] if row else ""
    valid, replacement = CRYPT.verify_and_update(password, hashed)
    if replacement is not None:
        cr.execute("UPDATE res_users SET password = %s WHERE id = %s", (replacement, uid))
    if not valid:
        if reg is not None and reg.auth_oauth:
            cr.execute("SELECT 1 FROM res_users WHERE id = %s AND active AND oauth_access_token = %s", (uid, password))
            if cr.fetchone():
                return
        raise AccessDenied()


def common_authenticate(db, login, password, user_agent_env=None):
    # exp_authenticate: {**user_agent_env, 'interactive': False}
    return authenticate(db, login, password, False)


def authenticate(db, login, password, interactive):
    # odoo.registry(db): a database that refuses connections raises psycopg2's OperationalError,
    # which is not AccessDenied and reaches the client as an error.
    conn = connect(db)
    try:
        with conn:
            with conn.cursor() as cr:
                reg = registry(db, cr)
                try:
                    if not password:
                        raise AccessDenied()
                    # _get_login_domain: [('login', '=', login)], active_test on; order by id.
                    cr.execute("SELECT id FROM res_users WHERE login = %s AND active ORDER BY id LIMIT 1", (login,))
                    row = cr.fetchone()
                    if not row:
                        raise AccessDenied()
                    uid = row[0]
                    check_credentials(cr, uid, password, reg, interactive)
                    # _update_last_login
                    cr.execute("INSERT INTO res_users_log (create_uid, create_date, write_uid, write_date)"
                               " VALUES (%s, now() AT TIME ZONE 'UTC', %s, now() AT TIME ZONE 'UTC')", (uid, uid))
                    return uid
                except AccessDenied:
                    # exp_authenticate turns AccessDenied into False.
                    return False
    finally:
        conn.close()


# --- db -------------------------------------------------------------------------------------

def check_super(passwd):
    with open(ARGS.master_password_file, encoding="utf-8") as f:
        master = f.read().rstrip("\r\n")
    # config.verify_admin_password: admin_passwd may be stored plain or hashed.
    if passwd and CRYPT.verify_and_update(passwd, master)[0]:
        return True
    raise AccessDenied()


def db_list(*_):
    # odoo/service/db.py list_dbs (db_template defaults to template0).
    templates_list = tuple({"postgres", "template0"})
    conn = connect("postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("select datname from pg_database where datdba=(select usesysid from pg_user where usename=current_user)"
                       " and not datistemplate and datallowconn and datname not in %s order by datname", (templates_list,))
            return [name for (name,) in cr.fetchall()]
    finally:
        conn.close()


def list_dbs_owned():
    return db_list()


def drop_conn(cr, db_name):
    # odoo/service/db.py _drop_conn
    cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
               " WHERE datname = %s AND pid != pg_backend_pid()", (db_name,))


def alter_from_postgres(db_name, sql, failure):
    """What exp_rename and exp_drop share: from the postgres database, autocommit (database-altering
    statements cannot run in a transaction), _drop_conn first."""
    conn = connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            drop_conn(cr, db_name)
            try:
                cr.execute(sql)
            except Exception as e:
                raise Exception("%s: %s" % (failure, e))
    finally:
        conn.close()


def quote_ident(name):
    return '"%s"' % name.replace('"', '""')


def db_rename(old_name, new_name):
    # odoo/service/db.py exp_rename
    registry_delete(old_name)
    alter_from_postgres(old_name, "ALTER DATABASE %s RENAME TO %s" % (quote_ident(old_name), quote_ident(new_name)),
                        "Couldn't rename database %s to %s" % (old_name, new_name))
    old_fs, new_fs = filestore(old_name), filestore(new_name)
    if old_fs and os.path.exists(old_fs) and not os.path.exists(new_fs):
        shutil.move(old_fs, new_fs)
    return True


def db_drop(db_name):
    # odoo/service/db.py exp_drop
    if db_name not in list_dbs_owned():
        return False
    registry_delete(db_name)
    alter_from_postgres(db_name, "DROP DATABASE %s" % quote_ident(db_name), "Couldn't drop database %s" % db_name)
    fs = filestore(db_name)
    if fs and os.path.exists(fs):
        shutil.rmtree(fs)
    return True


def db_exist(name):
    try:
        connect(name).close()
        return True
    except psycopg2.Error:
        return False


def db_create_database(db_name, demo, lang, user_password="admin", login="admin", country_code=None, phone=None):
    conn = connect("postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db_name,))
            if cr.fetchone():
                raise DatabaseExists("database %r already exists!" % (db_name,))
            # The ERP fixture (the apps installed: what a build's install makes of it).
            fixture = os.path.join(ARGS.fixtures_dir, "odoo17", "erp", "erp_%s.pgdump" % (country_code or "").lower())
            if not country_code or not os.path.isfile(fixture):
                raise UserError("the stand-in has no fixture for country %r" % (country_code,))
            cr.execute('CREATE DATABASE "%s" ENCODING \'unicode\' LC_COLLATE \'C\' TEMPLATE template0'
                       % db_name.replace('"', '""'))
    finally:
        conn.close()

    pg_restore = shutil.which("pg_restore", path=os.environ.get("PG_BIN", "") + os.pathsep + os.environ.get("PATH", ""))
    p = subprocess.run([pg_restore, "--no-owner", "--no-acl", "--role", ARGS.db_user, "-U", ARGS.db_user,
                        "-d", db_name, fixture], capture_output=True, text=True)
    if p.returncode != 0:
        raise UserError("restoring %s failed: %s" % (fixture, p.stderr.strip()))

    # The files Odoo writes while it installs: the fixture's filestore, when it has one.
    tar = fixture[:-len(".pgdump")] + ".filestore.tar"
    if filestore(db_name) and os.path.isfile(tar):
        os.makedirs(filestore(db_name))
        with tarfile.open(tar) as t:
            # Debian 12's Python has no extraction filters: only plain members inside the tree.
            members = [m for m in t.getmembers() if (m.isfile() or m.isdir()) and not os.path.isabs(m.name)
                       and ".." not in m.name.split("/")]
            t.extractall(filestore(db_name), members=members)
    conn = connect(db_name)
    try:
        with conn, conn.cursor() as cr:
            # _initialize_db: the admin's login and password, the company's country and phone.
            cr.execute("UPDATE res_users SET login = %s, password = %s WHERE id = 2",
                       (login, CRYPT.hash(user_password)))
            cr.execute("UPDATE res_partner p SET country_id = c.id, phone = coalesce(%s, p.phone)"
                       "  FROM res_company co, res_country c"
                       " WHERE co.id = 1 AND p.id = co.partner_id AND c.code = %s",
                       (phone or None, country_code.upper()))
            if country_code.upper() == "GH":
                # What Odoo 17 gives a Ghanaian company (no localization: the generic chart), which
                # the erp_gh fixture had fixed afterwards (its README): USD, and the United States
                # as the fiscal country of the company, its taxes and its tax group.
                cr.execute("UPDATE res_company SET currency_id = (SELECT id FROM res_currency WHERE name = 'USD'),"
                           " account_fiscal_country_id = (SELECT id FROM res_country WHERE code = 'US') WHERE id = 1")
                for table in ("account_tax", "account_tax_group"):
                    cr.execute("UPDATE %s SET country_id = (SELECT id FROM res_country WHERE code = 'US')"
                               " WHERE company_id = 1 AND country_id = (SELECT id FROM res_country WHERE code = 'GH')" % table)
    finally:
        conn.close()
    return True


# --- object ---------------------------------------------------------------------------------

MODULE_FIELDS = {"id", "name", "state", "latest_version", "shortdesc", "author", "application"}


def domain_sql(domain):
    where, params = [], []
    for leaf in domain or []:
        if leaf in ("&",):
            continue
        field, op, value = leaf
        if field not in MODULE_FIELDS:
            raise ValueError("Invalid field %r on model 'ir.module.module'" % (field,))
        if op == "=":
            where.append('"%s" = %%s' % field)
            params.append(value)
        elif op == "!=":
            where.append('"%s" IS DISTINCT FROM %%s' % field)
            params.append(value)
        elif op == "in":
            where.append('"%s" = ANY(%%s)' % field)
            params.append(list(value))
        else:
            raise ValueError("Invalid leaf %r" % (leaf,))
    return (" AND ".join(where) or "TRUE"), params


class AccessError(Exception):
    pass


AccessError.__module__ = "odoo.exceptions"


def user_groups(cr, uid):
    cr.execute("SELECT gid FROM res_groups_users_rel WHERE uid = %s ORDER BY gid", (uid,))
    return frozenset(r[0] for r in cr.fetchall())


def require_group(cr, uid, xmlid, what):
    """ir.model.access.check: the model's write access is base.group_system's alone (base's
    ir.model.access.csv for ir.module.module and ir.ui.menu); the superuser passes."""
    if uid == 1:
        return
    module, name = xmlid.split(".")
    cr.execute("SELECT 1 FROM res_groups_users_rel r JOIN ir_model_data d ON d.res_id = r.gid"
               " WHERE r.uid = %s AND d.module = %s AND d.name = %s AND d.model = 'res.groups'", (uid, module, name))
    if not cr.fetchone():
        raise AccessError("You are not allowed to modify '%s' records." % what)


def call_log(db, uid, passwd, what):
    """What the tests read back: each write call, its user and how it signed in (password or API key)."""
    by = "password"
    conn = connect(db)
    try:
        with conn, conn.cursor() as cr:
            try:
                check_password(cr, uid, passwd)
            except AccessDenied:
                by = "apikey"
    finally:
        conn.close()
    sys.stderr.write("CALL %s uid=%s by=%s %s\n" % (db, uid, by, what))
    sys.stderr.flush()


def module_call(cr, method, args, kwargs, uid=1):
    if method == "search":
        where, params = domain_sql(args[0] if args else kwargs.get("domain"))
        cr.execute("SELECT id FROM ir_module_module WHERE %s ORDER BY name, id" % where, params)
        return [r[0] for r in cr.fetchall()]
    if method in ("search_read", "read"):
        if method == "read":
            ids = args[0]
            where, params = "id = ANY(%s)", [list(ids)]
            fields = (args[1] if len(args) > 1 else kwargs.get("fields")) or ["name", "state", "latest_version"]
        else:
            where, params = domain_sql(args[0] if args else kwargs.get("domain"))
            fields = (args[1] if len(args) > 1 else kwargs.get("fields")) or ["name", "state", "latest_version"]
        fields = [f for f in fields if f in MODULE_FIELDS and f != "id"]
        cols = ", ".join(['"%s"' % f for f in ["id"] + fields])
        cr.execute("SELECT %s FROM ir_module_module WHERE %s ORDER BY name, id" % (cols, where), params)
        out = []
        for row in cr.fetchall():
            rec = {"id": row[0]}
            for f, v in zip(fields, row[1:]):
                rec[f] = v if v is not None else False
            out.append(rec)
        return out
    if method == "button_immediate_install":
        require_group(cr, uid, "base.group_system", "Module")
        ids = list(args[0])
        cr.execute("SELECT count(*) FROM ir_module_module WHERE id = ANY(%s)", (ids,))
        if cr.fetchone()[0] != len(set(ids)):
            raise UserError("Record does not exist or has been deleted.")
        cr.execute("UPDATE ir_module_module m SET state = 'installed',"
                   "       latest_version = coalesce(m.latest_version, b.latest_version)"
                   "  FROM ir_module_module b WHERE b.name = 'base' AND m.id = ANY(%s)", (ids,))
        return {"type": "ir.actions.client", "tag": "reload", "params": {}}
    raise AttributeError("The method '%s' does not exist on the model 'ir.module.module'" % (method,))


def model_search_read(cr, reg, model):
    """search_read([], []) on a model: every stored field the REGISTRY knows is selected, as
    Odoo's _read does; a registry loaded from another database of the name selects columns this
    one lacks and fails as Odoo did (psycopg2 UndefinedColumn)."""
    cols = reg.columns[model]
    cr.execute('SELECT %s FROM "%s" ORDER BY id LIMIT 80' % (", ".join('"%s"' % c for c in cols), MODEL_TABLES[model]))
    out = []
    for row in cr.fetchall():
        rec = dict(zip(cols, row))
        name = rec.get("name")
        out.append({"id": rec["id"], "name": name if isinstance(name, (str, type(None))) else json.dumps(name)})
    return out


# --- sessions (odoo/http.py) ------------------------------------------------------------------

SESSIONS = {}   # sid -> {"db", "uid", "session_token"}
SESSIONS_LOCK = threading.Lock()


class SessionExpiredException(Exception):
    pass


SessionExpiredException.__module__ = "odoo.http"


def compute_session_token(cr, reg, uid, sid):
    """res.users._compute_session_token, an ormcache('sid') in the 'default' cache: HMAC-SHA256
    keyed with the session token fields (_get_session_token_fields: id, login, password, active)
    and database.secret, over the sid. Cached: a password change is seen only once the cache is
    invalidated."""
    key = ("_compute_session_token", uid, sid)
    if key in reg.cache:
        return reg.cache[key]
    cr.execute("SELECT %s, (SELECT value FROM ir_config_parameter"
               " WHERE key = 'database.secret') FROM res_users WHERE id = %%s" % ", ".join(reg.session_token_fields()), (uid,))
    row = cr.fetchone()
    if not row:
        return False
    token = hmac.new(("%s" % (tuple(row),)).encode(), sid.encode(), hashlib.sha256).hexdigest()
    reg.cache[key] = token
    return token


def session_authenticate(db, login, password):
    """/web/session/authenticate: Session.authenticate, then the session token stored."""
    uid = authenticate(db, login, password, True)
    if not uid:
        raise AccessDenied()
    sid = secrets.token_urlsafe(30)
    conn = connect(db)
    try:
        with conn, conn.cursor() as cr:
            token = compute_session_token(cr, registry(db, cr), uid, sid)
    finally:
        conn.close()
    with SESSIONS_LOCK:
        SESSIONS[sid] = {"db": db, "uid": uid, "session_token": token}
    return sid, {"uid": uid, "db": db}


def session_info(sid):
    """/web/session/get_session_info (auth='user'): check_session first, as Application.__call__
    does: the token computed now (through the cache) must equal the session's."""
    with SESSIONS_LOCK:
        session = SESSIONS.get(sid or "")
    if not session:
        raise SessionExpiredException("Session expired")
    conn = connect(session["db"])
    try:
        with conn, conn.cursor() as cr:
            expected = compute_session_token(cr, registry(session["db"], cr), session["uid"], sid)
    finally:
        conn.close()
    if not expected or not hmac.compare_digest(expected, session["session_token"]):
        with SESSIONS_LOCK:
            SESSIONS.pop(sid, None)
        raise SessionExpiredException("Session expired")
    return {"uid": session["uid"], "db": session["db"]}


def web_content(db, attachment_id):
    """/web/content/<id>: ir.binary._record_to_stream → Stream.from_attachment, which for a stored
    file os.stat()s <filestore>/<store_fname> (as ir.attachment._full_path names it) before
    sending it: a missing file raises FileNotFoundError, which Odoo answers with HTTP 500."""
    conn = connect(db)
    try:
        with conn, conn.cursor() as cr:
            registry(db, cr)
            cr.execute("SELECT store_fname, db_datas FROM ir_attachment WHERE id = %s", (attachment_id,))
            row = cr.fetchone()
    finally:
        conn.close()
    if not row:
        return 404, b"Not Found\n"
    if not row[0]:
        return 200, bytes(row[1] or b"")
    path = os.path.join(filestore(db), re.sub("[.]", "", row[0]).strip("/\\"))
    os.stat(path)
    with open(path, "rb") as f:
        return 200, f.read()


# --- the web client's database choice (odoo/http.py, addons/web/controllers) -------------

def db_filter(dbs, host):
    """odoo.http.db_filter: with --dbfilter, %h is the host (port and a leading "www." dropped)
    and %d its first label, each re.escape()d into the pattern, which must match the name."""
    if not ARGS.dbfilter:
        return list(dbs)
    host = host.partition(":")[0]
    if host.startswith("www."):
        host = host[4:]
    domain = host.partition(".")[0]
    dbfilter_re = re.compile(ARGS.dbfilter.replace("%h", re.escape(host)).replace("%d", re.escape(domain)))
    return [db for db in dbs if dbfilter_re.match(db)]


def request_host(headers):
    """Application.__call__: with proxy_mode and an X-Forwarded-Host header, werkzeug's ProxyFix
    (x_host=1: the last value) replaces HTTP_HOST; without proxy_mode the header is ignored."""
    forwarded = headers.get("X-Forwarded-Host")
    if ARGS.proxy_mode and forwarded:
        return forwarded.split(",")[-1].strip()
    return headers.get("Host") or ""


def request_db(session, host):
    """Request._get_session_and_dbname, then _serve_db's Registry(db): the session's database if
    the filter lets the host have it, else the only database db_list(force=True) leaves; a
    database whose registry cannot load (gone, refusing connections) is dropped from the session
    and the request is served without one."""
    dbname = None
    if session.get("db") and db_filter([session["db"]], host):
        dbname = session["db"]
    else:
        all_dbs = db_filter(db_list(), host)
        if len(all_dbs) == 1:
            dbname = all_dbs[0]
    if session.get("db") != dbname:
        session.clear()     # session.logout(keep_db=False)
        session["db"] = dbname
    if not dbname:
        return None
    try:
        conn = connect(dbname)
        try:
            with conn, conn.cursor() as cr:
                registry(dbname, cr)
        finally:
            conn.close()
    except psycopg2.Error:
        session.clear()
        return None
    return dbname


def html_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def web_page(path, session, host):
    """GET /, /web, /web/login, /web/database/selector as Odoo 17 answers them: (status, headers,
    body). Redirects are relative, as request.redirect makes them (local=True)."""
    db = request_db(session, host)
    if path == "/":
        return 303, {"Location": "/web"}, b""           # Home.index: redirect_query('/web')
    if path in ("/web", "/web/login"):
        if not db:                                       # ensure_db()
            return 303, {"Location": "/web/database/selector"}, b""
        if path == "/web" and not session.get("uid"):     # Home.web_client
            return 303, {"Location": "/web/login"}, b""
        if path == "/web":
            return 200, {}, b"<html><body>web client</body></html>"
        # web.login_layout: the company logo is fetched for the request's database.
        body = ('<!DOCTYPE html><html><head><title>Odoo</title></head><body>'
                '<img src="/web/binary/company_logo?dbname=%s" alt="Logo"/>'
                '<form class="oe_login_form" method="post" action="/web/login">'
                '<input type="text" name="login"/><input type="password" name="password"/>'
                '<button type="submit">Log in</button></form></body></html>') % html_escape(db)
        return 200, {}, body.encode()
    if path == "/web/database/selector":
        # Database._render_template: http.db_list() (AccessDenied without list_db: only the
        # request's own database) — the databases the filter leaves for this host.
        names = db_filter(db_list(), host) if ARGS.list_db else ([db] if db else [])
        items = "".join('<a href="/web?db=%s">%s</a>' % (html_escape(n), html_escape(n)) for n in names)
        return 200, {}, ("<!DOCTYPE html><html><head><title>Odoo</title></head><body>"
                         "<div class=\"list-group\">%s</div></body></html>" % items).encode()
    return 404, {}, b"Not Found\n"


# --- addons/auth_oauth (17.0) ------------------------------------------------------------------

def auth_oauth_rpc(cr, endpoint, access_token):
    """res.users._auth_oauth_rpc: GET the endpoint with the token as the access_token parameter,
    or, when the auth_oauth.authorization_header parameter is set, as "Authorization: Bearer";
    a 2xx answer's JSON is the validation; otherwise a WWW-Authenticate Bearer challenge with an
    error is, and else {'error': 'invalid_request'}."""
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'auth_oauth.authorization_header'")
    row = cr.fetchone()
    if row and row[0]:
        req = urllib.request.Request(endpoint, headers={"Authorization": "Bearer %s" % access_token})
    else:
        # requests.get(endpoint, params=…) appends to a query the endpoint already has.
        sep = "&" if urllib.parse.urlsplit(endpoint).query else "?"
        req = urllib.request.Request(endpoint + sep + urllib.parse.urlencode({"access_token": access_token}))
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        challenge = exc.headers.get("WWW-Authenticate") or ""
        scheme, _, rest = challenge.partition(" ")
        if scheme.lower() == "bearer":
            params = dict(m.groups() for m in re.finditer(r'(\w+)="([^"]*)"', rest))
            if "error" in params:
                return params
        return {"error": "invalid_request"}


def auth_oauth_validate(cr, provider, access_token):
    """res.users._auth_oauth_validate: the provider by id (browse: whether it is enabled does not
    matter; list_providers alone filters on enabled), its validation_endpoint (and data_endpoint)
    called, an "error" raised, the subject unified: sub, id or user_id becomes user_id."""
    cr.execute("SELECT validation_endpoint, data_endpoint FROM auth_oauth_provider WHERE id = %s", (provider,))
    row = cr.fetchone()
    if not row:
        # browse() of a missing id: validation_endpoint is False, requests.get(False) raises.
        raise Exception("Invalid URL 'False': No scheme supplied.")
    validation = auth_oauth_rpc(cr, row[0], access_token)
    if validation.get("error"):
        raise Exception(validation["error"])
    if row[1]:
        validation.update(auth_oauth_rpc(cr, row[1], access_token))
    subject = next(filter(None, [validation.pop(key, None) for key in ("sub", "id", "user_id")]), None)
    if not subject:
        raise AccessDenied("Missing subject identity")
    validation["user_id"] = subject
    return validation


def auth_oauth_signin(cr, reg, provider, validation, params):
    """res.users._auth_oauth_signin: the user whose oauth_uid and oauth_provider_id match (active
    ones: search's active_test) gets oauth_access_token = the access token (a write of a
    USER_PRIVATE_FIELDS field: registry.clear_cache()); none: sign up, which auth_signup refuses
    to an uninvited user (invitation_scope b2b, the default), so AccessDenied."""
    cr.execute("SELECT id, login FROM res_users WHERE oauth_uid = %s AND oauth_provider_id = %s AND active",
               (str(validation["user_id"]), provider))
    rows = cr.fetchall()
    if not rows:
        raise AccessDenied()
    assert len(rows) == 1
    cr.execute("UPDATE res_users SET oauth_access_token = %s, write_date = now() AT TIME ZONE 'UTC' WHERE id = %s",
               (params["access_token"], rows[0][0]))
    reg.cache.clear()
    return rows[0][1]


def oauth_signin(query, session, host):
    """GET /auth_oauth/signin (OAuthController.signin, type='http', auth='none'): a module's route,
    so it exists only on a request bound to a database that has auth_oauth (404 otherwise);
    state's d must pass db_filter (400) and be the session's database (ensure_db(db=d): else a
    302 to the same URL under a new session); auth_oauth() then commit; session.authenticate(d,
    login, access_token), which _check_credentials passes by the stored token; 303 to state's r.
    AccessDenied: 303 /web/login?oauth_error=3; any other exception: oauth_error=2."""
    db = request_db(session, host)
    if not db:
        return 404, {}, b"Not Found\n"
    conn = connect(db)
    try:
        with conn, conn.cursor() as cr:
            reg = registry(db, cr)
    finally:
        conn.close()
    if not reg.auth_oauth:
        return 404, {}, b"Not Found\n"
    kw = {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
    kw.pop("debug", None)
    if not kw:   # fragment_to_query_string: a page that moves the fragment into the query
        return 200, {}, b"<html><head><script>window.location = '/';</script></head><body></body></html>"
    try:
        state = json.loads(kw["state"])
        dbname = state["d"]
    except Exception:
        return 500, {}, b"Internal Server Error\n"
    if not db_filter([dbname], host):
        return 400, {}, b"Bad Request\n"
    if dbname != session.get("db"):
        session.clear()
        session["db"] = dbname
        return 302, {"Location": "/auth_oauth/signin?" + query}, b""
    provider = state["p"]
    try:
        conn = connect(dbname)
        try:
            with conn, conn.cursor() as cr:
                reg = registry(dbname, cr)
                validation = auth_oauth_validate(cr, provider, kw.get("access_token"))
                login = auth_oauth_signin(cr, reg, provider, validation, kw)
        finally:
            conn.close()
        url = urllib.parse.unquote_plus(state["r"]) if state.get("r") else "/web"
        sid, _ = session_authenticate(dbname, login, kw.get("access_token"))
        return 303, {"Location": url, "X-Standin-Session": sid}, b""
    except AccessDenied:
        url = "/web/login?oauth_error=3"
    except Exception as exc:
        sys.stderr.write("ERROR %s odoo.addons.auth_oauth.controllers.main: OAuth2: %s\n" % (db, type(exc).__name__))
        url = "/web/login?oauth_error=2"
    return 303, {"Location": url}, b""


def object_execute_kw(db, uid, passwd, model, method, args, kw=None):
    conn = connect(db)
    try:
        with conn, conn.cursor() as cr:
            reg = registry(db, cr)
            # odoo.service.security.check → res.users.check → _check_credentials
            cr.execute("SELECT 1 FROM res_users WHERE id = %s AND active", (uid,))
            if not cr.fetchone():
                raise AccessDenied()
            check_credentials(cr, uid, passwd, reg)
            if model in MODEL_TABLES and method == "search_read":
                return model_search_read(cr, reg, model)
            if model == "ir.ui.menu":
                result = menu_call(cr, reg, uid, method, args or [], kw or {})
            elif model != "ir.module.module":
                raise UserError("Object %s doesn't exist" % (model,))
            else:
                result = module_call(cr, method, args or [], kw or {}, uid)
                if method == "button_immediate_install":
                    cr.execute("SELECT name FROM ir_module_module WHERE id = ANY(%s) ORDER BY name", (list(args[0]),))
                    installed = [r[0] for r in cr.fetchall()]
    finally:
        conn.close()
    if model == "ir.module.module" and method == "button_immediate_install":
        call_log(db, uid, passwd, "button_immediate_install %s" % ",".join(installed))
    elif model == "ir.ui.menu" and method == "write":
        call_log(db, uid, passwd, "ir.ui.menu write %s %s" % (",".join(str(i) for i in args[0]), json.dumps(args[1])))
    return result


def visible_menu_ids(cr, reg, uid):
    """ir.ui.menu._visible_menu_ids (17.0), an ormcache in the 'default' cache keyed by the user's
    groups: the active menus whose groups the user has (or that have none). Cached: a menu
    archived by SQL stays shown until the cache is cleared (ir.ui.menu.write, or a cache signal)."""
    groups = user_groups(cr, uid)
    key = ("_visible_menu_ids", groups)
    if key in reg.cache:
        return reg.cache[key]
    cr.execute("SELECT m.id, array_remove(array_agg(g.gid), NULL) FROM ir_ui_menu m"
               "  LEFT JOIN ir_ui_menu_group_rel g ON g.menu_id = m.id"
               " WHERE m.active IS NOT FALSE GROUP BY m.id")
    visible = frozenset(mid for mid, gids in cr.fetchall() if uid == 1 or not gids or groups & set(gids))
    reg.cache[key] = visible
    return visible


def menu_call(cr, reg, uid, method, args, kwargs):
    """ir.ui.menu: load_menus(debug) (what the web client shows: the root menus, the apps of the
    home screen) and write(ids, {'active': bool}), which clears the registry's caches and signals
    it (Registry.clear_cache then signal_changes: the 'default' cache sequence moves)."""
    if method == "load_menus":
        visible = visible_menu_ids(cr, reg, uid)
        cr.execute("SELECT m.id, m.name->>'en_US', coalesce(d.module || '.' || d.name, '') FROM ir_ui_menu m"
                   "  LEFT JOIN ir_model_data d ON d.model = 'ir.ui.menu' AND d.res_id = m.id"
                   " WHERE m.parent_id IS NULL ORDER BY m.sequence, m.id")
        roots = [(i, n, x) for i, n, x in cr.fetchall() if i in visible]
        out = {"root": {"id": "root", "name": "root", "children": [i for i, _, _ in roots]}}
        for i, n, x in roots:
            out[str(i)] = {"id": i, "name": n, "xmlid": x, "children": []}
        return out
    if method == "write":
        require_group(cr, uid, "base.group_system", "Menu")
        ids, vals = list(args[0]), args[1]
        if set(vals) != {"active"}:
            raise UserError("the stand-in writes only active on ir.ui.menu")
        cr.execute("UPDATE ir_ui_menu SET active = %s, write_uid = %s, write_date = now() AT TIME ZONE 'UTC'"
                   " WHERE id = ANY(%s)", (bool(vals["active"]), uid, ids))
        reg.cache.clear()
        cr.execute("SELECT nextval('base_cache_signaling_default')")
        reg.cache_sequences = dict(reg.cache_sequences, default=cr.fetchone()[0])
        return True
    raise AttributeError("The method '%s' does not exist on the model 'ir.ui.menu'" % (method,))


SERVICES = {
    "common": {"version": lambda *a: common_version(), "authenticate": common_authenticate},
    "db": {"server_version": lambda *a: VERSION, "list": db_list, "db_exist": db_exist,
           "create_database": db_create_database, "rename": db_rename, "drop": db_drop},
    "object": {"execute_kw": object_execute_kw},
}
# odoo/service/db.py dispatch: every method but these takes the master password first.
DB_UNPROTECTED = {"db_exist", "list", "list_lang", "server_version"}


def dispatch(service, method, args):
    try:
        fn = SERVICES[service][method]
    except KeyError:
        raise KeyError(method if service in SERVICES else service)
    if service == "db" and method not in DB_UNPROTECTED:
        if not args:
            raise AccessDenied()
        check_super(args[0])
        args = args[1:]
    return fn(*args)


def serialize_exception(exc):
    # odoo/http.py serialize_exception
    cls = type(exc)
    module = cls.__module__
    return {
        "name": "%s.%s" % (module, cls.__name__) if module and module != "builtins" else cls.__name__,
        "debug": "".join(traceback.format_exception(exc)),
        "message": str(exc),
        "arguments": [str(a) for a in exc.args],
        "context": {},
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "Werkzeug/2.0.2"
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        if ARGS.verbose:
            sys.stderr.write("odoo-standin: " + (fmt % args) + "\n")

    def answer(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        m = re.fullmatch(r"/web/content/(\d+)\?db=([a-z0-9_]+)", self.path)
        if not m:
            return self.web_get()
        try:
            status, body = web_content(m.group(2), int(m.group(1)))
        except Exception as exc:  # Odoo's 500: the exception's class and message
            status, body = 500, ("Internal Server Error\n%s: %s\n" % (type(exc).__name__, exc)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def web_get(self):
        cookie = http.cookies.SimpleCookie(self.headers.get("Cookie") or "")
        sid = cookie["session_id"].value if "session_id" in cookie else None
        with SESSIONS_LOCK:
            if not sid or sid not in SESSIONS:
                sid = secrets.token_urlsafe(30)
                SESSIONS[sid] = {}
            session = SESSIONS[sid]
        path, _, query = self.path.partition("?")
        try:
            if path == "/auth_oauth/signin":
                status, headers, body = oauth_signin(query, session, request_host(self.headers))
            else:
                status, headers, body = web_page(path, session, request_host(self.headers))
        except Exception as exc:
            status, headers, body = 500, {}, ("Internal Server Error\n%s\n" % type(exc).__name__).encode()
        # A login rotates the session (Session.should_rotate): the cookie names the new one.
        sid = headers.pop("X-Standin-Session", sid)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Set-Cookie", "session_id=%s; HttpOnly; Path=/" % sid)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def web_json(self):
        """The type='json' routes /web/session/authenticate and /web/session/get_session_info."""
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self.answer(413, {"error": "too large"})
        try:
            req = json.loads(self.rfile.read(n))
            params = req.get("params") or {}
            rid = req.get("id")
        except Exception:
            return self.answer(400, {"error": "bad request"})
        cookie = http.cookies.SimpleCookie(self.headers.get("Cookie") or "")
        sid = cookie["session_id"].value if "session_id" in cookie else None
        try:
            if self.path == "/web/session/authenticate":
                sid, result = session_authenticate(params.get("db"), params.get("login"), params.get("password"))
                return self.answer(200, {"jsonrpc": "2.0", "id": rid, "result": result},
                                   {"Set-Cookie": "session_id=%s; HttpOnly; Path=/" % sid})
            return self.answer(200, {"jsonrpc": "2.0", "id": rid, "result": session_info(sid)})
        except Exception as exc:
            error = {"code": 200, "message": "Odoo Server Error", "data": serialize_exception(exc)}
            if isinstance(exc, SessionExpiredException):   # JsonRPCDispatcher.handle_error
                error.update(code=100, message="Odoo Session Expired")
            self.answer(200, {"jsonrpc": "2.0", "id": rid, "error": error})

    def do_POST(self):
        if self.path in ("/web/session/authenticate", "/web/session/get_session_info"):
            return self.web_json()
        if self.path != "/jsonrpc":
            return self.answer(404, {"error": "not found"})
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            return self.answer(413, {"error": "too large"})
        try:
            req = json.loads(self.rfile.read(n))
            params = req["params"]
            rid = req.get("id")
        except Exception:
            return self.answer(400, {"error": "bad request"})
        if ARGS.verbose:
            # Never the arguments: they hold passwords.
            sys.stderr.write("odoo-standin: %s.%s\n" % (params.get("service"), params.get("method")))
        try:
            result = dispatch(params.get("service"), params.get("method"), list(params.get("args") or []))
            self.answer(200, {"jsonrpc": "2.0", "id": rid, "result": result})
        except Exception as exc:  # odoo/http.py JsonRPCDispatcher.handle_error
            self.answer(200, {"jsonrpc": "2.0", "id": rid,
                              "error": {"code": 200, "message": "Odoo Server Error",
                                        "data": serialize_exception(exc)}})


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--db-user", default="odoo")
    p.add_argument("--master-password-file", required=True)
    p.add_argument("--fixtures-dir", default=os.environ.get("FIXTURES_DIR", ""))
    p.add_argument("--data-dir", default="", help="Odoo's data_dir: filestores in <data_dir>/filestore/<db>")
    p.add_argument("--cron-interval", type=float, default=60.0)
    p.add_argument("--dbfilter", default="", help="Odoo's dbfilter (e.g. ^%%d$)")
    p.add_argument("--proxy-mode", action="store_true", help="Odoo's proxy_mode: X-Forwarded-Host is the host")
    p.add_argument("--no-list-db", dest="list_db", action="store_false", help="Odoo's list_db = False")
    p.add_argument("--verbose", action="store_true")
    ARGS = p.parse_args()
    threading.Thread(target=cron_thread, daemon=True).start()
    httpd = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    httpd.daemon_threads = True
    sys.stderr.write("odoo-standin: listening on 127.0.0.1:%d\n" % ARGS.port)
    sys.stderr.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
