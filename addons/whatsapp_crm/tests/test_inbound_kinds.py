"""Message kinds seen in real traffic get their meaning (issue 10.12), through the signed webhook."""
from odoo.tests import tagged

from meta_sandbox import webhooks

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestInboundKinds(WhatsAppCase):

    def comments_of(self, partner):
        return self.conversation_of(partner).message_ids.filtered(lambda m: m.message_type == "comment")

    def test_a_number_that_is_not_digits_fails_with_a_reason(self):
        message = webhooks.text_message("bla", "quem sou eu?")
        response = self.post_webhook(webhooks.messages_payload(self.sandbox.business, [message],
                                                               [webhooks.contact("bla", "Bla")]))
        self.assertEqual(response.status_code, 200)
        event = self.process_inbox()
        self.assertEqual(event.state, "failed")
        self.assertIn("digits", event.error)
        self.assertFalse(self.env["res.partner"].search([("phone", "=", "+bla")]))
        self.assertFalse(self.whatsapp_message(message["id"]))

    def test_edit_updates_the_text_and_keeps_the_history(self):
        customer = self.customer()
        original = customer.text("Quero 2 ingressos")
        self.process_inbox()
        customer.edit(original.wamid, "Quero 3 ingressos")
        self.process_inbox()
        partner = self.partner_by_wa_id(customer.wa_id)
        self.assertEqual(len(self.comments_of(partner)), 1, "an edit is not a new message")
        body = self.whatsapp_message(original.wamid).mail_message_id.body
        self.assertLess(body.index("Quero 3 ingressos"), body.index("Quero 2 ingressos"),
                        "the new version first, the earlier one kept below")
        self.assertIn("Edited by the customer", body)

    def test_an_edit_processed_before_its_message_is_applied_when_it_arrives(self):
        customer = self.customer()
        original = customer.text("versão 1", send=False)
        customer.edit(original.wamid, "versão 2")
        self.process_inbox()
        self.sandbox.send_batch([original])
        self.process_inbox()
        body = self.whatsapp_message(original.wamid).mail_message_id.body
        self.assertIn("versão 2", body)
        self.assertIn("versão 1", body)

    def test_revoke_marks_the_message_deleted_by_the_customer(self):
        customer = self.customer()
        original = customer.text("meu CPF é 123")
        self.process_inbox()
        customer.revoke(original.wamid)
        self.process_inbox()
        body = self.whatsapp_message(original.wamid).mail_message_id.body
        self.assertIn("<s>", body)
        self.assertIn("Deleted by the customer", body)
        self.assertEqual(len(self.comments_of(self.partner_by_wa_id(customer.wa_id))), 1)

    def test_number_change_links_the_new_number_to_the_same_partner(self):
        customer = self.customer("5511987654321", "Maria Souza")
        customer.text("Oi, é a Maria")
        self.process_inbox()
        partner = self.partner_by_wa_id("5511987654321")
        customer.change_number("5511912345678")
        customer.text("Agora com número novo")
        events = self.process_inbox()
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("error"))
        self.assertEqual(self.partner_by_wa_id("5511912345678"), partner)
        self.assertFalse(self.partner_by_wa_id("5511987654321"))
        self.assertEqual(partner.phone, "+5511912345678")
        channel = self.conversation_of(partner)
        self.assertEqual(len(channel), 1, "one conversation, whatever the number")
        notice = channel.message_ids.filtered(lambda m: "+5511912345678" in (m.body or ""))
        self.assertEqual(notice.message_type, "notification", "WhatsApp's notice, not the customer's words")
        self.assertEqual(len(self.comments_of(partner)), 2)

    def test_group_messages_never_enter_the_conversation(self):
        customer = self.customer()
        customer.text("oi, só eu")
        delivery = customer.text("oi, grupo", group_id="Y2FwaV9ncm91cDoxNzA1NTU1MDEzOTo=")
        events = self.process_inbox()
        group_event = events.filtered(lambda e: "oi, grupo" in e.inbox_id.raw_body)
        self.assertEqual(group_event.state, "quarantined")
        self.assertIn("group", group_event.error)
        self.assertFalse(self.whatsapp_message(delivery.wamid))
        partner = self.partner_by_wa_id(customer.wa_id)
        self.assertNotIn("oi, grupo", "".join(self.comments_of(partner).mapped("body")))

    def test_order_flow_welcome_and_forwarded_are_shown(self):
        customer = self.customer()
        welcome = customer.open_chat()
        order = customer.order([("CAMISETA-P", 2, 59.9, "BRL"), ("CANECA", 1, "25", "BRL")], text="Entrega sábado?")
        flow = customer.flow_reply({"assento": "A12", "horario": "20h"})
        forwarded = customer.text("Olha essa promoção", forwarded="frequently")
        events = self.process_inbox()
        self.assertEqual(set(events.mapped("state")), {"done"}, events.mapped("error"))
        order_body = self.whatsapp_message(order.wamid).mail_message_id.body
        self.assertIn("2 × CAMISETA-P — 59.9 BRL each", order_body)
        self.assertIn("Total: 144.8 BRL", order_body)
        self.assertIn("assento: A12", self.whatsapp_message(flow.wamid).mail_message_id.body)
        self.assertIn("Forwarded many times", self.whatsapp_message(forwarded.wamid).mail_message_id.body)
        welcome_message = self.whatsapp_message(welcome.wamid).mail_message_id
        self.assertEqual(welcome_message.message_type, "notification")
        self.assertTrue(self.conversation_of(self.partner_by_wa_id(customer.wa_id)).whatsapp_window_expires_at)

    def test_unknown_status_values_are_stored(self):
        statuses = [webhooks.status_item("wamid.unknown-status", "deleted", "5511987654321"),
                    webhooks.status_item("wamid.unknown-status", "warning", "5511987654321")]
        self.assertEqual(self.post_webhook(webhooks.statuses_payload(self.sandbox.business, statuses)).status_code, 200)
        items = self.process_inbox()
        self.assertEqual(items.mapped("state"), ["done", "done"], "one item per status")
        stored = self.env["whatsapp.message.status"].search([("wamid", "=", "wamid.unknown-status")])
        self.assertEqual(sorted(stored.mapped("status")), ["deleted", "warning"])
