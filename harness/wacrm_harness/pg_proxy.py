"""A TCP proxy in front of PostgreSQL: cut the database away, and see the SQL."""

import contextlib
import re
import socket
import struct
import threading

from .config import PG


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
