from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools.graph_api import GraphError, WhatsAppGraphClient

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestOutbound(WhatsAppCase):
    """Attendant → queue → Graph API, and Meta's statuses back, monotonic and exactly once."""

    def setUp(self):
        super().setUp()
        self.maria = self.customer("5511987654321", "Maria Souza")
        self.first = self.maria.text("Olá! Qual o horário da bilheteria?")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))

    def reply(self, body="A bilheteria abre às 10h.", **kwargs):
        self.attendant_writes(self.channel, body, **kwargs)
        return self.env["whatsapp.message"].search([("direction", "=", "out")], limit=1)

    def test_reply_is_queued_then_sent(self):
        message = self.reply()
        self.assertEqual(message.state, "outgoing")
        self.assertEqual(message.partner_id, self.channel.whatsapp_partner_id)
        self.assertFalse(self.sandbox.state.sent, "nothing leaves inside the attendant's request")
        self.send_outgoing()
        self.assertEqual(message.state, "accepted")
        self.assertTrue(message.wamid.startswith("wamid."))
        [sent] = self.sandbox.state.sent
        self.assertEqual(sent.payload["to"], "5511987654321")
        self.assertEqual(sent.payload["text"]["body"], "A bilheteria abre às 10h.")
        self.assertEqual(message.mail_message_id._whatsapp_status_for_store()["state"], "accepted")

    def test_reply_to_a_message_sets_the_context(self):
        quoted = self.whatsapp_message(self.first.wamid).mail_message_id
        message = self.reply("Sobre isso: 10h.", parent=quoted)
        self.send_outgoing()
        self.assertEqual(self.sandbox.state.sent[-1].payload["context"], {"message_id": self.first.wamid})
        self.assertEqual(message.reply_to_wamid, self.first.wamid)

    def test_canonical_wa_id_from_meta_is_recorded(self):
        old_style = self.customer("551187651234", "Sem Nove")  # Meta answers with the 9th digit
        old_style.text("oi")
        self.process_inbox()
        channel = self.conversation_of(self.env["res.partner"].search(
            [("phone_sanitized", "=", "+5511987651234")]))
        self.attendant_writes(channel, "Olá!")
        self.send_outgoing()
        self.assertEqual(channel.whatsapp_partner_id.whatsapp_wa_id, "5511987651234")

    def test_statuses_move_forward_only(self):
        message = self.reply()
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["sent", "delivered", "read"], order="reverse")
        self.process_inbox()
        self.assertEqual(message.state, "read")
        self.assertTrue(message.sent_at and message.delivered_at and message.read_at)
        self.assertLessEqual(message.sent_at, message.read_at, "each status keeps its own timestamp")
        self.assertEqual(message.pricing["category"], "service")

    def test_duplicate_status_applies_once(self):
        message = self.reply()
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["delivered"])
        self.sandbox.emit_statuses(message.wamid, ["delivered"])
        self.process_inbox()
        statuses = self.env["whatsapp.message.status"].search([("wamid", "=", message.wamid)])
        self.assertEqual(len(statuses), 1)
        self.assertEqual(message.state, "delivered")

    def test_read_without_delivered(self):
        message = self.reply()
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["read"])
        self.process_inbox()
        self.assertEqual(message.state, "read")
        self.assertTrue(message.delivered_at, "read implies delivered")

    def test_failed_after_delivered_keeps_delivered(self):
        message = self.reply()
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["sent", "delivered"], failed_code=131026)
        self.process_inbox()
        self.assertEqual(message.state, "delivered")
        self.assertTrue(message.failed_at)
        self.assertEqual(message.error_code, 131026)

    def test_failed_status_is_explained(self):
        message = self.reply()
        self.send_outgoing()
        self.sandbox.emit_statuses(message.wamid, ["sent"], failed_code=131026)
        self.process_inbox()
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_category, "undeliverable")
        self.assertIn("cannot receive WhatsApp", message.failure_reason)
        self.assertEqual(message.mail_message_id._whatsapp_status_for_store()["error_code"], 131026)

    def test_status_before_the_message_has_its_wamid(self):
        message = self.reply()
        self.send_outgoing()
        wamid = message.wamid
        message.wamid = False  # as if our own commit had not landed when Meta called
        self.sandbox.emit_statuses(wamid, ["sent", "delivered"])
        self.process_inbox()
        pending = self.env["whatsapp.message.status"].search([("wamid", "=", wamid)])
        self.assertEqual(len(pending), 2)
        self.assertFalse(pending.message_id, "kept, not applied, not lost")
        message.wamid = wamid
        self.env["whatsapp.message.status"]._apply_pending(message)
        self.assertEqual(message.state, "delivered")
        self.assertEqual(pending.message_id, message)

    def test_window_closed_fails_visibly(self):
        self.sandbox.state.clear_inbound("5511987654321")  # Meta's clock: the customer wrote 25 h ago
        message = self.reply()
        self.send_outgoing()
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_code, 131047)
        self.assertIn("24 hours", message.failure_reason)

    def test_rate_limits_back_off_and_retry(self):
        self.sandbox.state.inject_failure("messages", code=130429)
        self.sandbox.state.inject_failure("messages", code=131056)
        message = self.reply()
        self.send_outgoing()
        self.assertEqual((message.state, message.send_attempts), ("outgoing", 1))
        self.assertGreater(message.next_attempt_at, fields.Datetime.now())
        self.assertFalse(self.send_outgoing(), "not due yet")
        for attempt in (2, 3):
            with freeze_time(message.next_attempt_at + timedelta(seconds=1)):
                self.send_outgoing()
            self.assertEqual(message.send_attempts, attempt)
        self.assertEqual(message.state, "accepted")

    def test_server_errors_and_timeouts_retry(self):
        self.sandbox.state.inject_failure("messages", raw_status=502)
        message = self.reply()
        self.send_outgoing()
        self.assertEqual(message.state, "outgoing")
        self.assertEqual(message.send_attempts, 1)

    def test_expired_token_flags_the_account(self):
        self.sandbox.state.inject_failure("messages", code=190)
        message = self.reply()
        self.send_outgoing()
        self.assertEqual(message.state, "failed")
        self.assertEqual(message.error_category, "auth")
        self.assertEqual(self.account.connection_state, "error")

    def test_a_held_back_message_keeps_the_conversation_in_order(self):
        self.sandbox.state.inject_failure("messages", code=131056)
        first = self.reply("primeira")
        second = self.reply("segunda")
        self.send_outgoing()
        self.assertEqual((first.state, second.state), ("outgoing", "outgoing"),
                         "the second waits for the first")
        with freeze_time(first.next_attempt_at + timedelta(seconds=1)):
            self.send_outgoing()
        self.assertEqual([sent.payload["text"]["body"] for sent in self.sandbox.state.sent],
                         ["primeira", "segunda"])

    def test_every_send_carries_its_callback_data(self):
        message = self.reply()
        self.send_outgoing()
        self.assertEqual(self.sandbox.state.sent[-1].payload["biz_opaque_callback_data"], f"whatsapp_crm:{message.id}")

    # ------------------------------------------------------------
    # A send whose outcome is unknown is never repeated without a human (issue 10, point 13)
    # ------------------------------------------------------------

    def lose_the_answer(self):
        """The request reaches Meta (the sandbox accepts and records it), the answer never comes back."""
        original = WhatsAppGraphClient._request

        def request(client, method, path, **kwargs):
            original(client, method, path, **kwargs)
            raise GraphError(message="Meta did not answer in time", category="transient", retryable=True,
                             outcome_unknown=True)
        return patch.object(WhatsAppGraphClient, "_request", request)

    def test_a_send_whose_answer_was_lost_is_uncertain_and_not_retried(self):
        message = self.reply()
        with self.lose_the_answer():
            self.send_outgoing()
        self.assertEqual(len(self.sandbox.state.sent), 1, "Meta has it")
        self.assertEqual((message.state, message.wamid), ("uncertain", False))
        status = message.mail_message_id._whatsapp_status_for_store()
        self.assertEqual((status["tick"], status["tick_title"]), ("uncertain", "Delivery uncertain"))
        self.assertIn("may or may not have reached", status["failure_reason"])
        with freeze_time(fields.Datetime.now() + timedelta(days=1)):
            self.assertFalse(self.send_outgoing(), "nothing is due: never sent again automatically")
        self.assertEqual(len(self.sandbox.state.sent), 1)

    def test_an_uncertain_send_is_settled_by_its_statuses(self):
        message = self.reply()
        with self.lose_the_answer():
            self.send_outgoing()
        wamid = self.sandbox.state.sent[-1].wamid
        self.sandbox.emit_statuses(wamid, ["sent", "delivered"])
        self.process_inbox()
        self.assertEqual((message.state, message.wamid), ("delivered", wamid))
        self.assertFalse(message.mail_message_id._whatsapp_status_for_store()["failure_reason"])

    def test_the_attendant_resends_knowingly(self):
        message = self.reply()
        with self.lose_the_answer():
            self.send_outgoing()
        with self.assertRaises(UserError):
            self.env["whatsapp.message"].with_user(self.employee).whatsapp_resend(message.mail_message_id.id)
        self.env["whatsapp.message"].with_user(self.attendant).whatsapp_resend(message.mail_message_id.id)
        self.assertEqual(message.state, "outgoing")
        self.send_outgoing()
        self.assertEqual(message.state, "accepted")
        self.assertEqual([sent.payload["text"]["body"] for sent in self.sandbox.state.sent],
                         ["A bilheteria abre às 10h."] * 2, "sent twice: the attendant's decision")
        with self.assertRaises(UserError):
            self.env["whatsapp.message"].with_user(self.attendant).whatsapp_resend(message.mail_message_id.id)

    def test_attachments_are_sent_with_the_text_as_caption(self):
        attachment = self.env["ir.attachment"].with_user(self.attendant).create(
            {"name": "horarios.txt", "raw": "Sábado: 20h\nDomingo: 17h\n".encode()})
        self.channel.with_user(self.attendant).message_post(
            body="segue", attachment_ids=attachment.ids, message_type="comment", subtype_xmlid="mail.mt_comment")
        message = self.env["whatsapp.message"].search([("direction", "=", "out")], limit=1)
        self.send_outgoing()
        self.assertEqual(message.state, "accepted")
        [sent] = self.sandbox.state.sent
        self.assertEqual((sent.type, sent.payload["document"]["caption"]), ("document", "segue"))
        self.assertEqual(sent.payload["document"]["filename"], "horarios.txt")

    def test_customer_messages_are_not_sent_back(self):
        self.assertFalse(self.env["whatsapp.message"].search([("direction", "=", "out")]))

    def test_test_connection(self):
        self.account.action_test_connection()
        self.assertEqual(self.account.connection_state, "ok")
        self.sandbox.state.inject_failure("phone", code=190)
        action = self.account.action_test_connection()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("190", action["params"]["message"])
        self.assertEqual(self.account.connection_state, "error")
