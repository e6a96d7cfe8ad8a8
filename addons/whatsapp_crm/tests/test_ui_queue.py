from odoo.tests import new_test_user, tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiQueue(WhatsAppCase):
    """The attendants' queue in Discuss: filter tabs with live counts, who answers, the
    take / release / transfer / close actions."""

    def setUp(self):
        super().setUp()
        delivery = self.customer().text("Preciso de ajuda com meu pedido")
        self.process_inbox()
        self.channel = self.whatsapp_message(delivery.wamid).channel_id

    def test_take_reply_release(self):
        self.assertEqual(self.channel.whatsapp_queue_state, "unassigned")
        self.start_tour("/odoo/discuss", "whatsapp_crm_queue_tour", login="attendant")
        self.env.invalidate_all()  # the tour wrote through the browser's requests
        self.assertFalse(self.channel.whatsapp_assignee_id)
        self.assertEqual(self.channel.whatsapp_queue_state, "unassigned")
        reply = self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id), ("direction", "=", "out")])
        self.assertEqual(len(reply), 1)
        self.assertIn("Já estou verificando o seu pedido", reply.mail_message_id.body)
        self.assertEqual(reply.mail_message_id.author_id, self.attendant.partner_id)
        notices = self.channel.message_ids.filtered(lambda message: message.message_type == "notification")
        self.assertIn("Ana Atendente is now answering.", notices.mapped("body")[1])
        self.assertIn("Ana Atendente returned the conversation to the queue.", notices.mapped("body")[0])
        self.assertFalse(reply.filtered(lambda message: message.mail_message_id in notices),
                         "notices stay in Odoo, never sent to the customer")

    def test_manager_transfer_and_close(self):
        beto = new_test_user(self.env, "attendant2", groups="whatsapp_crm.group_whatsapp_attendant",
                             name="Beto Atendente")
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.start_tour("/odoo/discuss", "whatsapp_crm_queue_manager_tour", login="wa_manager")
        self.env.invalidate_all()
        self.assertEqual(self.channel.whatsapp_status, "closed")
        self.assertEqual(self.channel.whatsapp_queue_state, "closed")
        self.assertFalse(self.channel.whatsapp_assignee_id)
        self.assertFalse(self.channel.channel_member_ids, "attendants (Beto included) left the closed conversation")
        transfer = self.channel.message_ids.filtered(lambda message: "transferred the conversation" in message.body)
        self.assertIn(beto.name, transfer.body)
        self.assertIn("Cliente quer trocar o ingresso de sábado", transfer.body)
        # Nothing written to the customer but the farewell message of "Finalizar" (test_closing.py).
        outbound = self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id),
                                                        ("direction", "=", "out")])
        self.assertEqual(len(outbound), 1)
        self.assertIn("Thank you for contacting us!", outbound.mail_message_id.body)
