from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiTemplates(WhatsAppCase):
    """Discuss in a browser: the closed window, the template dialog, the header countdown."""

    def setUp(self):
        super().setUp()
        self.sandbox.state.add_template(
            "retomar_atendimento", body="Olá {{1}}, ainda podemos ajudar com o atendimento {{2}}?",
            buttons=["Sim", "Não, obrigado"])
        self.sandbox.state.add_template("outro_modelo", body="Outro assunto")
        self.env["whatsapp.template"]._whatsapp_sync_account(self.account)
        delivery = self.customer().text("Preciso de ajuda com meu pedido")
        self.process_inbox()
        self.channel = self.whatsapp_message(delivery.wamid).channel_id

    def test_closed_window_banner_then_template(self):
        self.channel.whatsapp_last_inbound_at = fields.Datetime.now() - timedelta(hours=25)
        self.start_tour("/odoo/discuss", "whatsapp_crm_template_tour", login="attendant")
        self.env.invalidate_all()  # the tour wrote through the browser's requests
        sent = self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id), ("direction", "=", "out")])
        self.assertEqual((len(sent), sent.message_type, sent.template_window_closed), (1, "template", True))
        self.assertEqual(sent.mail_message_id.author_id, self.attendant.partner_id)
        self.send_outgoing()
        self.assertEqual(self.sandbox.state.sent[-1].payload["template"], {
            "name": "retomar_atendimento", "language": {"code": "pt_BR"}, "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Maria"},
                                                {"type": "text", "text": "4521"}]}]})
        self.sandbox.emit_statuses(sent.wamid, ["sent", "delivered", "read"])
        self.process_inbox()
        self.assertEqual(sent.state, "read")
        self.start_tour("/odoo/discuss", "whatsapp_crm_template_ticks_tour", login="attendant")

    def test_countdown_flips_at_expiry(self):
        # The window ends 45 s from now: the tour sees its last minute, then its end.
        self.channel.whatsapp_last_inbound_at = fields.Datetime.now() - timedelta(hours=24) + timedelta(seconds=45)
        # The attendant answering it (a member): what the tour sets in the browser is not then
        # replaced by the data Discuss fetches for a conversation one only looks at.
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.start_tour("/odoo/discuss", "whatsapp_crm_window_expiry_tour", login="attendant")
