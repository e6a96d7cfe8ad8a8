from odoo.exceptions import UserError
from odoo.tests import tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestReplies(AttendanceCase):
    """The replies customers expect: reactions both ways, interactive buttons and lists whose taps
    come back as replies to the question."""

    def setUp(self):
        super().setUp()
        self.maria, self.first, self.channel = self.open_conversation()
        self.question = self.whatsapp_message(self.first.wamid).mail_message_id

    def react(self, content, action="add", user=None):
        user = user or self.attendant
        # As Discuss's reaction route does: sudo, the reacting user's partner given explicitly.
        self.question.with_user(user).sudo()._message_reaction(content, action, user.partner_id,
                                                                self.env["mail.guest"])

    def sent_reactions(self):
        return [sent.payload["reaction"] for sent in self.sandbox.state.sent if sent.type == "reaction"]

    def test_reaction_added_and_removed_with_the_right_wamid(self):
        self.react("👍")
        self.send_outgoing()
        self.assertEqual(self.sent_reactions(), [{"message_id": self.first.wamid, "emoji": "👍"}])
        self.react("👍", "remove")
        self.send_outgoing()
        self.assertEqual(self.sent_reactions()[-1], {"message_id": self.first.wamid, "emoji": ""})
        self.assertEqual(self.question._whatsapp_status_for_store()["direction"], "in",
                         "the customer's message keeps its own status")

    def test_one_reaction_of_the_business_per_message(self):
        self.react("👍")
        self.react("❤️", user=self.manager)
        self.react("❤️", "remove", user=self.manager)
        self.send_outgoing()
        self.assertEqual([reaction["emoji"] for reaction in self.sent_reactions()], ["👍", "❤️", "👍"])
        self.react("👍", "remove")
        self.react("👍", "remove")  # nothing left to remove: nothing sent
        self.send_outgoing()
        self.assertEqual([reaction["emoji"] for reaction in self.sent_reactions()], ["👍", "❤️", "👍", ""])

    def test_customer_reaction_is_not_echoed(self):
        self.attendant_writes(self.channel, "Claro!")
        self.send_outgoing()
        reply = self.outbound(self.channel)
        self.maria.react(reply.wamid, "🙏")
        self.process_inbox()
        self.send_outgoing()
        self.assertEqual(reply.mail_message_id.reaction_ids.content, "🙏")
        self.assertFalse(self.sent_reactions())

    def test_interactive_buttons_json_and_the_tap_comes_back_as_a_reply(self):
        message_id = self.channel.with_user(self.attendant).whatsapp_post_interactive(
            "buttons", "Confirmamos a troca para sábado?", [{"title": "Sim"}, {"title": "Não"}])
        self.send_outgoing()
        [sent] = self.sandbox.state.sent
        [queued] = self.env["whatsapp.message"].search([("mail_message_id", "=", message_id)])
        self.assertEqual(sent.payload, {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "5511987654321",
            "type": "interactive",
            "biz_opaque_callback_data": f"whatsapp_crm:{queued.id}",
            "interactive": {
                "type": "button",
                "body": {"text": "Confirmamos a troca para sábado?"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "option_1", "title": "Sim"}},
                    {"type": "reply", "reply": {"id": "option_2", "title": "Não"}},
                ]},
            },
        })
        posted = self.env["mail.message"].browse(message_id)
        self.assertEqual(posted.author_id, self.attendant.partner_id)
        self.assertIn("<li>Sim</li>", posted.body)
        tap = self.maria.button_reply("option_1", "Sim", reply_to=sent.wamid)
        self.process_inbox()
        answer = self.whatsapp_message(tap.wamid).mail_message_id
        self.assertEqual(answer.parent_id, posted, "the tap is a reply to the question")
        self.assertIn("Sim", answer.body)

    def test_interactive_list_and_limits(self):
        self.channel.with_user(self.attendant).whatsapp_post_interactive(
            "list", "Qual sessão?", [{"title": "Sábado 20h", "description": "Sala principal"},
                                     {"title": "Domingo 16h"}], button="Ver sessões")
        self.send_outgoing()
        [sent] = self.sandbox.state.sent
        self.assertEqual(sent.payload["interactive"]["action"], {"button": "Ver sessões", "sections": [{"rows": [
            {"id": "option_1", "title": "Sábado 20h", "description": "Sala principal"},
            {"id": "option_2", "title": "Domingo 16h"}]}]})
        with self.assertRaisesRegex(UserError, "At most 3 answers"):
            self.channel.with_user(self.attendant).whatsapp_post_interactive(
                "buttons", "?", [{"title": str(index)} for index in range(4)])
        with self.assertRaisesRegex(UserError, "is too long"):
            self.channel.with_user(self.attendant).whatsapp_post_interactive(
                "buttons", "?", [{"title": "Uma resposta longa demais para um botão"}])
