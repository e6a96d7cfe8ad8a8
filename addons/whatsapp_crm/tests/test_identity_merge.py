"""One person, one partner whichever identifier arrives first (issue 10.11): a customer's
BSUID-only and number-only messages, both processed before the first message carrying both,
end on one partner once that message arrives (payloads 55, 59/60 and 56 have these shapes)."""
from odoo.tests import tagged

from .attendance_common import AttendanceCase

WA_ID = "5511987654321"
BSUID = "BR.1234567890ABCDEF"


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestIdentityMerge(AttendanceCase):

    def by_bsuid(self, text):
        return self.customer(None, "Maria", user_id=BSUID).text(text)

    def by_number(self, text):
        return self.customer(WA_ID, "Maria Souza").text(text)

    def by_both(self, text):
        return self.customer(WA_ID, "Maria Souza", user_id=BSUID).text(text)

    def partner_of(self, delivery):
        return self.whatsapp_message(delivery.wamid).partner_id

    def assertMergedInto(self, survivor, absorbed, deliveries):
        """Every message on ``survivor``, one open conversation, the other closed with the notice,
        nothing sent to the customer, ``absorbed`` archived without its identity."""
        self.assertEqual({self.partner_of(delivery) for delivery in deliveries}, {survivor})
        conversations = self.conversation_of(survivor)
        self.assertFalse(self.conversation_of(absorbed))
        self.assertEqual(len(conversations), 2, "the absorbed conversation stays, closed, in the history")
        kept = conversations.filtered(lambda channel: channel.whatsapp_status == "open")
        closed = conversations - kept
        self.assertEqual(len(kept), 1, "one open conversation per account and customer")
        self.assertEqual(kept, self.whatsapp_message(deliveries[-1].wamid).channel_id)
        self.assertTrue(closed.message_ids.filtered(
            lambda m: m.message_type == "notification" and "was merged with Maria Souza" in m.body
            and kept.whatsapp_protocol in m.body))
        self.assertTrue(kept.message_ids.filtered(
            lambda m: m.message_type == "notification" and closed.whatsapp_protocol in m.body))
        customer_posts = conversations.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(customer_posts.author_id, survivor)
        self.assertEqual(len(customer_posts), len(deliveries))
        self.assertFalse(self.outbound(kept) | self.outbound(closed), "no farewell, no survey")
        self.send_outgoing()
        self.assertFalse(self.sandbox.state.sent, "nothing reaches the customer")
        self.assertFalse(absorbed.active)
        self.assertFalse(absorbed.whatsapp_user_id)
        self.assertEqual((survivor.whatsapp_wa_id, survivor.whatsapp_user_id), (WA_ID, BSUID))
        return kept, closed

    def test_bsuid_then_number_then_both_is_one_partner(self):
        first = self.by_bsuid("Oi, sou eu pelo nome de usuário")
        self.process_inbox()
        absorbed = self.partner_of(first)
        self.conversation_of(absorbed).with_user(self.attendant).action_whatsapp_take()
        second = self.by_number("Oi, agora pelo número")
        self.process_inbox()
        survivor = self.partner_of(second)
        self.assertNotEqual(survivor, absorbed, "nothing says yet they are one person")
        both = self.by_both("As duas coisas juntas")
        self.process_inbox()
        kept, closed = self.assertMergedInto(survivor, absorbed, [first, second, both])
        self.assertEqual(closed.whatsapp_closing_attendant_id, self.attendant)
        self.assertEqual(kept.whatsapp_assignee_id, self.attendant, "the attendant carries on in the open one")
        self.assertIn(self.attendant.partner_id, kept.channel_member_ids.partner_id)
        self.assertFalse(closed.channel_member_ids, "attendants leave a closed conversation")

    def test_number_then_bsuid_then_both_is_one_partner(self):
        first = self.by_number("Oi, pelo número")
        second = self.by_bsuid("Oi, pelo nome de usuário")
        self.process_inbox()
        survivor, absorbed = self.partner_of(first), self.partner_of(second)
        self.assertNotEqual(survivor, absorbed)
        both = self.by_both("As duas coisas juntas")
        self.process_inbox()
        kept, _closed = self.assertMergedInto(survivor, absorbed, [first, second, both])
        self.assertFalse(kept.whatsapp_assignee_id)
        later = self.by_bsuid("De novo pelo nome")
        self.process_inbox()
        self.assertEqual(self.partner_of(later), survivor)
        self.assertEqual(self.whatsapp_message(later.wamid).channel_id, kept)

    def test_a_closed_bsuid_conversation_moves_without_a_notice(self):
        first = self.by_bsuid("Oi")
        self.process_inbox()
        absorbed = self.partner_of(first)
        self.conversation_of(absorbed).with_user(self.attendant).action_whatsapp_close(farewell=False)
        self.by_number("Oi de novo")
        both = self.by_both("Sou a mesma pessoa")
        self.process_inbox()
        survivor = self.partner_of(both)
        self.assertEqual(self.partner_of(first), survivor)
        self.assertEqual(len(self.conversation_of(survivor)), 2)
        self.assertFalse(absorbed.active)

    def test_a_bsuid_partner_with_a_number_of_its_own_only_loses_the_bsuid(self):
        """Another number's partner is someone else's identity too: it keeps its history."""
        first = self.customer("5521988887777", "Maria", user_id=BSUID).text("Pelo número antigo")
        second = self.by_number("Pelo número novo")
        self.process_inbox()
        other, survivor = self.partner_of(first), self.partner_of(second)
        both = self.by_both("As duas coisas juntas")
        self.process_inbox()
        self.assertEqual(self.partner_of(both), survivor)
        self.assertEqual(self.partner_of(first), other)
        self.assertTrue(other.active)
        self.assertFalse(other.whatsapp_user_id)
        self.assertEqual(self.conversation_of(other).whatsapp_status, "open")
