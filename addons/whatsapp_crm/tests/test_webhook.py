import inspect
import json

from odoo import http
from odoo.tests import tagged

from .common import APP_SECRET, VERIFY_TOKEN, WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestWebhook(WhatsAppCase):
    """The HTTP contract with Meta: verify, store, answer — and nothing for a bad signature."""

    def inbox_count(self):
        return self.env["whatsapp.inbox"].sudo().search_count([])

    def test_handshake(self):
        ok = self.url_open(f"/whatsapp/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
                           "&hub.challenge=1158201444")
        self.assertEqual((ok.status_code, ok.text), (200, "1158201444"))
        wrong = self.url_open("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
        self.assertEqual(wrong.status_code, 403)
        wrong_mode = self.url_open(f"/whatsapp/webhook?hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}"
                                   "&hub.challenge=1")
        self.assertEqual(wrong_mode.status_code, 403)

    def test_signed_post_is_stored_before_the_answer(self):
        delivery = self.customer().text("Olá, bom dia!")
        self.assertEqual(delivery.status_code, 200)
        event = self.env["whatsapp.inbox"].sudo().search([], limit=1)
        self.assertEqual(event.state, "received")
        self.assertEqual(event.account_ids, self.account, "bound to the account whose secret signed it")
        self.assertEqual(json.loads(event.raw_body), delivery.payload, "the raw payload is kept as received")
        self.assertFalse(self.whatsapp_message(delivery.wamid), "nothing is processed inside the request")

    def test_bad_signatures_write_nothing(self):
        body = json.dumps({"object": "whatsapp_business_account", "entry": []}).encode()
        before = self.inbox_count()
        for signature in (False, "sha256=" + "0" * 64, "sha1=abc", "sha256=xyz", "", "sha256=" + "a" * 63):
            with self.subTest(signature=signature):
                response = self.post_webhook(body, signature=signature)
                self.assertEqual(response.status_code, 401)
        self.assertEqual(self.inbox_count(), before)

    def test_signature_over_a_reencoded_body_fails(self):
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": []}]}
        compact = json.dumps(payload, separators=(",", ":")).encode()
        from odoo.addons.whatsapp_crm.tools.webhook_signature import compute_signature
        signature = compute_signature(compact, APP_SECRET)
        self.assertEqual(self.post_webhook(compact, signature=signature).status_code, 200)
        spaced = json.dumps(payload, indent=2).encode()  # same JSON, other bytes
        self.assertEqual(self.post_webhook(spaced, signature=signature).status_code, 401)

    def test_signature_of_another_app_fails(self):
        from odoo.addons.whatsapp_crm.tools.webhook_signature import compute_signature
        body = b'{"object":"whatsapp_business_account","entry":[]}'
        response = self.post_webhook(body, signature=compute_signature(body, "another-app-secret"))
        self.assertEqual(response.status_code, 401)

    def test_oversized_body_is_refused_before_reading(self):
        before = self.inbox_count()
        response = self.post_webhook(b"x" * (5 * 1024 * 1024))
        self.assertEqual(response.status_code, 413)
        self.assertEqual(self.inbox_count(), before)

    def test_three_megabyte_body_is_accepted(self):
        text = "a" * 4096
        payload = self.customer().text(text, send=False).payload
        messages = payload["entry"][0]["changes"][0]["value"]["messages"]
        template = messages[0]
        for index in range(700):  # ~3 MB of messages in one signed POST
            messages.append(dict(template, id=f"{template['id']}.{index}"))
        raw = json.dumps(payload).encode()
        self.assertGreater(len(raw), 2_900_000)
        self.assertEqual(self.post_webhook(raw).status_code, 200)

    def test_signed_non_json_is_kept_and_not_retried(self):
        response = self.post_webhook(b"this is not json \xff")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(self.process_inbox(), "no item")
        inbox = self.env["whatsapp.inbox"].sudo().search([], limit=1)
        self.assertEqual(inbox.state, "failed")
        self.assertIn("Not a WhatsApp event", inbox.error)
        self.process_inbox()
        self.assertEqual(inbox.state, "failed", "an unreadable body is never retried")

    def test_only_the_webhook_routes_skip_csrf(self):
        without_csrf = set()
        for controller in http.Controller.__subclasses__():
            if not controller.__module__.startswith("odoo.addons.whatsapp_crm"):
                continue
            for _name, method in inspect.getmembers(controller, inspect.isfunction):
                routing = getattr(method, "original_routing", None)
                if routing and routing.get("csrf") is False:
                    without_csrf.update(routing["routes"])
        self.assertEqual(without_csrf, {"/whatsapp/webhook"})

    def test_one_drain_job_waits_however_many_posts_arrive(self):
        """After each POST's commit the inbox makes sure a drain job is pending: one, not one per POST."""
        inbox = self.env["whatsapp.inbox"]
        for _post in range(3):
            inbox._wake_drain()
        jobs = self.env["queue.job"].sudo().search([("identity_key", "=", "whatsapp_crm.inbox.drain"),
                                                    ("state", "=", "pending")])
        self.assertEqual(len(jobs), 1)
        self.assertEqual((jobs.state, jobs.channel, jobs.user_id), ("pending", "root.whatsapp.inbox",
                                                                    self.processing_user),
                         "a pending job on the inbox channel, run as the processing user")
