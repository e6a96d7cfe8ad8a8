from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .attendance_common import AttendanceCase

T0 = datetime(2026, 12, 1, 13, 0)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestClosing(AttendanceCase):
    """"Finalizar" with a reason and a farewell carrying the protocol; automatic closing after
    nudges; nothing sent outside the 24-hour window."""

    def setUp(self):
        super().setUp()
        with freeze_time(T0):
            self.maria, _delivery, self.channel = self.open_conversation()
            self.channel.with_user(self.attendant).action_whatsapp_take()

    def test_close_with_reason_sends_the_farewell_with_the_protocol(self):
        reason = self.env.ref("whatsapp_crm.whatsapp_close_reason_resolved")
        with freeze_time(T0 + timedelta(minutes=5)):
            self.channel.with_user(self.attendant).action_whatsapp_close(reason_id=reason.id)
            self.send_outgoing()
        self.assertEqual(self.channel.whatsapp_status, "closed")
        self.assertEqual(self.channel.whatsapp_queue_state, "closed")
        self.assertEqual(self.channel.whatsapp_close_reason_id, reason)
        self.assertEqual(self.channel.whatsapp_closed_by_id, self.attendant)
        self.assertEqual(self.channel.whatsapp_closing_attendant_id, self.attendant)
        self.assertEqual(self.sent_texts(), [
            "Thank you for contacting us! This conversation is now closed. "
            f"Your protocol number is {self.channel.whatsapp_protocol}."])
        farewell = self.outbound(self.channel).mail_message_id
        self.assertEqual(farewell.author_id, self.attendant.partner_id)
        self.assertTrue(self.channel.message_ids.filtered(
            lambda m: m.message_type == "notification" and "Closing reason: Resolved" in m.body))
        queue = self.env["discuss.channel"].with_user(self.attendant).whatsapp_queue_fetch("all")
        self.assertNotIn(self.channel.id, queue["channel_ids"], "out of every queue")

    def test_farewell_can_be_skipped_and_is_configurable(self):
        self.set_setting("farewell_message", "Até logo, {{primeiro_nome}}! ({{protocolo}})")
        with freeze_time(T0 + timedelta(minutes=5)):
            self.channel.with_user(self.attendant).action_whatsapp_close(farewell=False)
            self.send_outgoing()
        self.assertFalse(self.sandbox.state.sent, "the attendant chose not to send it")
        _maria, _delivery, other = self.open_conversation("Oi de novo", wa_id="5521988887777", name="João Lima")
        other.with_user(self.attendant).action_whatsapp_close()
        self.send_outgoing()
        self.assertEqual(self.sent_texts(), [f"Até logo, João! ({other.whatsapp_protocol})"])
        self.set_setting("farewell_skip", True)
        _ana, _delivery, third = self.open_conversation("Olá", wa_id="5531977776666", name="Ana")
        third.with_user(self.attendant).action_whatsapp_close()
        self.send_outgoing()
        self.assertEqual(len(self.sandbox.state.sent), 1, "Settings skip the farewell")

    def test_no_farewell_outside_the_window(self):
        with freeze_time(T0 + timedelta(hours=25)):
            self.channel.with_user(self.attendant).action_whatsapp_close()
            self.send_outgoing()
        self.assertEqual(self.channel.whatsapp_status, "closed")
        self.assertFalse(self.outbound(self.channel))
        self.assertFalse(self.sandbox.state.sent)

    # ------------------------------------------------------------
    # Nudges and automatic closing
    # ------------------------------------------------------------

    def attendant_replies(self, at):
        with freeze_time(at):
            self.attendant_writes(self.channel, "Pode me mandar o número do pedido?")
            self.send_outgoing()

    def nudges_at(self, at):
        with freeze_time(at):
            self.run_nudges()
            self.send_outgoing()
        return self.sent_texts()

    def test_nudges_then_closes_with_the_farewell(self):
        self.set_setting("nudge_count", 2)
        self.set_setting("nudge_interval_minutes", 30)
        self.attendant_replies(T0 + timedelta(minutes=1))
        self.assertEqual(self.channel.whatsapp_nudge_due_at, T0 + timedelta(minutes=31))
        self.assertEqual(len(self.nudges_at(T0 + timedelta(minutes=30))), 1, "not due yet")
        self.assertEqual(self.nudges_at(T0 + timedelta(minutes=32))[-1], "Are you still there?")
        self.assertEqual(self.channel.whatsapp_nudge_count, 1)
        self.assertEqual(self.nudges_at(T0 + timedelta(minutes=63))[-1], "Are you still there?")
        self.assertEqual(self.channel.whatsapp_status, "open")
        texts = self.nudges_at(T0 + timedelta(minutes=94))
        self.assertEqual(len(texts), 4, "reply, two nudges, farewell")
        self.assertIn(self.channel.whatsapp_protocol, texts[-1])
        self.assertEqual(self.channel.whatsapp_status, "closed")
        self.assertEqual(self.channel.whatsapp_close_reason_id,
                         self.env.ref("whatsapp_crm.whatsapp_close_reason_no_answer"))
        self.assertFalse(self.channel.whatsapp_closed_by_id, "closed by the system")
        self.assertEqual(self.channel.whatsapp_closing_attendant_id, self.attendant)
        self.assertTrue(self.channel.message_ids.filtered(lambda m: "Closed automatically" in (m.body or "")))
        nudge = self.outbound(self.channel)[1].mail_message_id
        self.assertEqual(nudge.author_id, self.env.ref("base.partner_root"))

    def test_a_customer_message_cancels_the_nudges(self):
        self.set_setting("nudge_count", 2)
        self.set_setting("nudge_interval_minutes", 30)
        self.attendant_replies(T0 + timedelta(minutes=1))
        self.nudges_at(T0 + timedelta(minutes=32))
        with freeze_time(T0 + timedelta(minutes=40)):
            self.maria.text("Desculpe, o pedido é 4711")
            self.process_inbox()
        self.assertFalse(self.channel.whatsapp_nudge_due_at)
        self.assertEqual(self.channel.whatsapp_nudge_count, 0)
        self.assertEqual(len(self.nudges_at(T0 + timedelta(hours=3))), 2, "no further nudge, no closing")
        self.assertEqual(self.channel.whatsapp_status, "open")

    def test_internal_notes_do_not_start_nudges(self):
        self.set_setting("nudge_count", 1)
        with freeze_time(T0 + timedelta(minutes=1)):
            self.channel.with_user(self.attendant).message_post(
                body="Cliente VIP", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertFalse(self.channel.whatsapp_nudge_due_at)

    def test_never_outside_the_window(self):
        self.set_setting("nudge_count", 2)
        self.set_setting("nudge_interval_minutes", 60)
        self.attendant_replies(T0 + timedelta(hours=23, minutes=30))
        texts = self.nudges_at(T0 + timedelta(hours=24, minutes=31))
        self.assertEqual(len(texts), 1, "only the attendant's reply: the window closed before the nudge")
        self.assertEqual(self.channel.whatsapp_status, "closed", "closed silently")
        self.assertEqual(len(self.outbound(self.channel)), 1, "no nudge nor farewell queued either")

    def test_nudges_off_by_default(self):
        self.attendant_replies(T0 + timedelta(minutes=1))
        self.assertFalse(self.channel.whatsapp_nudge_due_at)
        self.assertEqual(len(self.nudges_at(T0 + timedelta(hours=5))), 1)
