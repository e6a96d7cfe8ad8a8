import json
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.bus.models.bus import channel_with_db, dispatch, hashable
from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.whatsapp_crm.models.discuss_channel import QUEUE_SUBCHANNEL

from .common import WhatsAppCase


class MembershipCase(WhatsAppCase, WebsocketCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bruno = new_test_user(cls.env, "bruno", groups="whatsapp_crm.group_whatsapp_attendant",
                                  name="Bruno Atendente")

    def open_conversation(self, wa_id, name, text="Olá"):
        delivery = self.customer(wa_id, name).text(text)
        self.process_inbox()
        return self.whatsapp_message(delivery.wamid).channel_id

    def members(self, channel):
        channel.invalidate_recordset(["channel_member_ids"])
        return channel.channel_member_ids.partner_id

    def key(self, target):
        return hashable(channel_with_db(self.registry.db_name, target))

    def listen(self, login, password, channels=()):
        """A websocket of ``login`` subscribed as the web client does; returns (websocket, the bus
        channels the server made it listen to)."""
        session = self.authenticate(login, password)
        websocket = self.websocket_connect(cookie=f"session_id={session.sid}")
        self.subscribe(websocket, list(channels), self.env["bus.bus"]._bus_last_id())
        user = self.env["res.users"].search([("login", "=", login)])
        (server_side,) = dispatch._channels_to_ws[self.key(user.partner_id)]
        return websocket, server_side._channels


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMembership(MembershipCase):
    """Issue 18 point 4: an attendant is a member of the conversations they answer, not of every open
    conversation; the customer is never a member (issue 10 point 3)."""

    def test_only_the_assignee_is_a_member(self):
        channel = self.open_conversation("5511987654321", "Maria Souza")
        self.assertFalse(self.members(channel), "nobody joins a new conversation: it waits in the queue")
        channel.with_user(self.attendant).action_whatsapp_take()
        self.assertEqual(self.members(channel), self.attendant.partner_id)
        channel.with_user(self.attendant).action_whatsapp_transfer(self.bruno.id)
        self.assertEqual(self.members(channel), self.bruno.partner_id)
        channel.with_user(self.bruno).action_whatsapp_release()
        self.assertFalse(self.members(channel))
        start = fields.Datetime.now()
        with freeze_time(start):
            channel.with_user(self.bruno).action_whatsapp_take()
        with freeze_time(start + timedelta(hours=2)):
            self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_release_idle()
        self.assertFalse(channel.whatsapp_assignee_id)
        self.assertFalse(self.members(channel), "auto-release ends the membership too")
        channel.with_user(self.attendant).action_whatsapp_take()
        channel.with_user(self.attendant).action_whatsapp_close()
        self.assertFalse(self.members(channel))

    def test_leaving_is_announced_to_the_clients(self):
        channel = self.open_conversation("5511987654321", "Maria Souza")
        channel.with_user(self.attendant).action_whatsapp_take()
        member = channel.channel_member_ids
        self.env.cr.precommit.run()
        bus_before = self.env["bus.bus"]._bus_last_id()
        channel.with_user(self.attendant).action_whatsapp_release()
        self.env.cr.precommit.run()
        payloads = [json.loads(n.message) for n in self.env["bus.bus"].sudo().search([("id", ">", bus_before)])]
        deleted = [record["id"] for payload in payloads if payload["type"] == "mail.record/insert"
                   for record in payload["payload"].get("discuss.channel.member", []) if record.get("_DELETE")]
        self.assertIn(member.id, deleted, "the former assignee's client forgets its membership")

    def test_websocket_listens_to_the_queue_and_own_and_opened_conversations(self):
        channels = [self.open_conversation(f"55119876500{i:02d}", f"Cliente {i}") for i in range(5)]
        mine, opened, others = channels[0], channels[1], channels[2:]
        mine.with_user(self.attendant).action_whatsapp_take()
        others[0].with_user(self.bruno).action_whatsapp_take()
        _ws, listening = self.listen("attendant", "attendant",
                                     ["whatsapp_crm.queue", f"discuss.channel_{opened.id}"])
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        self.assertIn(self.key((group, f"{QUEUE_SUBCHANNEL}:{self.env.company.id}")), listening)
        self.assertIn(self.key(mine), listening)
        self.assertIn(self.key(opened), listening)
        for channel in others:
            self.assertNotIn(self.key(channel), listening)
        whatsapp = {key for key in listening if len(key) >= 3 and key[1] == "discuss.channel"
                    and key[2] in self.env["discuss.channel"].search([("channel_type", "=", "whatsapp")]).ids}
        self.assertEqual({key[2] for key in whatsapp}, {mine.id, opened.id},
                         "the subscription does not grow with the open conversations")

    def test_outsiders_cannot_listen_to_a_conversation(self):
        channel = self.open_conversation("5511987654321", "Maria Souza")
        customer_user = new_test_user(self.env, "maria", groups="base.group_portal",
                                      partner_id=channel.whatsapp_partner_id.id)
        for login, password in (("employee", "employee"), ("maria", "mariaxxx")):
            with self.subTest(login):
                _ws, listening = self.listen(login, password, ["whatsapp_crm.queue", f"discuss.channel_{channel.id}"])
                self.assertNotIn(self.key(channel), listening)
                self.assertFalse([key for key in listening if QUEUE_SUBCHANNEL in str(key)])
        self.assertTrue(customer_user)

    def test_an_opened_conversation_is_followed_live(self):
        channel = self.open_conversation("5511987654321", "Maria Souza")
        websocket, _listening = self.listen("attendant", "attendant", [f"discuss.channel_{channel.id}"])
        self.customer("5511987654321", "Maria Souza").text("Chegou para quem abriu?")
        self.process_inbox()
        self.trigger_notification_dispatching([channel])
        notification = self.receive_until(
            websocket, lambda n: n["message"]["type"] == "discuss.channel/new_message")
        self.assertIn("Chegou para quem abriu?", json.dumps(notification, ensure_ascii=False))
        self.assertNotIn(self.attendant.partner_id, self.members(channel))


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestQueuePerCompany(MembershipCase):
    """The queue's live updates carry customers' names: each company's attendants hear their own."""

    def test_queue_updates_stay_in_the_company(self):
        company_b = self.env["res.company"].create({"name": "Filarmônica Norte"})
        new_test_user(self.env, "attendant_b", groups="whatsapp_crm.group_whatsapp_attendant",
                      company_id=company_b.id, company_ids=[(6, 0, company_b.ids)])
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        _ws, listening_b = self.listen("attendant_b", "attendant_b", ["whatsapp_crm.queue"])
        self.assertIn(self.key((group, f"{QUEUE_SUBCHANNEL}:{company_b.id}")), listening_b)
        self.assertNotIn(self.key((group, f"{QUEUE_SUBCHANNEL}:{self.env.company.id}")), listening_b)
        self.assertNotIn(self.key((group, QUEUE_SUBCHANNEL)), listening_b)
        self.env.cr.precommit.run()
        bus_before = self.env["bus.bus"]._bus_last_id()
        self.open_conversation("5511987654321", "Maria Souza")
        self.env.cr.precommit.run()
        targets = set(self.env["bus.bus"].sudo().search([("id", ">", bus_before)]).mapped("channel"))
        queue_a = json.dumps(channel_with_db(self.registry.db_name, (group, f"{QUEUE_SUBCHANNEL}:{self.env.company.id}")))
        self.assertIn(queue_a.replace(" ", ""), {target.replace(" ", "") for target in targets})
        self.assertFalse([target for target in targets if f"{QUEUE_SUBCHANNEL}:{company_b.id}" in target])
