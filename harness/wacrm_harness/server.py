"""``odoo-bin`` in a subprocess, and the CPU it (and PostgreSQL, and the machine) uses."""

import atexit
import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from .client import http_get
from .config import (
    ADDONS_PATH,
    DATA_DIR,
    LOG_DIR,
    ODOO_SRC,
    PG,
    PYTHON,
    QUEUE_JOB_CHANNELS,
    SERVER_WIDE_MODULES,
    WEBHOOK_PATH,
    HarnessError,
    free_port,
    wait_until,
)


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True



def _odoo_base_args(db, db_port=None, dbfilter=False):
    """``dbfilter=False`` is what scripts/common.sh writes (``db_name`` only; see why there)."""
    return [
        PYTHON, str(ODOO_SRC / "odoo-bin"),
        f"--addons-path={ADDONS_PATH}", f"--data-dir={DATA_DIR}",
        f"--db_host={PG['host']}", f"--db_port={db_port or PG['port']}",
        f"--db_user={PG['user']}", f"--db_password={PG['password']}", "--db_sslmode=disable",
        "-d", db, "--no-database-list",
    ] + ([f"--db-filter=^{re.escape(db)}$"] if dbfilter else [])


def _subprocess_env(queue_job_port=None, channels=None):
    env = {key: value for key, value in os.environ.items()
           if key not in ("ODOO_RC", "OPENERP_SERVER", "ODOO_DEV", "PYTEST_CURRENT_TEST")}
    env["PYTHONUNBUFFERED"] = "1"
    env["ODOO_QUEUE_JOB_CHANNELS"] = channels or QUEUE_JOB_CHANNELS
    if queue_job_port:
        # Where the job runner sends its "run this job" requests: the server itself, or the one address
        # in front of several servers (they then share the jobs).
        env["ODOO_QUEUE_JOB_HOST"] = "127.0.0.1"
        env["ODOO_QUEUE_JOB_PORT"] = str(queue_job_port)
    return env



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

    mode "threaded": ``--workers=0 --max-cron-threads=1`` (what ``make run`` starts);
    mode "prefork":  ``--workers=4 --max-cron-threads=1`` (the deployment's shape, for throughput).
    Both load queue_job server-wide: its job runner (a thread, or its own process in prefork) hands the
    jobs to ``queue_job_port`` (default: this server's own port).
    The port is chosen once and kept across restarts.
    """

    MODES = {
        "threaded": ["--workers=0", "--max-cron-threads=1"],
        "prefork": ["--workers=4", "--max-cron-threads=1"],
    }

    def __init__(self, db, *, mode="threaded", db_port=None, log_name=None, extra_args=(), log_level="info",
                 dbfilter=False, queue_job_port=None, channels=None):
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
        self.queue_job_port = queue_job_port
        self.channels = channels
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
            f"--load={SERVER_WIDE_MODULES}",
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
                env=_subprocess_env(self.queue_job_port or self.port, self.channels), start_new_session=True,
                preexec_fn=_die_with_parent)
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

