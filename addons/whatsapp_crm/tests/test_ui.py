from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUi(WhatsAppCase):
    """Discuss in a browser: the WhatsApp category, a reply from the composer, the delivery ticks."""

    def setUp(self):
        super().setUp()
        delivery = self.customer().text("Preciso de ajuda com meu pedido")
        self.process_inbox()
        self.channel = self.whatsapp_message(delivery.wamid).channel_id

    def test_reply_from_discuss(self):
        self.start_tour("/odoo/discuss", "whatsapp_crm_reply_tour", login="attendant")
        self.env.invalidate_all()  # the tour wrote through the browser's requests
        reply = self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id), ("direction", "=", "out")])
        self.assertEqual(len(reply), 1)
        self.assertIn("Vou verificar agora mesmo", reply.mail_message_id.body)
        self.assertEqual(reply.mail_message_id.author_id, self.attendant.partner_id)
        self.assertEqual(reply.state, "outgoing")

        self.send_outgoing()
        self.assertEqual(reply.state, "accepted")
        self.sandbox.emit_statuses(reply.wamid, ["sent", "delivered", "read"])
        self.process_inbox()
        self.assertEqual(reply.state, "read")

    def test_delivery_ticks_and_closed_window(self):
        self.attendant_writes(self.channel, "Primeira resposta")
        read = self.send_outgoing()
        self.sandbox.emit_statuses(read.wamid, ["sent", "delivered", "read"])
        self.process_inbox()
        self.attendant_writes(self.channel, "Segunda resposta")
        self.sandbox.state.inject_failure("messages", code=131047)
        failed = self.send_outgoing()
        self.assertEqual((read.state, failed.state, failed.error_code), ("read", "failed", 131047))
        self.channel.whatsapp_last_inbound_at = fields.Datetime.now() - timedelta(hours=25)
        self.start_tour("/odoo/discuss", "whatsapp_crm_delivery_tour", login="attendant")
