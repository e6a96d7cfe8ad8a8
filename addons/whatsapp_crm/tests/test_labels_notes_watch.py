from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestLabelsNotesWatch(AttendanceCase):
    """Labels filter the queue and the board; internal notes stay inside the team, with @mentions of
    colleagues; a supervisor watching a conversation is recorded."""

    def setUp(self):
        super().setUp()
        self.maria, _delivery, self.channel = self.open_conversation()
        _joao, _delivery, self.other = self.open_conversation("Boa tarde", wa_id="5521988887777", name="João")
        self.vip = self.env["whatsapp.label"].create({"name": "VIP", "color": 3})
        self.tickets = self.env["whatsapp.label"].create({"name": "Ingressos", "color": 5})
        self.bruno = new_test_user(self.env, "bruno", groups="whatsapp_crm.group_whatsapp_attendant",
                                   name="Bruno Atendente")

    def test_labels_filter_the_queue_and_the_board(self):
        self.channel.with_user(self.attendant).whatsapp_set_labels([self.vip.id, self.tickets.id])
        self.other.with_user(self.bruno).whatsapp_set_labels([self.tickets.id])
        self.assertEqual(self.channel.whatsapp_label_ids, self.vip | self.tickets)
        channels = self.env["discuss.channel"].with_user(self.attendant)
        unfiltered = channels.whatsapp_queue_fetch("all")
        self.assertEqual(unfiltered["counts"]["all"], 2)
        vip_only = channels.with_context(whatsapp_queue_label_ids=[self.vip.id]).whatsapp_queue_fetch("all")
        self.assertEqual(vip_only["channel_ids"], self.channel.ids)
        self.assertEqual(vip_only["counts"], {"mine": 0, "unassigned": 1, "all": 1})
        [row] = [item for item in vip_only["store_data"]["discuss.channel"] if item["id"] == self.channel.id]
        self.assertEqual(sorted(row["whatsapp_label_ids"]), sorted((self.vip | self.tickets).ids))
        self.assertEqual({item["name"] for item in vip_only["store_data"]["whatsapp.label"]}, {"VIP", "Ingressos"})
        board = self.env["discuss.channel"].with_user(self.manager).search(
            [("channel_type", "=", "whatsapp"), ("whatsapp_label_ids", "in", self.tickets.ids)])
        self.assertEqual(board, self.channel | self.other)
        self.channel.with_user(self.attendant).whatsapp_set_labels([])
        self.assertFalse(self.channel.whatsapp_label_ids)
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).whatsapp_set_labels([self.vip.id])

    def test_internal_note_with_a_mention_is_never_sent(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.assertNotIn(self.bruno.partner_id, self.channel.channel_member_ids.partner_id)
        note = self.channel.with_user(self.attendant).message_post(
            body="@Bruno Atendente pode confirmar o reembolso?", message_type="comment",
            subtype_xmlid="mail.mt_note",
            partner_ids=(self.bruno.partner_id | self.channel.whatsapp_partner_id).ids)
        self.assertTrue(note.subtype_id.internal)
        self.assertEqual(note.partner_ids, self.bruno.partner_id,
                         "a colleague who is not a member can be mentioned; the customer never is")
        notification = self.env["mail.notification"].search([("mail_message_id", "=", note.id)])
        self.assertEqual(notification.res_partner_id, self.bruno.partner_id, "Bruno is told in his inbox")
        if self.notes_stay_internal():
            self.send_outgoing()
            self.assertFalse(self.outbound(self.channel), "an internal note is never sent to the customer")
            self.assertFalse(self.sandbox.state.sent)

    def test_mention_suggestions_are_the_attendants(self):
        partners = self.env["res.partner"].with_user(self.attendant)
        result = partners.get_mention_suggestions_from_channel(self.channel.id, "Atendente")
        names = {partner["name"] for partner in result["res.partner"]}
        self.assertEqual(names, {"Ana Atendente", "Bruno Atendente"})
        self.assertFalse(partners.get_mention_suggestions_from_channel(self.channel.id, "Maria").get("res.partner"))

    def test_espiar_is_recorded_and_visible_to_managers(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        members = self.channel.channel_member_ids
        action = self.channel.with_user(self.manager).action_whatsapp_watch()
        self.assertEqual(action["tag"], "mail.action_discuss")
        self.assertEqual(action["params"]["active_id"], f"discuss.channel_{self.channel.id}")
        watch = self.env["whatsapp.watch"].with_user(self.manager).search([("channel_id", "=", self.channel.id)])
        self.assertEqual((watch.user_id, watch.assignee_id), (self.manager, self.attendant))
        self.assertEqual(self.channel.with_user(self.manager).whatsapp_watch_count, 1)
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant, "watching takes nothing")
        self.assertEqual(self.channel.channel_member_ids, members, "nor joins the conversation")
        with self.assertRaises(AccessError):
            self.channel.with_user(self.bruno).action_whatsapp_watch()
        with self.assertRaises(AccessError):
            self.env["whatsapp.watch"].with_user(self.attendant).search([])
