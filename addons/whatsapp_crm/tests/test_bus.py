import json

from odoo.tests import tagged

from odoo.addons.bus.tests.common import WebsocketCase

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestBus(WhatsAppCase, WebsocketCase):
    """An attendant connected over a real websocket sees a customer's message and its ticks arrive."""

    def test_attendant_receives_new_message_and_status(self):
        self.customer().text("Primeira mensagem")
        self.process_inbox()
        channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))
        channel.with_user(self.attendant).action_whatsapp_take()
        self.authenticate("attendant", "attendant")
        websocket = self.websocket_connect(cookie=f"session_id={self.session.sid}")
        # The attendant answers it, so is a member: Discuss subscribes them to the conversation's bus channel.
        self.subscribe(websocket, [], self.env["bus.bus"]._bus_last_id())

        delivery = self.customer().text("Chegou pelo websocket?")
        self.process_inbox()
        self.trigger_notification_dispatching([channel])
        notification = self.receive_until(websocket, lambda n: n["message"]["type"] == "discuss.channel/new_message")
        messages = notification["message"]["payload"]["data"]["mail.message"]
        self.assertIn("Chegou pelo websocket?", json.dumps(messages, ensure_ascii=False))

        self.attendant_writes(channel, "Sim!")
        self.send_outgoing()
        outbound = self.env["whatsapp.message"].search([("direction", "=", "out")], limit=1)
        self.sandbox.emit_statuses(outbound.wamid, ["delivered"])
        self.process_inbox()
        self.trigger_notification_dispatching([channel])
        notification = self.receive_until(
            websocket, lambda n: "whatsapp_status" in json.dumps(n) and "delivered" in json.dumps(n))
        records = notification["message"]["payload"]["mail.message"]
        self.assertEqual(records[0]["whatsapp_status"]["state"], "delivered")
        self.assertNotEqual(delivery.wamid, outbound.wamid)
