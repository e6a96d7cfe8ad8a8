"""PostgreSQL: admin connections, the installed template database and its copies."""

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

import psycopg2
import psycopg2.extensions

from .config import (
    DATA_DIR,
    DB_PREFIX,
    HARNESS_DIR,
    LOG_DIR,
    MODULES,
    ODOO_SRC,
    PG,
    PROJECT_DIR,
    TEMPLATE_PREFIX,
    TEMPLATE_RECIPE,
    HarnessError,
)
from .server import _odoo_base_args, _pid_alive, _subprocess_env, _tail


def pg_connect(dbname="postgres", **overrides):
    conn = psycopg2.connect(dbname=dbname, connect_timeout=10, **{**PG, **overrides})
    conn.autocommit = True
    return conn


def _pg_admin(sql, params=None):
    with contextlib.closing(pg_connect()) as conn, conn.cursor() as cr:
        cr.execute(sql, params)
        return cr.fetchall() if cr.description else None


def _db_exists(name):
    return bool(_pg_admin("SELECT 1 FROM pg_database WHERE datname = %s", [name]))


def drop_db(name):
    _pg_admin(f'DROP DATABASE IF EXISTS "{name.replace(chr(34), "")}" WITH (FORCE)')
    shutil.rmtree(DATA_DIR / "filestore" / name, ignore_errors=True)


def _fingerprint():
    digest = hashlib.sha256(f"{TEMPLATE_RECIPE}|{MODULES}".encode())
    release = ODOO_SRC / "odoo" / "release.py"
    digest.update(release.read_bytes() if release.exists() else b"no-odoo")
    for path in sorted((PROJECT_DIR / "addons").rglob("*")):
        parts = set(path.relative_to(PROJECT_DIR).parts)
        # Tests and static files (assets are built at runtime) do not change what an install leaves in the DB.
        if not path.is_file() or parts & {"__pycache__", "tests", "static"} or path.suffix == ".pyc":
            continue
        digest.update(str(path.relative_to(PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _template_lock():
    """One process at a time builds or copies the template (CREATE DATABASE ... TEMPLATE needs it idle)."""
    HARNESS_DIR.mkdir(parents=True, exist_ok=True)
    with open(HARNESS_DIR / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)



def _drop_leftovers(keep_template):
    """Databases of dead harness processes, and templates of older versions of the addons."""
    for (name,) in _pg_admin("SELECT datname FROM pg_database WHERE datname LIKE %s", [DB_PREFIX + "%"]):
        if name.startswith(TEMPLATE_PREFIX):
            if name != keep_template:
                drop_db(name)
            continue
        match = re.match(re.escape(DB_PREFIX) + r"(\d+)_", name)
        if match and not _pid_alive(int(match.group(1))):
            drop_db(name)



def ensure_template():
    """The name of an installed, idle database to copy; built (once per addons version) if missing."""
    name = TEMPLATE_PREFIX + _fingerprint()
    with _template_lock():
        _drop_leftovers(keep_template=name)
        ready = _pg_admin("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                          [name])
        if ready and ready[0][0] == "ready":
            return name
        drop_db(name)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log_path = LOG_DIR / "template-install.log"
        started = time.monotonic()
        with open(log_path, "wb") as log:
            result = subprocess.run(  # noqa: S603 - our own odoo-bin with our own arguments
                _odoo_base_args(name) + ["-i", MODULES, "--stop-after-init", "--no-http", "--log-level=warn",
                                         "--max-cron-threads=0"],
                stdout=log, stderr=subprocess.STDOUT, env=_subprocess_env(), timeout=600, check=False)
        if result.returncode != 0:
            drop_db(name)
            raise HarnessError(f"installing {MODULES} failed (exit {result.returncode}); see {log_path}:\n"
                               + _tail(log_path))
        _pg_admin(f'COMMENT ON DATABASE "{name}" IS %s', ["ready"])
        print(f"[harness] template {name} built in {time.monotonic() - started:.1f} s", file=sys.stderr)
        return name


def create_database(label="db"):
    """A fresh copy of the template, named after this process (so leftovers of dead runs are found)."""
    template = ensure_template()
    name = f"{DB_PREFIX}{os.getpid()}_{re.sub('[^a-z0-9_]', '_', label.lower())}_{int(time.time() * 1000) % 10**8}"
    with _template_lock():
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        source = DATA_DIR / "filestore" / template
        if source.is_dir():
            shutil.copytree(source, DATA_DIR / "filestore" / name)
    with contextlib.closing(pg_connect(name)) as conn, conn.cursor() as cr:
        # The unrelated crons of a fresh install (mail queue, autovacuum...) are all due at once: push them a
        # day away so they do not fire during a measurement. The WhatsApp crons run on their triggers, as in
        # steady state.
        cr.execute("UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 day'")
    return name



def install_database(name, addons_dir):
    """A new database with the addons of another tree installed (e.g. an older version, for comparisons)."""
    drop_db(name)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"install-{name}.log"
    args = _odoo_base_args(name) + ["-i", MODULES, "--stop-after-init", "--no-http", "--log-level=warn",
                                    "--max-cron-threads=0"]
    args = [arg if not arg.startswith("--addons-path=") else
            f"--addons-path={addons_dir},{ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'}" for arg in args]
    with open(log_path, "wb") as log:
        result = subprocess.run(args, stdout=log, stderr=subprocess.STDOUT, env=_subprocess_env(),  # noqa: S603
                                timeout=900, check=False)
    if result.returncode != 0:
        drop_db(name)
        raise HarnessError(f"installing {MODULES} from {addons_dir} failed; see {log_path}:\n" + _tail(log_path))
    return name
