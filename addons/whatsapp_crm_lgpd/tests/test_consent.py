"""Consent: recorded on the first message, withdrawn by keyword, by Meta's preferences and by error
131050; kept in a history; shown to attendants; changed by the DPO only; marketing refused without it."""
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from meta_sandbox import webhooks

from .common import LgpdCase


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestConsent(LgpdCase):

    def receive_text(self, text, wa_id="5511987654321", name="Maria Souza"):
        delivery = self.customer(wa_id, name).text(text)
        self.process_inbox()
        return self.whatsapp_message(delivery.wamid)

    def test_first_message_records_consent_with_source_and_legal_basis(self):
        message = self.receive_text("Olá, bom dia")
        partner = message.partner_id
        self.assertEqual(
            (partner.whatsapp_consent_status, partner.whatsapp_consent_source, partner.whatsapp_consent_legal_basis),
            ("opted_in", "customer_initiated", "consent"))
        self.assertEqual(partner.whatsapp_consent_date, message.meta_timestamp)
        self.assertEqual(partner.whatsapp_consent_event_ids.mapped("status"), ["opted_in"])
        self.receive_text("Segunda mensagem")
        self.assertEqual(len(partner.whatsapp_consent_event_ids), 1, "only the first message records it")
        self.assertTrue(self.env["whatsapp.lgpd.audit"].search([("action", "=", "consent_changed"),
                                                                 ("partner_id", "=", partner.id)]))
        # The conversation's header shows it to attendants (store data of the channel).
        data = Store().add(message.channel_id.with_user(self.attendant)).get_result()
        badge = next(item["whatsapp_consent_badge"] for item in data["res.partner"] if item["id"] == partner.id)
        self.assertEqual((badge["status"], badge["text"]), ("opted_in", "Consent: yes"))
        self.assertIn("Message started by the customer", badge["title"])

    def test_keyword_opts_out_only_as_a_whole_message(self):
        partner = self.receive_text("Quero trocar meu ingresso").partner_id
        self.receive_text("não quero parar de falar com vocês")
        self.assertEqual(partner.whatsapp_consent_status, "opted_in")
        bus_before = self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0
        message = self.receive_text("  Parar! ")
        self.assertEqual((partner.whatsapp_consent_status, partner.whatsapp_consent_source), ("opted_out", "keyword"))
        notices = message.channel_id.message_ids.filtered(lambda m: m.message_type == "notification")
        self.assertIn("PARAR", notices[0].body, "attendants are told in the conversation")
        self.env.cr.precommit.run()
        pushed = self.env["bus.bus"].sudo().search([("id", ">", bus_before)]).mapped("message")
        self.assertTrue(any("whatsapp_consent_badge" in payload and "opted_out" in payload for payload in pushed),
                        "the header badge changes live")
        self.receive_text("SAIR")
        self.assertEqual(len(partner.whatsapp_consent_event_ids), 2, "a second keyword changes nothing")

    def test_keywords_are_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param("whatsapp_crm_lgpd.opt_out_keywords", "CHEGA, BASTA")
        partner = self.receive_text("Oi").partner_id
        self.receive_text("parar")
        self.assertEqual(partner.whatsapp_consent_status, "opted_in")
        self.receive_text("Chega")
        self.assertEqual(partner.whatsapp_consent_status, "opted_out")

    def test_user_preferences_stop_and_resume(self):
        customer = self.customer("5511987654321", "Maria Souza")
        partner = self.receive_text("Oi").partner_id
        self.sandbox.state.clock = lambda: 2_000_000_000
        customer.marketing_preference("stop")
        customer.marketing_preference("stop")  # Meta delivers at least once
        events = self.process_inbox()
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual((partner.whatsapp_consent_status, partner.whatsapp_consent_source),
                         ("opted_out", "meta_preferences"))
        self.assertEqual(len(partner.whatsapp_consent_event_ids), 2, "the duplicate changed nothing")
        # A late "resume" older than the "stop" does not undo it.
        self.sandbox.state.clock = lambda: 1_999_999_000
        customer.marketing_preference("resume")
        self.process_inbox()
        self.assertEqual(partner.whatsapp_consent_status, "opted_out")
        self.sandbox.state.clock = lambda: 2_000_000_100
        customer.marketing_preference("resume")
        self.process_inbox()
        self.assertEqual((partner.whatsapp_consent_status, partner.whatsapp_consent_legal_basis),
                         ("opted_in", "consent"))

    def test_a_merged_customer_keeps_their_newest_consent_history_and_requests(self):
        """A BSUID-only contact and a number-only contact, then a message with both: one person,
        merged into the number's partner (whatsapp_crm's res_partner_whatsapp_merge.py)."""
        by_name = self.customer(None, "Maria", user_id="BR.1234567890ABCDEF")
        self.addCleanup(setattr, self.sandbox.state, "clock", self.sandbox.state.clock)
        self.sandbox.state.clock = lambda: 2_000_000_000
        by_name.text("Oi")
        self.process_inbox()
        survivor = self.receive_text("Oi pelo número").partner_id
        self.sandbox.state.clock = lambda: 2_000_000_100
        stop = by_name.text("Parar")
        self.process_inbox()
        absorbed = self.whatsapp_message(stop.wamid).partner_id
        self.assertEqual((survivor.whatsapp_consent_status, absorbed.whatsapp_consent_status),
                         ("opted_in", "opted_out"))
        request = self.env["whatsapp.lgpd.request"].create(
            {"partner_id": absorbed.id, "request_type": "access", "channel": "internal"})
        self.customer("5511987654321", "Maria Souza", user_id="BR.1234567890ABCDEF").text("Sou eu")
        self.process_inbox()
        self.assertFalse(absorbed.active)
        self.assertEqual((survivor.whatsapp_consent_status, survivor.whatsapp_consent_source),
                         ("opted_out", "keyword"), "the newer consent is the person's")
        self.assertEqual(sorted(survivor.whatsapp_consent_event_ids.mapped("status")),
                         ["opted_in", "opted_in", "opted_out"], "both histories, on the one contact")
        self.assertEqual(request.partner_id, survivor)

    def test_user_preferences_of_a_stranger_create_nobody(self):
        before = self.env["res.partner"].search_count([])
        self.post_webhook(webhooks.user_preferences(self.sandbox.business, "5531999990000", "stop", name="X"))
        self.assertEqual(self.process_inbox().state, "done")
        self.assertEqual(self.env["res.partner"].search_count([]), before)

    def test_error_131050_opts_out(self):
        message = self.receive_text("Oi")
        channel, partner = message.channel_id, message.partner_id
        self.attendant_writes(channel, "Temos uma promoção")
        sent = self.send_outgoing()
        self.sandbox.emit_statuses(sent.wamid, ["sent"], failed_code=131050)
        self.process_inbox()
        self.assertEqual(sent.state, "failed")
        self.assertEqual((partner.whatsapp_consent_status, partner.whatsapp_consent_source), ("opted_out", "meta_error"))
        self.assertIn("opted out", partner._whatsapp_marketing_refusal_reason())

    def test_only_the_dpo_changes_consent(self):
        partner = self.receive_text("Oi").partner_id
        for user in (self.attendant, self.manager, self.dpo):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).write({"whatsapp_consent_status": "opted_out"})
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).action_whatsapp_consent_change()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["whatsapp.consent.wizard"].with_user(user).create({"partner_id": partner.id})
        wizard = self.env["whatsapp.consent.wizard"].with_user(self.dpo).create({
            "partner_id": partner.id, "status": "opted_out", "legal_basis": "consent", "note": "Pediu por telefone"})
        wizard.action_confirm()
        self.assertEqual((partner.whatsapp_consent_status, partner.whatsapp_consent_source), ("opted_out", "dpo"))
        last = partner.whatsapp_consent_event_ids[0]
        self.assertEqual((last.previous_status, last.status, last.operator_id, last.note),
                         ("opted_in", "opted_out", self.dpo, "Pediu por telefone"))
        self.assertFalse(wizard.note, "the note lives in the history, not in the wizard")

    def test_marketing_refused_without_consent(self):
        partner = self.env["res.partner"].create({"name": "Sem Registro", "whatsapp_wa_id": "5511912345678"})
        self.assertEqual(partner.whatsapp_consent_status, "unknown")
        self.assertFalse(partner._whatsapp_can_receive_marketing())
        with self.assertRaisesRegex(UserError, "never consented"):
            partner._whatsapp_check_marketing_allowed()
        message = self.receive_text("Oi")
        self.assertTrue(message.partner_id._whatsapp_can_receive_marketing())
        # The send queue refuses a marketing template to a contact without consent, before Meta.
        channel, partner = message.channel_id, message.partner_id
        partner._whatsapp_consent_record("opted_out", "keyword")
        self.attendant_writes(channel, "Promoção de verão")
        with patch("odoo.addons.whatsapp_crm_lgpd.models.whatsapp_message.WhatsAppMessage._whatsapp_is_marketing",
                   return_value=True):
            refused = self.send_outgoing()
        self.assertEqual((refused.state, refused.error_category), ("failed", "lgpd_no_consent"))
        self.assertIn("not consented", refused.failure_reason)
        self.assertFalse(refused.wamid, "Meta was never asked")
        # Without a template model nothing is marketing: ordinary replies still leave.
        self.attendant_writes(channel, "Resposta comum")
        self.assertEqual(self.send_outgoing().filtered(lambda m: m.state != "failed").state, "accepted")
