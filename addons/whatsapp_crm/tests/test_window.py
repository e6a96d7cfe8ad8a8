from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from meta_sandbox import webhooks

from .test_templates import TemplateCase

ALMOST = timedelta(hours=23, minutes=59)
JUST_AFTER = timedelta(hours=24, minutes=1)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestWindow(TemplateCase):
    """The 24-hour window on the server: free-form refused before it is queued, on every path."""

    def setUp(self):
        super().setUp()
        self.sandbox.state.add_template("retomar", body="Olá {{1}}, podemos continuar?")
        self.sync()
        self.last_inbound = self.channel.whatsapp_last_inbound_at
        self.authenticate("attendant", "attendant")

    def outgoing(self):
        return self.env["whatsapp.message"].search([("direction", "=", "out")])

    def rpc(self, route, params):
        """A JSON-RPC call as the browser makes it; returns (result, error message)."""
        response = self.opener.post(f"{self.base_url()}{route}", json={
            "jsonrpc": "2.0", "method": "call", "id": 1, "params": params}, timeout=30)
        body = response.json()
        return body.get("result"), (body.get("error") or {}).get("data", {}).get("message")

    def post_from_composer(self, body):
        return self.rpc("/mail/message/post", {
            "thread_model": "discuss.channel", "thread_id": self.channel.id,
            "post_data": {"body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_comment"}})

    def call_kw(self, method, args, kwargs=None):
        return self.rpc(f"/web/dataset/call_kw/discuss.channel/{method}", {
            "model": "discuss.channel", "method": method, "args": args, "kwargs": kwargs or {}})

    def test_composer_at_23h59_and_24h01(self):
        with freeze_time(self.last_inbound + ALMOST):
            result, error = self.post_from_composer("Ainda dá tempo!")
            self.assertFalse(error)
            self.assertEqual(len(self.outgoing()), 1)
        with freeze_time(self.last_inbound + JUST_AFTER):
            result, error = self.post_from_composer("Tarde demais")
            self.assertIn("only delivers an approved template", error)
            self.assertIn("Maria Souza", error)
        self.assertEqual(len(self.outgoing()), 1, "nothing was queued")
        self.assertFalse(self.env["mail.message"].search([("body", "ilike", "Tarde demais")]),
                         "nor posted in the conversation")

    def test_orm_rpc_at_23h59_and_24h01(self):
        args = [[self.channel.id]]
        kwargs = {"body": "Pelo RPC", "message_type": "comment", "subtype_xmlid": "mail.mt_comment"}
        with freeze_time(self.last_inbound + ALMOST):
            _result, error = self.call_kw("message_post", args, kwargs)
            self.assertFalse(error)
        with freeze_time(self.last_inbound + JUST_AFTER):
            _result, error = self.call_kw("message_post", args, kwargs)
            self.assertIn("Send template", error)
        self.assertEqual(len(self.outgoing()), 1)

    def test_message_post_from_other_code_at_23h59_and_24h01(self):
        with freeze_time(self.last_inbound + ALMOST):
            self.attendant_writes(self.channel, "Pelo código")
            # sudo, another author, a file: still free-form
            self.channel.sudo().message_post(body="Automático", message_type="comment",
                                             subtype_xmlid="mail.mt_comment", author_id=self.manager.partner_id.id)
        self.assertEqual(len(self.outgoing()), 2)
        with freeze_time(self.last_inbound + JUST_AFTER):
            with self.assertRaises(UserError):
                self.attendant_writes(self.channel, "Pelo código")
            with self.assertRaises(UserError):
                self.channel.sudo().message_post(body="Automático", message_type="comment",
                                                 subtype_xmlid="mail.mt_comment", author_id=self.manager.partner_id.id)
            attachment = self.env["ir.attachment"].with_user(self.attendant).create({"name": "a.txt", "raw": b"x"})
            with self.assertRaises(UserError):
                self.channel.with_user(self.attendant).message_post(
                    body="", attachment_ids=attachment.ids, message_type="comment", subtype_xmlid="mail.mt_comment")
            # What never goes to the customer is not concerned: a system notice, another module's note.
            self.channel._whatsapp_post_notice("Aviso interno")
            self.channel.sudo().message_post(body="Nota de outro módulo", message_type="comment",
                                             author_id=self.manager.partner_id.id)
        self.assertEqual(len(self.outgoing()), 2)

    def test_template_passes_a_closed_window(self):
        with freeze_time(self.last_inbound + JUST_AFTER):
            result, error = self.call_kw("whatsapp_send_template", [[self.channel.id], self.template("retomar").id,
                                                                    {"body.1": "Maria"}])
            self.assertFalse(error)
        message = self.outgoing()
        self.assertEqual((message.message_type, message.template_window_closed, message.billing_category),
                         ("template", True, "utility"))
        self.assertEqual(message.mail_message_id.id, result)

    def test_window_status_at_23h59_and_24h01(self):
        with freeze_time(self.last_inbound + ALMOST):
            status, error = self.call_kw("whatsapp_window_status", [[self.channel.id]])
            self.assertFalse(error)
            self.assertEqual((status["open"], status["template_required"], status["seconds_left"]),
                             (True, False, 60))
            self.assertFalse(status["entry_point"])
        with freeze_time(self.last_inbound + JUST_AFTER):
            status, _error = self.call_kw("whatsapp_window_status", [[self.channel.id]])
            self.assertEqual((status["open"], status["template_required"], status["seconds_left"]),
                             (False, True, 0))
        self.assertEqual(status["expires_at"], str(self.last_inbound + timedelta(hours=24)))

    def test_a_new_customer_message_reopens_the_window(self):
        with freeze_time(self.last_inbound + JUST_AFTER):
            self.assertFalse(self.channel._whatsapp_window_is_open())
            self.maria.text("Voltei!")
            self.process_inbox()
            self.assertTrue(self.channel._whatsapp_window_is_open())
            self.attendant_writes(self.channel, "Que bom!")
        self.assertEqual(len(self.outgoing()), 1)

    def test_free_entry_point_of_an_ad_conversation(self):
        joao = self.customer("5521998765432", "João Pereira")
        joao.text("Vi o anúncio do concerto", referral=webhooks.referral(headline="Concerto de Natal"))
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5521998765432"))
        ad_at = self.channel.whatsapp_entry_point_at
        self.assertTrue(ad_at)
        self.assertEqual(self.channel.whatsapp_window_status()["entry_point"]["free_until"], False,
                         "not answered yet: no free entry point")
        self.env["whatsapp.pricing.rate"].create({"category": "utility", "price": 0.008, "date_from": "2025-01-01"})

        reply_at = ad_at + timedelta(hours=1)
        with freeze_time(reply_at):
            reply = self.attendant_writes(self.channel, "Olá João! Temos ingressos.")
        self.assertEqual(self.channel.whatsapp_free_entry_until, reply_at + timedelta(hours=72))
        with freeze_time(ad_at + ALMOST):
            self.attendant_writes(self.channel, "Ainda na janela")
            status = self.channel.whatsapp_window_status()
            self.assertTrue(status["open"] and status["entry_point"]["free_now"])
        with freeze_time(ad_at + JUST_AFTER):
            with self.assertRaises(UserError, msg="free entry point or not, free-form needs the 24 h window"):
                self.attendant_writes(self.channel, "Fora da janela")
            status = self.channel.whatsapp_window_status()
            self.assertEqual((status["open"], status["entry_point"]["free_now"]), (False, True))
            free_template = self.send_template("retomar", {"body.1": "João"})
        with freeze_time(reply_at + timedelta(hours=72, minutes=1)):
            paid_template = self.send_template("retomar", {"body.1": "João"})
            self.assertFalse(self.channel.whatsapp_window_status()["entry_point"]["free_now"])
        self.assertTrue(reply.id)
        self.assertEqual((free_template.free_entry_point, free_template.estimated_cost), (True, 0.0))
        self.assertEqual(paid_template.free_entry_point, False)
        self.assertAlmostEqual(paid_template.estimated_cost, 0.008)

    def test_late_answer_to_an_ad_opens_no_free_entry_point(self):
        joao = self.customer("5521998765432", "João Pereira")
        joao.text("Vi o anúncio", referral=webhooks.referral())
        self.process_inbox()
        channel = self.conversation_of(self.partner_by_wa_id("5521998765432"))
        with freeze_time(channel.whatsapp_entry_point_at + JUST_AFTER):
            self.channel = channel
            self.send_template("retomar", {"body.1": "João"})
        self.assertFalse(channel.whatsapp_free_entry_until)
