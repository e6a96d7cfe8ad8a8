"""Test helpers: an account wired to a real Meta sandbox on 127.0.0.1, signed webhooks,
users of each role, and shortcuts to run the jobs' work inside the test transaction."""
import json
from urllib.parse import urlsplit

from odoo import fields
from odoo.tests import HttpCase, new_test_user
from odoo.tests.common import _super_send

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.whatsapp_crm.tools.webhook_signature import compute_signature

from meta_sandbox import Sandbox

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
ACCESS_TOKEN = "test-access-token"
PHONE_NUMBER_ID = "109000000000001"
WABA_ID = "209000000000001"


class LoopbackRequestsMixin:
    """Let the Graph client reach the loopback sandbox with its own timeouts.

    Odoo's test guard raises every timeout under 10 s to 10 s and cannot compare a
    (connect, read) tuple; our servers are on 127.0.0.1. Anything else still goes through the guard.
    """

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == "127.0.0.1":
            return _super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


class WhatsAppCase(LoopbackRequestsMixin, HttpCase):
    """An HttpCase with a started Meta sandbox whose customers POST to this test server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.br")
        cls.sandbox = Sandbox(
            webhook_url=f"{cls.base_url()}/whatsapp/webhook", app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
            phone_number_id=PHONE_NUMBER_ID, waba_id=WABA_ID, token=ACCESS_TOKEN,
            display_phone_number="551140000000",
        ).start()
        cls.addClassCleanup(cls.sandbox.stop)
        cls.account = cls.env["whatsapp.account"].create({
            "name": "Filarmônica",
            "phone_number_id": PHONE_NUMBER_ID,
            "waba_id": WABA_ID,
            "access_token": ACCESS_TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": VERIFY_TOKEN,
            "graph_base_url": cls.sandbox.base_url,
        })
        cls.attendant = new_test_user(cls.env, "attendant", groups="whatsapp_crm.group_whatsapp_attendant",
                                      name="Ana Atendente")
        cls.manager = new_test_user(cls.env, "wa_manager", groups="whatsapp_crm.group_whatsapp_manager",
                                    name="Gabi Gerente")
        cls.employee = new_test_user(cls.env, "employee", groups="base.group_user", name="Edu Employee")
        cls.processing_user = cls.env.ref("whatsapp_crm.user_whatsapp_processing")

    def setUp(self):
        super().setUp()
        self.sandbox.state.reset()  # no failure, message or window left over from another test
        # The sandbox's customers POST through the test's HTTP session: the requests then share
        # this test's transaction, as url_open's do.
        self.sandbox.sender.session = self.opener

    def authenticate(self, *args, **kwargs):
        """Logging in (tests, tours) opens a new HTTP session: the sandbox follows it."""
        session = super().authenticate(*args, **kwargs)
        self.sandbox.sender.session = self.opener
        return session

    # ------------------------------------------------------------
    # Webhooks
    # ------------------------------------------------------------

    def post_webhook(self, body, signature=None, headers=None):
        """POST raw bytes (or a dict, serialised compactly) to the webhook, signed unless told."""
        raw = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        all_headers = {"Content-Type": "application/json"}
        if signature is not False:  # False: no header at all; None: the right signature
            all_headers["X-Hub-Signature-256"] = compute_signature(raw, APP_SECRET) if signature is None else signature
        all_headers.update(headers or {})
        return self.url_open("/whatsapp/webhook", data=raw, headers=all_headers)

    def customer(self, wa_id="5511987654321", name="Maria Souza", **kwargs):
        return self.sandbox.customer(wa_id, name, **kwargs)

    # ------------------------------------------------------------
    # The jobs' work, without their commits
    # ------------------------------------------------------------

    def process_inbox(self):
        """What the drain jobs do, as the processing user, in the test transaction: split every
        stored POST, then process every ready item, each customer's in order. Returns the items
        (``whatsapp.inbox.event``) that were waiting or were just split, in order (sudo)."""
        inbox = self.env["whatsapp.inbox"].with_user(self.processing_user)
        items = self.env["whatsapp.inbox.event"].with_user(self.processing_user)
        waiting = items.sudo().search([("state", "=", "pending")])
        last_id = items.sudo().search([], order="id desc", limit=1).id or 0
        while inbox._split_received():
            pass
        worked = waiting | items.sudo().search([("id", ">", last_id)])
        while items._process_due():
            pass
        worked.invalidate_recordset()
        return worked.sorted("id")

    def run_item_retries(self, items):
        """What the retry job of each item in ``items`` does when it runs (as the processing user)."""
        for item in items.with_user(self.processing_user):
            try:
                item._job_retry()
            except RetryableJobError:
                pass
        items.invalidate_recordset()

    def send_outgoing(self):
        """What the send jobs do: each conversation's due messages, in order. Returns the messages
        that were due (sudo)."""
        queue = self.env["whatsapp.message"].with_user(self.processing_user)
        now = fields.Datetime.now()
        due = queue.sudo().search([("state", "=", "outgoing"), ("direction", "=", "out")]).filtered(
            lambda message: not message.next_attempt_at or message.next_attempt_at <= now)
        for channel in due.channel_id:
            try:
                queue._job_send_conversation(channel.id)
            except RetryableJobError:
                pass  # a message waits for its retry: the job is postponed
        due.invalidate_recordset()
        return due

    # ------------------------------------------------------------
    # Lookups and asserts
    # ------------------------------------------------------------

    def conversation_of(self, partner):
        return self.env["discuss.channel"].search([
            ("channel_type", "=", "whatsapp"), ("whatsapp_partner_id", "=", partner.id)])

    def partner_by_wa_id(self, wa_id):
        return self.env["res.partner"].search([("whatsapp_wa_id", "=", wa_id)])

    def whatsapp_message(self, wamid):
        return self.env["whatsapp.message"].search([("wamid", "=", wamid)])

    def receive_until(self, websocket, predicate, limit=50):
        """The first bus notification on ``websocket`` (a WebsocketCase's) matching ``predicate``."""
        for _ in range(limit):
            for notification in json.loads(websocket.recv()):
                if predicate(notification):
                    return notification
        self.fail("the expected notification never arrived")

    def attendant_writes(self, channel, body, user=None, parent=None):
        """Post in the conversation as an attendant, the way Discuss's composer does."""
        return channel.with_user(user or self.attendant).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment",
            parent_id=parent.id if parent else False)
