from odoo.tests import tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiNotify(WhatsAppCase):
    """The permission prompt after login and the "(n)" title of what needs the attendant."""

    def test_permission_prompt_and_title_counter(self):
        self.customer().text("Alguém pode me ajudar?")
        self.customer("5511922223333", "João Lima").text("Bom dia")
        self.process_inbox()
        waiting = self.conversation_of(self.partner_by_wa_id("5511987654321"))
        answered = self.conversation_of(self.partner_by_wa_id("5511922223333"))
        answered.with_user(self.attendant).action_whatsapp_take()
        # Ana read João's message: only the waiting conversation needs her.
        answered.with_user(self.attendant).self_member_id._mark_as_read(answered.message_ids[:1].id)
        self.assertEqual(self.env["discuss.channel"].with_user(self.attendant).whatsapp_attention_counts(),
                         {"mine_unread": 0, "unassigned": 1})
        self.start_tour("/odoo/discuss", "whatsapp_crm_notify_tour", login="attendant")
        self.env.invalidate_all()
        self.assertFalse(answered.whatsapp_assignee_id, "the tour returned it to the queue")
        self.assertEqual(waiting.whatsapp_queue_state, "unassigned")
