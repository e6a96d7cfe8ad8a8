"""A real Odoo server in a subprocess, for the end-to-end tests (tests/e2e) and the benchmarks (bench/).

Nothing here imports Odoo: the server is ``odoo-bin`` in its own process group, on a free 127.0.0.1
port, against a fresh database copied from a cached template (``-i whatsapp_crm,whatsapp_crm_lgpd``
runs once per version of the addons, ~20 s; a copy then takes ~1 s). The tests and the benchmarks
talk to it the way Meta does (signed HTTP POSTs) and look at the result the way an operator would
(SQL, through psycopg2, in autocommit).

    with Stack(mode="threaded", pg_proxy=True) as stack:
        delivery = stack.customer("5511987654321").text("Olá", send=False)
        assert stack.post(delivery.payload) == 200
        stack.probe.wait_processed([delivery.wamid])

Configuration comes from the same environment variables as scripts/common.sh (ODOO_SRC,
WHATSAPP_CRM_STATE, PGHOST, PGPORT, PGUSER, PGPASSWORD); the Python running this module must be the
project's venv (it is, under scripts/test.sh and scripts/bench.sh), or set WHATSAPP_CRM_PYTHON.

Every server started here is killed when the Stack exits, when the interpreter exits (atexit), and by
the kernel if this process dies first (PR_SET_PDEATHSIG); databases are dropped on exit, and those
left behind by a dead process are dropped the next time a template is used.
"""

import atexit
import contextlib
import ctypes
import fcntl
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import xmlrpc.client
from pathlib import Path

import psycopg2
import psycopg2.extensions

PROJECT_DIR = Path(__file__).resolve().parents[2]
ODOO_SRC = Path(os.environ.get("ODOO_SRC", "/opt/odoo"))
STATE_DIR = Path(os.environ.get("WHATSAPP_CRM_STATE", "/var/tmp/whatsapp_crm"))
HARNESS_DIR = STATE_DIR / "harness"
DATA_DIR = HARNESS_DIR / "data"
LOG_DIR = HARNESS_DIR / "logs"
PYTHON = os.environ.get("WHATSAPP_CRM_PYTHON") or sys.executable
MODULES = "whatsapp_crm,whatsapp_crm_lgpd"
ADDONS_PATH = f"{PROJECT_DIR / 'addons'},{ODOO_SRC / 'addons'},{ODOO_SRC / 'odoo' / 'addons'}"
PG = {
    "host": os.environ.get("PGHOST", "127.0.0.1"),
    "port": int(os.environ.get("PGPORT", "5432")),
    "user": os.environ.get("PGUSER", "odoo"),
    "password": os.environ.get("PGPASSWORD", "odoo"),
}
# Several checkouts may run the harness at once on one PostgreSQL: each keeps its own prefix.
DB_PREFIX = os.environ.get("WHATSAPP_CRM_DB_PREFIX", "wacrm_harness_")
TEMPLATE_PREFIX = DB_PREFIX + "tpl_"
# Bump when the template recipe below changes (not needed when the addons change: they are hashed).
TEMPLATE_RECIPE = "1"

INBOX_CRONS = ("whatsapp_crm.ir_cron_whatsapp_inbox_process", "whatsapp_crm.ir_cron_whatsapp_inbox_process_1")
WEBHOOK_PATH = "/whatsapp/webhook"

# The account every Stack creates; the Sandbox signs with the same secret.
ACCOUNT = {
    "name": "E2E (sandbox)",
    "phone_number_id": "109000000000077",
    "waba_id": "209000000000077",
    "display_phone_number": "551140000077",
    "access_token": "e2e-access-token",
    "app_secret": "e2e-app-secret",
    "verify_token": "e2e-verify-token",
}


class HarnessError(RuntimeError):
    pass


# ------------------------------------------------------------
# Waiting
# ------------------------------------------------------------

