from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .attendance_common import AttendanceCase

T0 = datetime(2026, 12, 1, 13, 0)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestSurvey(AttendanceCase):
    """The satisfaction survey after closing: interactive inside the window, the answer stored as an
    Odoo rating of the conversation and its attendant, a late answer a new message."""

    def setUp(self):
        super().setUp()
        self.set_setting("survey_enabled", True)
        with freeze_time(T0):
            self.maria, _delivery, self.channel = self.open_conversation()
            self.channel.with_user(self.attendant).action_whatsapp_take()
            self.attendant_writes(self.channel, "Trocado para sábado!")
            self.channel.with_user(self.attendant).action_whatsapp_close()
            self.send_outgoing()
        self.survey = self.channel.whatsapp_survey_message_id

    def test_survey_is_a_list_of_five_answers(self):
        self.assertEqual(self.channel.whatsapp_survey_state, "sent")
        sent = self.sandbox.state.find_sent(self.survey.wamid)
        interactive = sent.payload["interactive"]
        self.assertEqual(interactive["type"], "list", "WhatsApp shows at most 3 buttons")
        rows = interactive["action"]["sections"][0]["rows"]
        self.assertEqual([row["id"] for row in rows], [f"whatsapp_crm.survey:{value}" for value in range(1, 6)])
        self.assertEqual(rows[-1]["title"], "5 - Very good")
        self.assertIn("How would you rate this conversation?", interactive["body"]["text"])
        self.assertEqual([sent.type for sent in self.sandbox.state.sent], ["text", "text", "interactive"],
                         "reply, farewell, survey")

    def test_three_answers_are_buttons(self):
        self.set_setting("survey_scale", "3")
        with freeze_time(T0 + timedelta(minutes=1)):
            _joao, _delivery, other = self.open_conversation("Oi", wa_id="5521988887777", name="João")
            other.with_user(self.attendant).action_whatsapp_close()
            self.send_outgoing()
        payload = self.sandbox.state.find_sent(other.whatsapp_survey_message_id.wamid).payload
        self.assertEqual(payload["interactive"]["type"], "button")
        self.assertEqual([button["reply"]["id"] for button in payload["interactive"]["action"]["buttons"]],
                         ["whatsapp_crm.survey:1", "whatsapp_crm.survey:3", "whatsapp_crm.survey:5"])

    def test_answer_is_stored_as_a_rating_with_a_comment(self):
        with freeze_time(T0 + timedelta(minutes=10)):
            self.maria.list_reply("whatsapp_crm.survey:4", "4 - Good", reply_to=self.survey.wamid)
            self.process_inbox()
        rating = self.channel.whatsapp_survey_rating_id
        self.assertEqual((rating.rating, rating.consumed), (4.0, True))
        self.assertEqual((rating.res_model, rating.res_id), ("discuss.channel", self.channel.id))
        self.assertEqual(rating.rated_partner_id, self.attendant.partner_id, "the attendant who answered")
        self.assertEqual(rating.partner_id, self.channel.whatsapp_partner_id)
        self.assertEqual(self.channel.rating_last_value, 4.0, "shown on the managers' board")
        self.assertEqual(self.conversation_of(self.channel.whatsapp_partner_id), self.channel,
                         "no new conversation for the answer")
        self.assertEqual(self.channel.whatsapp_survey_state, "answered")
        with freeze_time(T0 + timedelta(minutes=12)):
            self.maria.text("Atendimento rápido, obrigada!")
            self.process_inbox()
            self.send_outgoing()
        self.assertEqual(rating.feedback, "Atendimento rápido, obrigada!")
        self.assertEqual(self.conversation_of(self.channel.whatsapp_partner_id), self.channel)
        self.assertIn("Thank you for your rating!", self.sent_texts()[-1])
        with freeze_time(T0 + timedelta(minutes=30)):
            later = self.maria.text("Outra dúvida: tem estacionamento?")
            self.process_inbox()
        self.assertNotEqual(self.whatsapp_message(later.wamid).channel_id, self.channel,
                            "after the comment window, a text opens a new conversation")
        self.assertEqual(rating.feedback, "Atendimento rápido, obrigada!")

    def test_typed_number_is_an_answer(self):
        with freeze_time(T0 + timedelta(minutes=10)):
            self.maria.text("5 - muito bom")
            self.process_inbox()
        rating = self.channel.whatsapp_survey_rating_id
        self.assertEqual((rating.rating, rating.feedback), (5.0, "muito bom"))

    def test_late_answer_is_a_new_message_not_a_rating(self):
        with freeze_time(T0 + timedelta(hours=25)):
            late = self.maria.list_reply("whatsapp_crm.survey:1", "1 - Very bad", reply_to=self.survey.wamid)
            self.process_inbox()
        rating = self.channel.whatsapp_survey_rating_id
        self.assertFalse(rating.consumed)
        self.assertEqual(rating.rating, 0)
        new_channel = self.whatsapp_message(late.wamid).channel_id
        self.assertNotEqual(new_channel, self.channel)
        self.assertEqual(new_channel.whatsapp_status, "open")
        self.assertIn("1 - Very bad", new_channel.message_ids[:1].body)

    def test_no_survey_outside_the_window(self):
        with freeze_time(T0 + timedelta(hours=30)):
            _joao, _delivery, other = self.open_conversation("Oi", wa_id="5521988887777", name="João")
        with freeze_time(T0 + timedelta(hours=55)):
            other.with_user(self.attendant).action_whatsapp_close()
        self.assertFalse(other.whatsapp_survey_state)
        self.assertFalse(self.outbound(other))
