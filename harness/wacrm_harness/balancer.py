"""One address in front of several Odoo servers: a round-robin TCP proxy, as a deployment's load balancer.

Each new client connection goes to the next server in turn; a server that refuses the connection (killed,
restarting) is skipped, so its share goes to the others. Bytes are relayed untouched in both directions
(keep-alive connections stay on the server they started on, as with any layer-4 balancer).
"""

import contextlib
import itertools
import socket
import threading


class RoundRobinProxy:
    """``127.0.0.1:<port>`` → the servers' ports, in turn. ``servers``: objects with a ``port``."""

    def __init__(self, servers):
        self.servers = list(servers)
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=512)
        self.port = self.listener.getsockname()[1]
        self.connections = {}    # server port -> connections relayed to it
        self._turn = itertools.count()
        self._closed = False
        self._lock = threading.Lock()
        self._pairs = set()
        threading.Thread(target=self._accept_loop, name="round-robin-accept", daemon=True).start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base_url + path

    def _connect_upstream(self):
        for _attempt in range(len(self.servers)):
            server = self.servers[next(self._turn) % len(self.servers)]
            try:
                upstream = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            except OSError:
                continue   # down: the next one takes it
            upstream.settimeout(None)
            with self._lock:
                self.connections[server.port] = self.connections.get(server.port, 0) + 1
            return upstream
        return None

    def _accept_loop(self):
        while not self._closed:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            upstream = self._connect_upstream()
            if upstream is None:
                client.close()
                continue
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = (client, upstream)
            with self._lock:
                self._pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair, client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, upstream, client), daemon=True).start()

    def _pump(self, pair, source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close_pair(pair)

    def _close_pair(self, pair):
        with self._lock:
            self._pairs.discard(pair)
        for sock in pair:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self):
        self._closed = True
        with contextlib.suppress(OSError):
            self.listener.close()
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._close_pair(pair)
