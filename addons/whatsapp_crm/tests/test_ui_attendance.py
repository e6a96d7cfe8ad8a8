"""The attendant's day in a browser: quick replies, closing with the farewell, a rating arriving."""
from odoo.tests import tagged

from odoo.addons.queue_job.job import Job
from odoo.addons.whatsapp_crm.models.whatsapp_inbox import DRAIN_IDENTITY

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiAttendance(AttendanceCase):

    def setUp(self):
        super().setUp()
        self.maria, _delivery, self.channel = self.open_conversation("Preciso de ajuda com meu pedido")

    def test_quick_reply_label_and_note(self):
        self.env["mail.canned.response"].with_user(self.manager).create({
            "source": "oi",
            "substitution": "Olá, {{primeiro_nome}}! Seu protocolo é {{protocolo}}. Aqui é {{atendente}}.",
            "whatsapp_scope": "everyone",
        })
        vip = self.env["whatsapp.label"].create({"name": "VIP", "color": 2})
        # The attendant answering it: read receipts come from the assignee's screen, not from
        # whoever looks at a conversation from the queue.
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.start_tour("/odoo/discuss", "whatsapp_crm_quick_reply_tour", login="attendant")
        self.env.invalidate_all()  # the tour wrote through the browser's requests
        reply = self.outbound(self.channel).filtered(lambda m: "Cliente já trocou" not in m.mail_message_id.body)
        self.assertEqual(len(reply), 1)
        self.assertIn(f"Olá, Maria! Seu protocolo é {self.channel.whatsapp_protocol}. Aqui é Ana Atendente.",
                      reply.mail_message_id.body)
        self.assertEqual(self.channel.whatsapp_label_ids, vip)
        note = self.channel.message_ids.filtered(lambda m: "Cliente já trocou" in (m.body or ""))
        self.assertTrue(note.subtype_id.internal, "the composer's note toggle posts an internal note")
        if self.notes_stay_internal():
            self.assertFalse(self.outbound(self.channel).filtered(lambda m: m.mail_message_id == note))
        # The attendant had the conversation on screen, focused: the customer's message gets blue ticks.
        self.assertEqual(self.channel.whatsapp_read_message_id.mail_message_id.body,
                         "<p>Preciso de ajuda com meu pedido</p>")
        self.send_read_receipts()
        self.assertEqual([read.message_id for read in self.sandbox.state.reads],
                         [self.channel.whatsapp_read_message_id.wamid])

    def test_close_with_farewell(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.start_tour("/odoo/discuss", "whatsapp_crm_close_tour", login="attendant")
        self.env.invalidate_all()
        self.assertEqual(self.channel.whatsapp_status, "closed")
        self.assertEqual(self.channel.whatsapp_close_reason_id,
                         self.env.ref("whatsapp_crm.whatsapp_close_reason_resolved"))
        self.send_outgoing()
        self.assertEqual(self.sent_texts(), [
            "Thank you for contacting us! This conversation is now closed. "
            f"Your protocol number is {self.channel.whatsapp_protocol}."])

    def test_rating_arrives(self):
        self.set_setting("survey_enabled", True)
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.channel.with_user(self.attendant).action_whatsapp_close()
        self.send_outgoing()
        survey = self.channel.whatsapp_survey_message_id
        self.maria.list_reply("whatsapp_crm.survey:5", "5 - Very good", reply_to=survey.wamid)  # stored, not processed
        self.env["whatsapp.inbox"]._wake_drain()  # what the POST's commit does (no commit inside a test)
        # queue_job's runner takes the pending drain job: it marks it enqueued, then calls
        # /queue_job/runjob, which the tour does once the manager is looking at the conversation.
        drain = self.env["queue.job"].search([("identity_key", "=", DRAIN_IDENTITY), ("state", "=", "pending")])
        self.assertEqual(len(drain), 1, "the customer's answer waits for one drain job")
        job = Job.load(self.env, drain.uuid)
        job.set_enqueued()
        job.store()
        self.start_tour(f"/odoo/discuss?active_id=discuss.channel_{self.channel.id}", "whatsapp_crm_rating_tour",
                        login="admin")
        self.env.invalidate_all()
        self.assertEqual(drain.state, "done")
        rating = self.channel.whatsapp_survey_rating_id
        self.assertEqual((rating.rating, rating.consumed, rating.rated_partner_id), (5.0, True, self.attendant.partner_id))


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiSidebarLayout(AttendanceCase):
    """The queue tabs and their counts fit at 1280 px with three-digit counts."""

    browser_size = "1280x800"

    def test_tabs_fit_with_three_digit_counts(self):
        # In Portuguese, as attendants read them: "Minhas", "Não atribuídas", "Todas".
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["mail", "whatsapp_crm"], ["pt_BR"])
        self.attendant.lang = "pt_BR"
        self.open_conversation("Preciso de ajuda com meu pedido")
        self.start_tour("/odoo/discuss", "whatsapp_crm_sidebar_layout_tour", login="attendant")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiInteractive(AttendanceCase):

    def test_buttons_from_the_dialog(self):
        _maria, _delivery, channel = self.open_conversation("Preciso de ajuda com meu pedido")
        self.start_tour("/odoo/discuss", "whatsapp_crm_interactive_tour", login="attendant")
        self.env.invalidate_all()
        [question] = self.outbound(channel)
        self.assertEqual(question.message_type, "interactive")
        self.send_outgoing()
        self.assertEqual(self.sandbox.state.find_sent(question.wamid).payload["interactive"]["action"]["buttons"], [
            {"type": "reply", "reply": {"id": "option_1", "title": "Sim"}},
            {"type": "reply", "reply": {"id": "option_2", "title": "Não"}}])
