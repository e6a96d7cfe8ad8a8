import json
from contextlib import closing
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.whatsapp_crm.models.discuss_channel import queue_subchannel

from .common import WhatsAppCase


class AssignmentCase(WhatsAppCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bruno = new_test_user(cls.env, "bruno", groups="whatsapp_crm.group_whatsapp_attendant",
                                  name="Bruno Atendente")

    def setUp(self):
        super().setUp()
        self.maria = self.customer("5511987654321", "Maria Souza")
        self.maria.text("Olá, quero trocar meu ingresso")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))

    def notices(self):
        return self.channel.message_ids.filtered(lambda m: m.message_type == "notification")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAssignment(AssignmentCase):

    def test_new_conversation_waits_in_the_queue(self):
        self.assertEqual(self.channel.whatsapp_queue_state, "unassigned")
        self.assertFalse(self.channel.whatsapp_assignee_id)

    def test_take_assigns_and_posts_a_notice_not_sent_to_the_customer(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        self.assertEqual(self.channel.whatsapp_queue_state, "assigned")
        self.assertTrue(self.channel.whatsapp_assigned_at)
        self.assertIn("Ana Atendente is now answering", self.notices()[:1].body)
        self.assertFalse(self.env["whatsapp.message"].search([("direction", "=", "out")]))

    def test_second_taker_is_told_who_was_faster(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        with self.assertRaisesRegex(UserError, "Ana Atendente is already answering"):
            self.channel.with_user(self.bruno).action_whatsapp_take()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        self.assertTrue(self.channel.with_user(self.attendant).action_whatsapp_take(), "taking twice is harmless")

    def test_release_returns_to_the_queue(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        with self.assertRaises(AccessError):
            self.channel.with_user(self.bruno).action_whatsapp_release()
        self.channel.with_user(self.attendant).action_whatsapp_release()
        self.assertFalse(self.channel.whatsapp_assignee_id)
        self.assertEqual(self.channel.whatsapp_queue_state, "unassigned")
        self.assertIn("returned the conversation to the queue", self.notices()[:1].body)

    def test_transfer_with_a_note(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.channel.with_user(self.attendant).action_whatsapp_transfer(self.bruno.id, note="Cliente VIP")
        self.assertEqual(self.channel.whatsapp_assignee_id, self.bruno)
        self.assertIn(self.bruno.partner_id, self.channel.channel_member_ids.partner_id)
        self.assertIn("transferred the conversation to Bruno Atendente", self.notices()[:1].body)
        self.assertIn("Cliente VIP", self.notices()[:1].body)
        with self.assertRaises(UserError):
            self.channel.with_user(self.bruno).action_whatsapp_transfer(self.employee.id)

    def test_note_is_escaped(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.channel.with_user(self.attendant).action_whatsapp_transfer(self.bruno.id, note="<img src=x onerror=1>")
        self.assertNotIn("<img", self.notices()[:1].body)

    def test_transfer_candidates_are_the_attendants(self):
        names = [candidate["name"] for candidate in
                 self.channel.with_user(self.attendant).whatsapp_transfer_candidates()]
        self.assertIn("Bruno Atendente", names)
        self.assertIn("Gabi Gerente", names, "managers are attendants too")
        self.assertNotIn("Edu Employee", names)
        self.assertNotIn(self.processing_user.name, names)
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).whatsapp_transfer_candidates()

    def test_transfers_only_to_active_internal_attendants(self):
        """Issue 10 point 6: the server refuses what the dialog does not offer, and offers what it accepts."""
        archived = new_test_user(self.env, "archived", groups="whatsapp_crm.group_whatsapp_attendant",
                                 name="Ari Arquivado")
        archived.active = False
        portal = new_test_user(self.env, "portal", groups="base.group_portal", name="Paula Portal")
        self.channel.with_user(self.attendant).action_whatsapp_take()
        candidates = self.env["res.users"].browse(
            candidate["id"] for candidate in self.channel.with_user(self.attendant).whatsapp_transfer_candidates())
        admin = self.env.ref("base.user_admin")  # a WhatsApp manager at install
        self.assertEqual(set(candidates.mapped("name")),
                         {"Ana Atendente", "Bruno Atendente", "Gabi Gerente", admin.name})
        for target in (self.processing_user, archived, portal, self.employee, self.env.ref("base.user_root")):
            with self.subTest(target=target.name), self.assertRaisesRegex(UserError, "active WhatsApp attendant"):
                self.channel.with_user(self.attendant).action_whatsapp_transfer(target.id)
            self.assertNotIn(target, candidates)
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        for target in candidates - self.attendant:
            with self.subTest(target=target.name), closing(self.env.cr.savepoint()):
                self.channel.with_user(self.manager).action_whatsapp_transfer(target.id)
                self.assertEqual(self.channel.whatsapp_assignee_id, target)
            self.env.invalidate_all()

    def test_managers_reassign_anyone(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.channel.with_user(self.manager).action_whatsapp_transfer(self.bruno.id)
        self.assertEqual(self.channel.whatsapp_assignee_id, self.bruno)
        self.channel.with_user(self.manager).action_whatsapp_release()
        self.assertFalse(self.channel.whatsapp_assignee_id)

    def test_employees_cannot_take(self):
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).action_whatsapp_take()

    def test_reply_waits_for_the_customer_and_customer_brings_it_back(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.attendant_writes(self.channel, "Claro! Para qual data?")
        self.assertEqual(self.channel.whatsapp_queue_state, "waiting_customer")
        self.maria.text("Sábado")
        self.process_inbox()
        self.assertEqual(self.channel.whatsapp_queue_state, "assigned")

    def test_closed_conversation_reopens_as_a_new_one(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.channel.with_user(self.attendant).action_whatsapp_close()
        self.assertEqual((self.channel.whatsapp_status, self.channel.whatsapp_queue_state), ("closed", "closed"))
        self.assertFalse(self.channel.channel_member_ids, "attendants leave a closed conversation")
        self.assertTrue(self.channel.with_user(self.attendant).message_ids, "it stays readable to them")
        self.assertTrue(self.channel.with_user(self.attendant).message_ids)
        self.maria.text("Mais uma dúvida")
        self.process_inbox()
        channels = self.conversation_of(self.partner_by_wa_id("5511987654321"))
        self.assertEqual(len(channels), 2)
        self.assertEqual((channels - self.channel).whatsapp_queue_state, "unassigned")

    def test_queue_filters(self):
        other = self.customer("5511987650000", "Outro")
        other.text("oi")
        self.process_inbox()
        self.channel.with_user(self.attendant).action_whatsapp_take()
        result = self.env["discuss.channel"].with_user(self.attendant).whatsapp_queue_fetch("mine")
        self.assertEqual(result["channel_ids"], self.channel.ids)
        self.assertEqual(result["counts"], {"mine": 1, "unassigned": 1, "all": 2})
        unassigned = self.env["discuss.channel"].with_user(self.bruno).whatsapp_queue_fetch("unassigned")
        self.assertNotIn(self.channel.id, unassigned["channel_ids"])
        self.assertEqual(unassigned["counts"]["mine"], 0)
        with self.assertRaises(AccessError):
            self.env["discuss.channel"].with_user(self.employee).whatsapp_queue_fetch("all")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAutoRelease(AssignmentCase):

    def test_idle_boundary_and_what_counts_as_activity(self):
        start = fields.Datetime.now()
        with freeze_time(start):
            self.channel.with_user(self.attendant).action_whatsapp_take()
        release = self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_release_idle
        with freeze_time(start + timedelta(minutes=29, seconds=59)):
            self.maria.text("Alô?")  # a customer's message is not attendant activity
            self.process_inbox()
            release()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        with freeze_time(start + timedelta(minutes=25)):
            member = self.channel.channel_member_ids.filtered(lambda m: m.partner_id == self.attendant.partner_id)
            member.with_user(self.attendant)._notify_typing(True)  # typing is activity
        with freeze_time(start + timedelta(minutes=31)):
            release()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant, "typing at 25 min reset the clock")
        with freeze_time(start + timedelta(minutes=50)):
            self.attendant_writes(self.channel, "Estou verificando")  # a reply is activity
        with freeze_time(start + timedelta(minutes=79)):
            release()
        self.assertEqual(self.channel.whatsapp_assignee_id, self.attendant)
        with freeze_time(start + timedelta(minutes=80, seconds=1)):
            release()
        self.assertFalse(self.channel.whatsapp_assignee_id)
        self.assertEqual(self.channel.whatsapp_queue_state, "unassigned")
        notice = self.notices()[:1]
        self.assertIn("without activity", notice.body)
        self.assertEqual(notice.author_id, self.env.ref("base.partner_root"))
        self.assertTrue(notice.email_from and notice.reply_to)

    def test_configurable_delay(self):
        self.env["ir.config_parameter"].sudo().set_param("whatsapp_crm.auto_release_minutes", "5")
        start = fields.Datetime.now()
        with freeze_time(start):
            self.channel.with_user(self.attendant).action_whatsapp_take()
        with freeze_time(start + timedelta(minutes=5, seconds=1)):
            self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_release_idle()
        self.assertFalse(self.channel.whatsapp_assignee_id)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestTypingIndicator(AssignmentCase):

    def test_attendant_typing_shows_typing_to_the_customer(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()  # the assignee is the member
        member = self.channel.channel_member_ids.filtered(lambda m: m.partner_id == self.attendant.partner_id)
        member.with_user(self.attendant)._notify_typing(True)
        member.with_user(self.attendant)._notify_typing(True)  # throttled: one Graph call
        self.send_outgoing()
        self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_send_typing_indicators(
            fields.Datetime.now() - timedelta(seconds=25))
        reads = self.sandbox.state.reads
        self.assertEqual(len(reads), 1)
        last_inbound = self.env["whatsapp.message"].search([("direction", "=", "in")], limit=1)
        self.assertEqual(reads[0].message_id, last_inbound.wamid)
        self.assertTrue(reads[0].typing_indicator)
        self.assertFalse(self.channel.whatsapp_typing_requested_at)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestQueueBus(AssignmentCase, WebsocketCase):

    def test_non_member_attendant_sees_assignment_live(self):
        self.assertFalse(self.channel.channel_member_ids)
        self.authenticate("bruno", "bruno")
        websocket = self.websocket_connect(cookie=f"session_id={self.session.sid}")
        self.subscribe(websocket, ["whatsapp_crm.queue"], self.env["bus.bus"]._bus_last_id())
        self.channel.with_user(self.attendant).action_whatsapp_take()
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        self.trigger_notification_dispatching([(group, queue_subchannel(self.env.company))])
        for _ in range(20):
            notifications = json.loads(websocket.recv())
            channels = [record for notification in notifications
                        for record in notification["message"]["payload"].get("discuss.channel", [])]
            if any(record.get("whatsapp_queue_state") == "assigned" for record in channels):
                break
        else:
            self.fail("the assignment never reached the queue subscriber")
        record = next(record for record in channels if record["id"] == self.channel.id)
        self.assertEqual(record["whatsapp_assignee_id"], self.attendant.id)

    def test_the_queue_is_refused_to_employees(self):
        from odoo.addons.bus.models.bus import channel_with_db, hashable
        from odoo.addons.bus.websocket import dispatch

        sockets = {}
        for login in ("bruno", "employee"):
            session = self.authenticate(login, login)
            sockets[login] = self.websocket_connect(cookie=f"session_id={session.sid}")
            self.subscribe(sockets[login], ["whatsapp_crm.queue"], self.env["bus.bus"]._bus_last_id())
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        key = hashable(channel_with_db(self.registry.db_name, (group, queue_subchannel(self.env.company))))
        subscribers = dispatch._channels_to_ws.get(key, set())
        self.assertEqual(len(subscribers), 1, "only the attendant's websocket listens to the queue")