def wait_until(condition, timeout, *, interval=0.05, message="condition", on_timeout=None):
    """Poll ``condition()`` until it returns a truthy value (returned), or raise after ``timeout`` s.

    ``on_timeout()`` may return a string added to the error (e.g. the current counts).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = on_timeout() if on_timeout else ""
            raise TimeoutError(f"{message} not reached within {timeout:.1f} s {detail}".rstrip())
        time.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(fraction * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


# ------------------------------------------------------------
# PostgreSQL: admin connections, template and copies
# ------------------------------------------------------------

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


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _odoo_base_args(db, db_port=None, dbfilter=False):
    """``dbfilter=False`` is what scripts/common.sh writes (``db_name`` only; see why there)."""
    return [
        PYTHON, str(ODOO_SRC / "odoo-bin"),
        f"--addons-path={ADDONS_PATH}", f"--data-dir={DATA_DIR}",
        f"--db_host={PG['host']}", f"--db_port={db_port or PG['port']}",
        f"--db_user={PG['user']}", f"--db_password={PG['password']}", "--db_sslmode=disable",
        "-d", db, "--no-database-list",
    ] + ([f"--db-filter=^{re.escape(db)}$"] if dbfilter else [])


def _subprocess_env():
    env = {key: value for key, value in os.environ.items()
           if key not in ("ODOO_RC", "OPENERP_SERVER", "ODOO_DEV", "PYTEST_CURRENT_TEST")}
    env["PYTHONUNBUFFERED"] = "1"
    env["ODOO_NOTIFY_CRON_CHANGES"] = "1"  # as scripts/run.sh and docker-compose.yml set it
    return env


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


# ------------------------------------------------------------
# A TCP proxy in front of PostgreSQL: cut the database away, and see the SQL
# ------------------------------------------------------------

class PgProxy:
    """Forwards 127.0.0.1:<port> to PostgreSQL for one Odoo server.

    - ``cut()`` closes every connection and refuses new ones (what Odoo sees when PostgreSQL restarts or the
      network drops); ``restore()`` accepts again.
    - ``fail_at(at, after=None, forward=False)``: the next simple query matching ``at`` (on a connection that
      already sent one matching ``after``) triggers a ``cut()`` — before the query reaches PostgreSQL, or,
      with ``forward=True``, once PostgreSQL has executed it but before its answer reaches Odoo (a COMMIT
      that happened although the client saw the connection die).
    - ``recording()`` collects the SQL text of every simple-query message the server sends (psycopg2
      interpolates client-side, so that is all of Odoo's SQL).
    """

    _SSL_REQUEST, _GSS_REQUEST = 80877103, 80877104

    def __init__(self, upstream_host=PG["host"], upstream_port=PG["port"]):
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=256)
        self.port = self.listener.getsockname()[1]
        self.available = True
        self._closed = False
        self._lock = threading.Lock()
        self._pairs = {}            # (client, upstream) -> per-connection state
        self._recordings = []
        self._fault = None
        self.fault_fired = threading.Event()
        self.refused = 0
        self.accepted = 0   # new PostgreSQL connections opened by the server
        threading.Thread(target=self._accept_loop, name="pg-proxy-accept", daemon=True).start()

    # ---- plumbing ----

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.available:
                self.refused += 1
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.accepted += 1
            pair = (client, upstream)
            state = {"armed": False, "swallow": None}
            with self._lock:
                self._pairs[pair] = state
            threading.Thread(target=self._pump_frontend, args=(pair, state), daemon=True).start()
            threading.Thread(target=self._pump_backend, args=(pair, state), daemon=True).start()

    def _close_pair(self, pair):
        with self._lock:
            self._pairs.pop(pair, None)
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def _pump_backend(self, pair, state):
        client, upstream = pair
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                if state["swallow"] is not None:   # the answer to a forwarded fatal query never reaches Odoo
                    state["swallow"].set()
                    continue
                client.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair(pair)

    def _pump_frontend(self, pair, state):
        """Client -> server, message by message (to see the queries and to fail at one of them)."""
        client, upstream = pair
        buffer = bytearray()
        startup = True
        try:
            while True:
                data = client.recv(65536)
                if not data:
                    break
                buffer += data
                ready = 0   # bytes of complete messages that can be forwarded
                while True:
                    if startup:
                        if len(buffer) - ready < 8:
                            break
                        length, code = struct.unpack("!II", buffer[ready:ready + 8])
                        if len(buffer) - ready < length:
                            break
                        ready += length
                        startup = code in (self._SSL_REQUEST, self._GSS_REQUEST)
                        continue
                    if len(buffer) - ready < 5:
                        break
                    kind = buffer[ready]
                    (length,) = struct.unpack("!I", buffer[ready + 1:ready + 5])
                    if len(buffer) - ready < 1 + length:
                        break
                    end = ready + 1 + length
                    if kind == ord("Q"):
                        sql = bytes(buffer[ready + 5:end - 1]).decode("utf-8", "replace")
                        if self._recordings:
                            with self._lock:
                                for recording in self._recordings:
                                    recording.append(sql)
                        fault = self._fault
                        if fault and fault["after"] and fault["after"].search(sql):
                            state["armed"] = True
                        elif fault and (state["armed"] or not fault["after"]) and fault["at"].search(sql):
                            self._fire(fault, pair, state, bytes(buffer[:end] if fault["forward"] else buffer[:ready]))
                            return
                    ready = end
                if ready:
                    upstream.sendall(bytes(buffer[:ready]))
                    del buffer[:ready]
        except OSError:
            pass
        finally:
            self._close_pair(pair)

    def _fire(self, fault, pair, state, to_send):
        with self._lock:
            if self._fault is not fault:
                return
            self._fault = None
        self.available = False
        client, upstream = pair
        if fault["forward"]:
            state["swallow"] = threading.Event()
            upstream.sendall(to_send)
            state["swallow"].wait(10)   # PostgreSQL answered: the query took effect
        elif to_send:
            upstream.sendall(to_send)
        self.fault_fired.set()
        self.cut()

    # ---- API ----

    def fail_at(self, at, *, after=None, forward=False):
        self.fault_fired.clear()
        self._fault = {"at": re.compile(at, re.I), "after": after and re.compile(after, re.I), "forward": forward}

    @contextlib.contextmanager
    def recording(self):
        statements = []
        with self._lock:
            self._recordings.append(statements)
        try:
            yield statements
        finally:
            with self._lock:
                self._recordings.remove(statements)

    def cut(self):
        self.available = False
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._close_pair(pair)

    def restore(self):
        self._fault = None
        self.available = True

    def close(self):
        self._closed = True
        self.available = False
        with contextlib.suppress(OSError):
            self.listener.close()
        self.cut()


TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET|SHOW|LISTEN)\b", re.I)
WRITE_STATEMENT = re.compile(r"^\s*(WITH\b.*?\)\s*)?(INSERT|UPDATE|DELETE|MERGE|TRUNCATE|CREATE|ALTER|DROP)\b",
                             re.I | re.S)


def classify_sql(statements):
    """``(work, writes)``: statements that are not transaction control, and those that write."""
    work = [sql for sql in statements if not TRANSACTION_CONTROL.match(sql)]
    return work, [sql for sql in work if WRITE_STATEMENT.match(sql)]


# ------------------------------------------------------------
# The Odoo server process
# ------------------------------------------------------------

_LIVE_SERVERS = set()
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Runs in the child before exec: the kernel SIGKILLs the server if the harness dies without cleaning up."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


# Started next to each server, in its own session: blocks on a pipe from the harness and SIGKILLs the
# server's process group when that pipe closes without a word (the harness died: PDEATHSIG only covers
# the master, and prefork workers can outlive it by a minute).
_WATCHDOG = """
import os, signal, sys
if sys.stdin.buffer.read() != b"stop":
    try:
        os.killpg(int(sys.argv[1]), signal.SIGKILL)
    except OSError:
        pass
"""


@atexit.register
def _kill_live_servers():
    for server in list(_LIVE_SERVERS):
        server.kill()


def _tail(path, lines=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class OdooServer:
    """``odoo-bin`` serving one database on 127.0.0.1.

    mode "threaded": ``--workers=0 --max-cron-threads=3`` (what ``make run`` starts);
    mode "prefork":  ``--workers=4 --max-cron-threads=3`` (the deployment's shape, for throughput).
    The port is chosen once and kept across restarts.
    """

    MODES = {
        "threaded": ["--workers=0", "--max-cron-threads=3"],
        "prefork": ["--workers=4", "--max-cron-threads=3"],
    }

    def __init__(self, db, *, mode="threaded", db_port=None, log_name=None, extra_args=(), log_level="info",
                 dbfilter=False):
        if mode not in self.MODES:
            raise ValueError(f"mode must be one of {sorted(self.MODES)}")
        self.db = db
        self.mode = mode
        self.db_port = db_port
        self.port = free_port()
        self.gevent_port = free_port()
        self.extra_args = list(extra_args)
        self.log_level = log_level
        self.dbfilter = dbfilter
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        # One file per harness process and server (concurrent runs must not share or truncate a log).
        self.log_path = LOG_DIR / f"{log_name or mode}-{os.getpid()}.log"
        self.log_path.unlink(missing_ok=True)
        for old in LOG_DIR.glob(f"{log_name or mode}-*.log"):   # logs of dead runs
            match = re.search(r"-(\d+)\.log$", old.name)
            if match and not _pid_alive(int(match.group(1))):
                old.unlink(missing_ok=True)
        self.process = None
        self.watchdog = None
        self.starts = 0
        self._log_offset = 0

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base_url + path

    def command(self):
        return _odoo_base_args(self.db, self.db_port, self.dbfilter) + self.MODES[self.mode] + [
            "--http-interface=127.0.0.1", f"--http-port={self.port}", f"--gevent-port={self.gevent_port}",
            f"--log-level={self.log_level}", f"--logfile={self.log_path}",
        ] + self.extra_args

    def start(self, timeout=90):
        if self.running:
            raise HarnessError("server already running")
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== harness: start #{self.starts + 1} ({self.mode}) =====\n".encode())
            self._log_offset = log.tell()
        with open(self.log_path, "ab") as stderr:  # what happens before logging is set up, and crashes
            self.process = subprocess.Popen(  # noqa: S603 - our own odoo-bin with our own arguments
                self.command(), stdout=subprocess.DEVNULL, stderr=stderr,
                env=_subprocess_env(), start_new_session=True, preexec_fn=_die_with_parent)
        self.watchdog = subprocess.Popen(  # noqa: S603 - this interpreter, our own code
            [sys.executable, "-S", "-c", _WATCHDOG, str(self.process.pid)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        _LIVE_SERVERS.add(self)
        self.starts += 1
        try:
            self.wait_ready(timeout)
        except Exception:
            self.kill()
            raise
        return self

    def wait_ready(self, timeout=90):
        """/web/health answers, then a database route does (the registry is loaded)."""
        def ready():
            if self.process.poll() is not None:
                raise HarnessError(f"odoo-bin exited with {self.process.returncode}:\n{_tail(self.log_path)}")
            try:
                if http_get(self.url("/web/health"), timeout=2)[0] != 200:
                    return False
                # A db route: the verify handshake with a wrong token is refused once the registry is loaded.
                return http_get(self.url(WEBHOOK_PATH + "?hub.mode=subscribe&hub.verify_token=warmup"
                                         "&hub.challenge=1"), timeout=30)[0] == 403
            except OSError:
                return False
        wait_until(ready, timeout, interval=0.1, message=f"odoo ({self.mode}) ready on {self.base_url}",
                   on_timeout=lambda: "\n" + _tail(self.log_path))
        if self.mode == "prefork":
            # Each worker loads the registry on its first request: warm them all up.
            for _ in range(8):
                http_get(self.url(WEBHOOK_PATH + "?hub.mode=subscribe&hub.verify_token=w&hub.challenge=1"),
                         timeout=30)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def _signal_group(self, sig):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def kill(self):
        """SIGKILL the whole process group (the server and, in prefork, its workers)."""
        if self.process is None:
            return
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._dismiss_watchdog()
        _LIVE_SERVERS.discard(self)

    def _dismiss_watchdog(self):
        watchdog, self.watchdog = getattr(self, "watchdog", None), None
        if watchdog is None:
            return
        with contextlib.suppress(OSError, ValueError):
            watchdog.stdin.write(b"stop")
            watchdog.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            watchdog.wait(timeout=5)

    def stop(self, timeout=20):
        """Graceful stop (SIGTERM, as systemd/docker do), SIGKILL if it lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def restart(self, *, hard=False, timeout=90):
        self.kill() if hard else self.stop()
        return self.start(timeout)

    def cpu_seconds(self, by_nice=False):
        """CPU time (user + system) used so far by the server's process group, reaped workers included."""
        if not self.process:
            return {} if by_nice else 0.0
        return process_group_cpu(self.process.pid, by_nice)

    def log_text(self, since_start=False):
        """The server's log; only what this run of the process wrote with ``since_start``."""
        if not self.log_path.exists():
            return ""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset if since_start else 0)
            return log.read().decode(errors="replace")


def _process_stats():
    """``(command, fields after "pid (comm) ")`` of every live process, from /proc/<pid>/stat."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        yield stat[stat.index("(") + 1:stat.rindex(")")], stat[stat.rindex(")") + 2:].split()


def process_group_cpu(pgid, by_nice=False):
    """CPU seconds of a process group, reaped children included; ``by_nice``: a dict {nice: seconds} of the live
    processes (Odoo's prefork cron worker runs at nice 10, its HTTP workers at 0) plus "reaped": what the
    processes that exited used (in prefork: recycled workers, or a crash-looping gevent worker)."""
    ticks = {}
    for _command, fields in _process_stats():
        if int(fields[2]) == pgid:                      # pgrp
            nice = int(fields[16])
            ticks[nice] = ticks.get(nice, 0) + int(fields[11]) + int(fields[12])      # utime stime
            ticks["reaped"] = ticks.get("reaped", 0) + int(fields[13]) + int(fields[14])   # cutime cstime
    hertz = os.sysconf("SC_CLK_TCK")
    if by_nice:
        return {nice: value / hertz for nice, value in ticks.items()}
    return sum(ticks.values()) / hertz


def postgres_cpu():
    """CPU seconds of every ``postgres`` process on this machine, exited backends included (the postmaster
    reaps them). The cluster may serve other databases too: compare with "machine busy"."""
    ticks = sum(sum(int(value) for value in fields[11:15])
                for command, fields in _process_stats() if command == "postgres")
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """``(busy, total)`` jiffies of the whole machine since boot (/proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU used by a server and by the whole machine between ``start()`` and ``stop()``."""

    def __init__(self, server):
        self.server = server

    def start(self):
        self.wall = time.monotonic()
        self.server_cpu = self.server.cpu_seconds(by_nice=True)
        self.postgres = postgres_cpu()
        self.machine = machine_cpu()
        return self

    def stop(self):
        wall = time.monotonic() - self.wall
        busy, total = machine_cpu()
        busy, total = busy - self.machine[0], total - self.machine[1]
        now = self.server.cpu_seconds(by_nice=True)
        by_nice = {nice: now.get(nice, 0) - self.server_cpu.get(nice, 0) for nice in now}
        server = sum(by_nice.values())
        postgres = postgres_cpu() - self.postgres
        return {
            "postgres_cpu_seconds": round(postgres, 2),
            "wall_seconds": round(wall, 2),
            "server_cpu_seconds": round(server, 2),
            # prefork: the cron worker runs at nice 10, everything else at 0
            "server_cpu_seconds_by_nice": {str(nice): round(value, 2) for nice, value in by_nice.items()},
            "server_cpu_percent_of_one_core": round(server / wall * 100, 1) if wall else None,
            "machine_busy_percent": round(busy / total * 100, 1) if total else None,
        }


# ------------------------------------------------------------
# HTTP helpers (pure stdlib: no session state, no proxies)
# ------------------------------------------------------------

def http_get(url, timeout=10):
    from urllib.parse import urlsplit
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def encode_payload(payload):
    """The exact bytes Meta would send for a payload (compact, ASCII, escaped slashes)."""
    from meta_sandbox import encode
    return payload if isinstance(payload, bytes) else encode(payload)


def signature(body, app_secret=ACCOUNT["app_secret"]):
    from meta_sandbox import sign
    return sign(body, app_secret)


class WebhookClient:
    """One keep-alive HTTP/1.1 connection to the server (reopened when the server closes it, as prefork does)."""

    def __init__(self, server, timeout=30):
        self.host, self.port = "127.0.0.1", server.port
        self.timeout = timeout
        self.conn = None

    def connect(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.conn.connect()
        return self

    def _request(self, method, path, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed meanwhile: retry once on a new one. Safe here:
                # a request that never reached the server had no effect, and the webhook is idempotent.
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def post(self, body, *, sig=None, headers=None):
        """POST raw ``body`` (bytes or a payload dict) signed with the account's secret unless ``sig`` is given
        (``False``: no header). Returns ``(status, latency_seconds)``."""
        body = encode_payload(body)
        all_headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua"}
        if sig is None:
            all_headers["X-Hub-Signature-256"] = signature(body)
        elif sig is not False:
            all_headers["X-Hub-Signature-256"] = sig
        all_headers.update(headers or {})
        started = time.perf_counter()
        status, _data = self._request("POST", WEBHOOK_PATH, body, all_headers)
        return status, time.perf_counter() - started

    def get(self, path):
        started = time.perf_counter()
        status, _data = self._request("GET", path)
        return status, time.perf_counter() - started

    def close(self):
        if self.conn is not None:
            with contextlib.suppress(OSError):
                self.conn.close()
            self.conn = None


def run_clients(server, jobs, threads, *, barrier=False):
    """Run ``jobs`` (callables taking a WebhookClient and returning a result) on ``threads`` threads, each
    thread with its own keep-alive connection; results in job order. ``barrier=True`` lines the threads
    up so that their first job starts at the same instant."""
    results = [None] * len(jobs)
    errors = []
    index = iter(range(len(jobs)))
    index_lock = threading.Lock()
    gate = threading.Barrier(threads) if barrier else None

    def worker():
        client = WebhookClient(server)
        try:
            if gate:
                client.connect()   # connected beforehand: the first requests leave together
                gate.wait(timeout=30)
            while True:
                with index_lock:
                    position = next(index, None)
                if position is None:
                    return
                try:
                    results[position] = jobs[position](client)
                except Exception as error:  # noqa: BLE001 - reported to the caller below
                    errors.append(error)
                    results[position] = error
        finally:
            client.close()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return results, errors


# ------------------------------------------------------------
# Looking at the database
# ------------------------------------------------------------

class Probe:
    """Direct, autocommit SQL on the server's database (not through the proxy)."""

    def __init__(self, db):
        self.db = db
        self.conn = pg_connect(db)

    def rows(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall()

    def scalar(self, sql, params=None):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def execute(self, sql, params=None):
        with self.conn.cursor() as cr:
            cr.execute(sql, params)

    def inbox_states(self):
        return dict(self.rows("SELECT state, count(*) FROM whatsapp_inbox GROUP BY state"))

    def inbox_due(self):
        return self.scalar("SELECT count(*) FROM whatsapp_inbox WHERE state IN ('pending', 'retry')")

    def messages_for(self, wamids):
        """Number of whatsapp_message rows for these wamids."""
        return self.scalar("SELECT count(*) FROM whatsapp_message WHERE wamid = ANY(%s)", [list(wamids)])

    def posted_for(self, wamids):
        """Number of those whose Discuss message exists."""
        return self.scalar("""SELECT count(*) FROM whatsapp_message w JOIN mail_message m ON m.id = w.mail_message_id
                              WHERE w.wamid = ANY(%s)""", [list(wamids)])

    def mail_messages_containing(self, marker):
        return self.scalar("SELECT count(*) FROM mail_message WHERE model = 'discuss.channel' AND body LIKE %s",
                           [f"%{marker}%"])

    def inbox_rows_containing(self, marker):
        return self.rows("SELECT id, state FROM whatsapp_inbox WHERE raw_body LIKE %s ORDER BY id", [f"%{marker}%"])

    def partner_ids(self, wa_id):
        return [row[0] for row in self.rows("SELECT id FROM res_partner WHERE whatsapp_wa_id = %s", [wa_id])]

    def channels_of(self, partner_ids):
        return self.scalar("SELECT count(*) FROM discuss_channel WHERE channel_type = 'whatsapp' "
                           "AND whatsapp_partner_id = ANY(%s)", [list(partner_ids)])

    def wait_quiet(self, timeout=30):
        """Until no other session of this database is inside a transaction (a cron job's bookkeeping
        included)."""
        wait_until(lambda: self.scalar("""SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = current_database()
                                          AND pid <> pg_backend_pid() AND state <> 'idle'"""),
                   timeout, message="database quiet")

    def cron_id(self, xmlid):
        module, name = xmlid.split(".")
        return self.scalar("SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s AND model = 'ir.cron'",
                           [module, name])

    @contextlib.contextmanager
    def cron_held(self, xmlids=INBOX_CRONS):
        """Hold the crons' row locks, exactly as running jobs do: every cron worker skips the jobs
        (``FOR NO KEY UPDATE SKIP LOCKED``) while the webhook still stores events and creates triggers
        (a NO KEY UPDATE lock does not block their foreign-key checks). The work waits; nothing is changed."""
        conn = pg_connect(self.db)
        conn.autocommit = False
        try:
            with conn.cursor() as cr:
                cr.execute("SELECT id FROM ir_cron WHERE id IN %s FOR NO KEY UPDATE",
                           [tuple(self.cron_id(xmlid) for xmlid in xmlids)])
            yield
        finally:
            conn.rollback()
            conn.close()

    def wait_processed(self, wamids, timeout=60, *, posted=True):
        """Until every wamid has its whatsapp_message (and its Discuss message) and nothing is due."""
        wamids = list(wamids)

        def done():
            count = self.posted_for(wamids) if posted else self.messages_for(wamids)
            return count >= len(wamids) and self.inbox_due() == 0

        return wait_until(done, timeout, interval=0.05, message=f"{len(wamids)} messages processed",
                          on_timeout=lambda: f"(messages {self.messages_for(wamids)}, posted "
                                             f"{self.posted_for(wamids)}, inbox {self.inbox_states()})")

    def close(self):
        with contextlib.suppress(Exception):
            self.conn.close()


# ------------------------------------------------------------
# Everything together
# ------------------------------------------------------------

def rpc(server, model, method, *args, **kwargs):
    """XML-RPC as admin/admin (the fresh database's administrator)."""
    common = xmlrpc.client.ServerProxy(server.url("/xmlrpc/2/common"), allow_none=True)
    uid = common.authenticate(server.db, "admin", "admin", {})
    if not uid:
        raise HarnessError("admin/admin cannot log in")
    models = xmlrpc.client.ServerProxy(server.url("/xmlrpc/2/object"), allow_none=True)
    return models.execute_kw(server.db, uid, "admin", model, method, list(args), kwargs)


class Stack:
    """A fresh database, an Odoo server on it (optionally behind a PgProxy), an in-process Meta Sandbox
    signing with the account's secret, and the WhatsApp account pointing at that sandbox."""

    def __init__(self, mode="threaded", *, pg_proxy=False, label=None, extra_args=(), keep_db=False, dbfilter=False):
        self.mode = mode
        self.dbfilter = dbfilter
        self.label = label or mode
        self.use_proxy = pg_proxy
        self.extra_args = extra_args
        self.keep_db = keep_db
        self.db = self.server = self.proxy = self.sandbox = self.probe = None
        self.account_id = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc_info):
        self.close()

    def start(self):
        from meta_sandbox import Sandbox

        started = time.monotonic()
        self.db = create_database(self.label)
        self.probe = Probe(self.db)
        if self.use_proxy:
            self.proxy = PgProxy()
        self.server = OdooServer(self.db, mode=self.mode, db_port=self.proxy.port if self.proxy else None,
                                 log_name=self.label, extra_args=self.extra_args, dbfilter=self.dbfilter)
        self.server.start()
        self.sandbox = Sandbox(
            webhook_url=self.server.url(WEBHOOK_PATH), app_secret=ACCOUNT["app_secret"],
            verify_token=ACCOUNT["verify_token"], phone_number_id=ACCOUNT["phone_number_id"],
            waba_id=ACCOUNT["waba_id"], display_phone_number=ACCOUNT["display_phone_number"],
            token=ACCOUNT["access_token"]).start()
        self.account_id = rpc(self.server, "whatsapp.account", "create", {
            **ACCOUNT, "graph_base_url": self.sandbox.base_url})
        self.startup_seconds = time.monotonic() - started
        return self

    def customer(self, wa_id, name=None):
        return self.sandbox.customer(wa_id, name)

    def client(self):
        return WebhookClient(self.server)

    def post(self, payload, **options):
        """One signed POST on a new connection; returns the HTTP status."""
        client = self.client()
        try:
            return client.post(payload, **options)[0]
        finally:
            client.close()

    def close(self):
        for step in (
            lambda: self.server and self.server.kill(),
            lambda: self.sandbox and self.sandbox.stop(),
            lambda: self.proxy and self.proxy.close(),
            lambda: self.probe and self.probe.close(),
            lambda: self.db and not self.keep_db and drop_db(self.db),
        ):
            with contextlib.suppress(Exception):
                step()


def unique_wa_id(seed):
    """A Brazilian mobile number (13 digits, 9th digit included), unique per seed within a run."""
    number = int(hashlib.sha256(f"{os.getpid()}-{time.time_ns()}-{seed}".encode()).hexdigest(), 16) % 10**8
    return f"55119{number:08d}"


def dump_json(path, data):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True))
