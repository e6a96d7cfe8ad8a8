"""Talking to the server the way Meta does: signed POSTs on keep-alive connections."""

import contextlib
import http.client
import threading
import time

from .config import ACCOUNT, WEBHOOK_PATH


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
