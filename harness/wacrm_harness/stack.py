"""Everything together: a fresh database, an Odoo server (or two behind one address), the Meta sandbox."""

import contextlib
import hashlib
import json
import os
import time
import xmlrpc.client
from pathlib import Path

from .balancer import RoundRobinProxy
from .client import WebhookClient
from .config import ACCOUNT, WEBHOOK_PATH, HarnessError
from .database import create_database, drop_db
from .pg_proxy import PgProxy
from .probe import Probe
from .server import OdooServer


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
    signing with the account's secret, and the WhatsApp account pointing at that sandbox.

    ``instances=2``: two servers on the one database, as a deployment scales out. ``stack.balancer`` is the one
    address in front of them (round robin); their job runners hand jobs to it, so jobs run on both and carry on
    on one when the other dies. ``stack.server`` is the first server, ``stack.servers`` all of them.
    """

    def __init__(self, mode="threaded", *, pg_proxy=False, label=None, extra_args=(), keep_db=False, dbfilter=False,
                 instances=1, channels=None):
        self.mode = mode
        self.dbfilter = dbfilter
        self.label = label or mode
        self.use_proxy = pg_proxy
        self.extra_args = extra_args
        self.keep_db = keep_db
        self.instances = instances
        self.channels = channels
        self.db = self.server = self.proxy = self.sandbox = self.probe = self.balancer = None
        self.servers = []
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
        self.servers = [
            OdooServer(self.db, mode=self.mode, db_port=self.proxy.port if self.proxy else None,
                       log_name=self.label if self.instances == 1 else f"{self.label}-{index}",
                       extra_args=self.extra_args, dbfilter=self.dbfilter, channels=self.channels)
            for index in range(self.instances)]
        self.server = self.servers[0]
        if self.instances > 1:
            self.balancer = RoundRobinProxy(self.servers)
            for server in self.servers:
                server.queue_job_port = self.balancer.port
        for server in self.servers:
            server.start()
        front = self.balancer or self.server
        self.sandbox = Sandbox(
            webhook_url=front.url(WEBHOOK_PATH), app_secret=ACCOUNT["app_secret"],
            verify_token=ACCOUNT["verify_token"], phone_number_id=ACCOUNT["phone_number_id"],
            waba_id=ACCOUNT["waba_id"], display_phone_number=ACCOUNT["display_phone_number"],
            token=ACCOUNT["access_token"]).start()
        self.account_id = rpc(self.server, "whatsapp.account", "create", {
            **ACCOUNT, "graph_base_url": self.sandbox.base_url})
        self.startup_seconds = time.monotonic() - started
        return self

    def customer(self, wa_id, name=None):
        return self.sandbox.customer(wa_id, name)

    def client(self, index=0):
        """A keep-alive client to one of the servers (``index`` round robin), as a load generator spreads its
        connections."""
        return WebhookClient(self.servers[index % len(self.servers)])

    def post(self, payload, **options):
        """One signed POST on a new connection; returns the HTTP status."""
        client = self.client()
        try:
            return client.post(payload, **options)[0]
        finally:
            client.close()

    def cpu_seconds(self, by_nice=False):
        """CPU of every server of the stack (see OdooServer.cpu_seconds)."""
        totals = [server.cpu_seconds(by_nice) for server in self.servers]
        if not by_nice:
            return sum(totals)
        merged = {}
        for total in totals:
            for nice, seconds in total.items():
                merged[nice] = merged.get(nice, 0) + seconds
        return merged

    def close(self):
        for step in (
            *(lambda server=server: server.kill() for server in self.servers),
            lambda: self.balancer and self.balancer.close(),
            lambda: self.sandbox and self.sandbox.stop(),
            lambda: self.proxy and self.proxy.close(),
            lambda: self.probe and self.probe.close(),
            lambda: self.db and not self.keep_db and drop_db(self.db),
        ):
            with contextlib.suppress(Exception):
                step()


def unique_wa_id(seed):
    """A Brazilian mobile number (13 digits, 9th digit included), unique per seed within a run.

    The eight digits after the 9 start with 6 to 9, as every mobile that existed before the 9th
    digit did: without its 9 such a number is still the same phone (``5511 2546-0831`` would be
    a landline, another person)."""
    number = int(hashlib.sha256(f"{os.getpid()}-{time.time_ns()}-{seed}".encode()).hexdigest(), 16) % (4 * 10**7)
    return f"55119{6 + number // 10**7}{number % 10**7:07d}"


def dump_json(path, data):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=2, sort_keys=True))
