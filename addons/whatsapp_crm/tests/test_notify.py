import json
import time
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.bus.tests.common import WebsocketCase
from odoo.addons.whatsapp_crm.models.discuss_channel_notify import PUSH_BATCH_KEY, PUSH_LATER_IDENTITY
from odoo.addons.whatsapp_crm.models.whatsapp_push import PUSH_INTERVAL_PARAM, PUSH_TTL_PARAM
from odoo.addons.whatsapp_crm.tools import web_push_request

from .common import WhatsAppCase
from .push_service import PushService


class NotifyCase(WhatsAppCase):
    """Attendants with a browser subscribed to a local push service that checks VAPID and decrypts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.push_service = PushService().__enter__()
        cls.addClassCleanup(cls.push_service.__exit__)
        cls.attendant2 = new_test_user(cls.env, "attendant2", groups="whatsapp_crm.group_whatsapp_attendant",
                                       name="Bia Atendente")
        cls.env["mail.push.device"].get_web_push_vapid_public_key()  # Odoo's VAPID pair, as the web client asks

    def subscribe_browser(self, user, **answer):
        subscription = self.push_service.subscribe(**answer)
        device = self.env["mail.push.device"].sudo().create({
            "partner_id": user.partner_id.id, "endpoint": subscription.endpoint, "keys": subscription.keys_json})
        subscription.device = device
        return subscription

    def receive(self, send):
        """The customer's message processed; returns the Discuss message and the conversation."""
        delivery = send(self.customer())
        self.process_inbox()
        message = self.whatsapp_message(delivery.wamid).mail_message_id
        return message, self.env["discuss.channel"].browse(message.res_id)

    def queue_pushes(self):
        """What follows the processing commit: the batch's conversations wait for their push."""
        message_ids = sorted(self.env.cr.postcommit.data.pop(PUSH_BATCH_KEY, ()))
        self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_queue_web_push(message_ids)

    def run_push_job(self):
        """The above, then what the push job does (as the processing user)."""
        self.queue_pushes()
        return self.env["discuss.channel"].with_user(self.processing_user)._job_whatsapp_web_push()

    def pushes_to(self, subscription):
        return [push for push in self.push_service.received if push.token == subscription.token]

    def setUp(self):
        super().setUp()
        # Every message alerts (the interval between two alerts of a conversation has its own test).
        self.env["ir.config_parameter"].sudo().set_param(PUSH_INTERVAL_PARAM, "0")
        self.push_service.received.clear()
        self.push_service.rejected.clear()
        self.env.cr.postcommit.data.pop(PUSH_BATCH_KEY, None)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestPushRecipients(NotifyCase):
    """Who is alerted of a customer's message."""

    def test_assigned_conversation_alerts_only_its_attendant(self):
        _message, channel = self.receive(lambda customer: customer.text("Oi"))
        channel.with_user(self.attendant).action_whatsapp_take()
        self.assertEqual(channel._whatsapp_push_recipients(), self.attendant)
        mine, other = self.subscribe_browser(self.attendant), self.subscribe_browser(self.attendant2)
        self.receive(lambda customer: customer.text("Ainda aí?"))
        self.assertEqual(self.run_push_job()["sent"], 1)
        self.assertEqual(len(self.pushes_to(mine)), 1)
        self.assertFalse(self.pushes_to(other), "another attendant's conversation is none of Bia's business")

    def test_unassigned_conversation_alerts_available_attendants_who_may_take_it(self):
        _message, channel = self.receive(lambda customer: customer.text("Alguém?"))
        self.assertIn(self.attendant, channel._whatsapp_push_recipients())
        self.assertIn(self.attendant2, channel._whatsapp_push_recipients())
        self.assertNotIn(self.employee, channel._whatsapp_push_recipients(), "not an attendant")
        self.assertNotIn(self.processing_user, channel._whatsapp_push_recipients())
        self.assertNotIn(self.partner_by_wa_id("5511987654321"), channel._whatsapp_push_recipients().partner_id)
        self.attendant2.manual_im_status = "away"
        self.assertNotIn(self.attendant2, channel._whatsapp_push_recipients(), "away: not taking conversations")
        self.attendant2.manual_im_status = "busy"
        self.assertNotIn(self.attendant2, channel._whatsapp_push_recipients(), "do not disturb")
        self.attendant2.manual_im_status = False
        self.attendant2.with_user(self.attendant2).whatsapp_push_enabled = False
        self.assertNotIn(self.attendant2, channel._whatsapp_push_recipients(), "turned WhatsApp push off")
        self.assertIn(self.attendant, channel._whatsapp_push_recipients())

    def test_manager_can_opt_in_to_every_unassigned_message(self):
        _message, channel = self.receive(lambda customer: customer.text("Alguém?"))
        self.manager.manual_im_status = "away"
        self.assertNotIn(self.manager, channel._whatsapp_push_recipients())
        self.manager.with_user(self.manager).whatsapp_notify_all_unassigned = True
        self.assertIn(self.manager, channel._whatsapp_push_recipients())
        channel.with_user(self.attendant).action_whatsapp_take()
        self.assertEqual(channel._whatsapp_push_recipients(), self.attendant, "only unassigned messages")

    def test_muted_conversation_alerts_nobody(self):
        _message, channel = self.receive(lambda customer: customer.text("Oi"))
        channel.with_user(self.attendant).action_whatsapp_take()
        subscription = self.subscribe_browser(self.attendant)
        channel.with_user(self.attendant).self_member_id.mute_until_dt = fields.Datetime.now() + timedelta(hours=1)
        self.assertFalse(channel._whatsapp_push_recipients())
        self.receive(lambda customer: customer.text("Oi de novo"))
        self.run_push_job()
        self.assertFalse(self.pushes_to(subscription))

    def test_attendants_replies_and_notes_are_never_pushed(self):
        _message, channel = self.receive(lambda customer: customer.text("Oi"))
        channel.with_user(self.attendant).action_whatsapp_take()
        subscriptions = [self.subscribe_browser(user) for user in (self.attendant, self.attendant2, self.manager)]
        self.env.cr.postcommit.data.pop(PUSH_BATCH_KEY, None)
        # The manager answers in the attendant's conversation: Discuss would push it to its member.
        self.attendant_writes(channel, "Bom dia, já verifico.", user=self.manager)
        channel.with_user(self.manager).message_post(body="Cliente VIP", message_type="comment",
                                                     subtype_xmlid="mail.mt_note")
        channel.with_user(self.attendant).action_whatsapp_release()  # a notice
        self.assertNotIn(PUSH_BATCH_KEY, self.env.cr.postcommit.data, "no push job for what attendants write")
        # Discuss's own push would have been sent synchronously, inside message_post: nothing arrived.
        self.assertFalse(self.push_service.received + self.push_service.rejected)
        self.assertEqual(len(subscriptions), 3)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestPushPayload(NotifyCase):
    """What reaches the push service: signed, encrypted, and what the attendant reads."""

    def test_push_is_signed_encrypted_and_says_who_wrote_what(self):
        long_text = "Bom dia! " + "Quero saber dos ingressos para o concerto de sábado. " * 5
        message, channel = self.receive(lambda customer: customer.text(long_text))
        channel.with_user(self.attendant).action_whatsapp_take()
        subscription = self.subscribe_browser(self.attendant)
        message, channel = self.receive(lambda customer: customer.text(long_text))
        self.assertEqual(self.run_push_job(), {"sent": 1, "failed": 0, "removed": 0})
        push = self.push_service.wait_for(1)[0]
        self.assertFalse(self.push_service.rejected)
        self.assertEqual(push.claims["k"], self.env["ir.config_parameter"].sudo().get_param(
            "mail.web_push_vapid_public_key"), "signed with Odoo's VAPID key, the one the browser subscribed with")
        self.assertEqual(push.headers["TTL"], "3600", "an attendant who opens the laptop within the hour sees it")
        self.assertEqual(push.headers["Urgency"], "high")
        self.assertEqual(push.headers["Topic"], f"whatsapp-{channel.id}", "one waiting push per conversation")
        payload = push.payload
        self.assertEqual(payload["title"], "WhatsApp · Maria Souza")
        body = payload["options"]["body"]
        self.assertTrue(body.startswith("Bom dia! Quero saber"))
        self.assertEqual(len(body), 121, "the first 120 characters and an ellipsis")
        self.assertTrue(body.endswith("…"))
        self.assertEqual(payload["options"]["tag"], f"whatsapp-{channel.id}")
        self.assertTrue(payload["options"]["renotify"], "a new message alerts again while replacing the old one")
        partner = self.partner_by_wa_id("5511987654321")
        self.assertEqual(payload["options"]["icon"], f"/web/image/res.partner/{partner.id}/avatar_128")
        self.assertEqual(payload["options"]["data"],
                         {"model": "discuss.channel", "res_id": channel.id, "action": "mail.action_discuss"})
        self.assertEqual(message.res_id, channel.id)
        self.assertEqual(self.pushes_to(subscription), [push])

    def test_one_job_works_out_each_audience_once_and_signs_once_per_push_service(self):
        """A drain batch's push job covers many conversations: who may take an unassigned one is the same
        for a whole department, and a VAPID signature is valid for hours (each cost a search or an ECDSA
        signature per conversation or per push before)."""
        subscriptions = [self.subscribe_browser(self.attendant), self.subscribe_browser(self.attendant2)]
        for index in range(3):
            self.customer(f"55119876500{index}1", f"Cliente {index}").text(f"Olá {index}")
        self.process_inbox()
        channel_class = type(self.env["discuss.channel"])
        with patch.object(channel_class, "_whatsapp_unassigned_push_candidates", autospec=True,
                          side_effect=channel_class._whatsapp_unassigned_push_candidates) as candidates, \
                patch.object(web_push_request.jwt, "sign", wraps=web_push_request.jwt.sign) as sign:
            self.assertEqual(self.run_push_job(), {"sent": 6, "failed": 0, "removed": 0})
        self.assertEqual(candidates.call_count, 1, "three conversations of one company, one audience")
        self.assertEqual(sign.call_count, 1, "one push service, one signature")
        self.push_service.wait_for(6)
        self.assertFalse(self.push_service.rejected, "the shared signature is valid for every push")
        self.assertEqual(sorted(push.payload["options"]["body"] for push in self.pushes_to(subscriptions[1])),
                         ["Olá 0", "Olá 1", "Olá 2"])

    def test_messages_waiting_together_alert_once_per_conversation_with_the_newest(self):
        """Under load the push job finds several batches' messages waiting: one push per conversation
        and browser, the newest message; one push job waits at a time, whatever the batches."""
        subscription = self.subscribe_browser(self.attendant)
        maria, joao = self.customer(), self.customer("5511987650909", "João")
        maria.text("Primeira")
        self.process_inbox()
        self.queue_pushes()
        maria.text("Segunda")
        joao.text("Oi, sou o João")
        self.process_inbox()
        self.queue_pushes()
        jobs = self.env["queue.job"].search([("method_name", "=", "_job_whatsapp_web_push"), ("state", "=", "pending")])
        self.assertEqual(len(jobs), 1, "one push job waits, for both batches")
        self.assertEqual(len(self.env["whatsapp.push.pending"].search([])), 2, "one row per conversation")
        self.assertEqual(self.env["discuss.channel"].with_user(self.processing_user)._job_whatsapp_web_push(),
                         {"sent": 2, "failed": 0, "removed": 0})
        self.push_service.wait_for(2)
        self.assertEqual(sorted(push.payload["options"]["body"] for push in self.pushes_to(subscription)),
                         ["Oi, sou o João", "Segunda"])
        self.assertFalse(self.env["whatsapp.push.pending"].search([]), "taken by the job")

    def test_a_conversation_alerts_once_per_interval_then_with_its_newest_message(self):
        self.env["ir.config_parameter"].sudo().set_param(PUSH_INTERVAL_PARAM, "15")
        subscription = self.subscribe_browser(self.attendant)
        maria = self.customer()
        start = fields.Datetime.now()
        with freeze_time(start):
            maria.text("Primeira")
            self.process_inbox()
            self.assertEqual(self.run_push_job()["sent"], 1, "the first message alerts at once")
        with freeze_time(start + timedelta(seconds=5)):
            maria.text("Segunda")
            maria.text("Terceira")
            self.process_inbox()
            self.assertEqual(self.run_push_job()["sent"], 0, "within the interval: no second alert yet")
        later = self.env["queue.job"].search([("identity_key", "=", PUSH_LATER_IDENTITY), ("state", "=", "pending")])
        self.assertEqual(len(later), 1, "a job waits for the end of the interval")
        self.assertEqual(later.eta, start + timedelta(seconds=15))
        with freeze_time(start + timedelta(seconds=15)):
            self.assertEqual(self.env["discuss.channel"].with_user(self.processing_user)._job_whatsapp_web_push(),
                             {"sent": 1, "failed": 0, "removed": 0})
        self.push_service.wait_for(2)
        self.assertEqual([push.payload["options"]["body"] for push in self.pushes_to(subscription)],
                         ["Primeira", "Terceira"], "then one alert, with the newest message")

    def test_ttl_is_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param(PUSH_TTL_PARAM, "600")
        subscription = self.subscribe_browser(self.attendant)
        self.receive(lambda customer: customer.text("Oi"))
        self.run_push_job()
        self.assertEqual(self.pushes_to(subscription)[0].headers["TTL"], "600")

    def test_body_says_the_kind_of_message_in_portuguese(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["whatsapp_crm"], ["pt_BR"])
        self.attendant.lang = "pt_BR"
        self.attendant2.lang = "en_US"
        mine, english = self.subscribe_browser(self.attendant), self.subscribe_browser(self.attendant2)
        kinds = [
            (lambda customer: customer.image(), "📷 Foto", "📷 Photo"),
            (lambda customer: customer.image(caption="Meu ingresso"), "📷 Foto · Meu ingresso",
             "📷 Photo · Meu ingresso"),
            (lambda customer: customer.audio(voice=True), "🎤 Mensagem de voz", "🎤 Voice message"),
            (lambda customer: customer.document(filename="comprovante.pdf"), "📄 comprovante.pdf",
             "📄 comprovante.pdf"),
            (lambda customer: customer.location(name="Sala São Paulo"), "📍 Localização", "📍 Location"),
            (lambda customer: customer.text("Tudo bem?"), "Tudo bem?", "Tudo bem?"),
        ]
        for send, portuguese, english_body in kinds:
            with self.subTest(expected=portuguese):
                self.push_service.received.clear()
                self.receive(send)
                self.run_push_job()
                self.assertEqual(self.pushes_to(mine)[0].payload["options"]["body"], portuguese)
                self.assertEqual(self.pushes_to(english)[0].payload["options"]["body"], english_body)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestPushDelivery(NotifyCase):
    """Push services fail; processing never does because of them."""

    def test_gone_subscriptions_are_removed(self):
        gone = self.subscribe_browser(self.attendant, answer=410)
        missing = self.subscribe_browser(self.attendant, answer=404)
        alive = self.subscribe_browser(self.attendant)
        self.receive(lambda customer: customer.text("Oi"))
        self.assertEqual(self.run_push_job(), {"sent": 1, "failed": 0, "removed": 2})
        self.assertFalse(gone.device.exists(), "410: the browser unsubscribed")
        self.assertFalse(missing.device.exists(), "404: the subscription expired")
        self.assertTrue(alive.device.exists())
        self.assertEqual(len(self.pushes_to(alive)), 1)

    @mute_logger("odoo.addons.whatsapp_crm.models.whatsapp_push")
    def test_failing_push_service_neither_fails_nor_delays_processing(self):
        refused = self.subscribe_browser(self.attendant, answer=500)
        device = self.env["mail.push.device"].sudo().create({
            "partner_id": self.attendant2.partner_id.id, "keys": refused.keys_json,
            "endpoint": "http://127.0.0.1:9/push/dead",  # nothing listens there: connection refused
        })
        started = time.monotonic()
        message, _channel = self.receive(lambda customer: customer.text("Oi"))
        processing = time.monotonic() - started
        self.assertTrue(message, "the message is in Discuss")
        self.assertFalse(self.push_service.received + self.push_service.rejected,
                         "processing sends no push itself: the job does, after the commit")
        self.assertIn(message.id, self.env.cr.postcommit.data[PUSH_BATCH_KEY])
        self.assertEqual(self.run_push_job(), {"sent": 0, "failed": 2, "removed": 0})
        self.assertTrue(device.exists(), "a failure is not a revocation")
        self.assertLess(processing, 10, "processing did not wait for any push service")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestTicksForEveryAttendant(NotifyCase, WebsocketCase):
    """A shared conversation: the tick of a message one attendant sent reaches another one viewing it."""

    def test_second_attendant_sees_ticks_of_a_colleagues_message(self):
        _message, channel = self.receive(lambda customer: customer.text("Oi"))
        channel.with_user(self.attendant).action_whatsapp_take()
        self.authenticate("attendant2", "attendant2")
        websocket = self.websocket_connect(cookie=f"session_id={self.session.sid}")
        # Bia is not a member: she only has the conversation open, as the web client subscribes to it.
        self.subscribe(websocket, [f"discuss.channel_{channel.id}"], self.env["bus.bus"]._bus_last_id())
        self.attendant_writes(channel, "Seu ingresso está confirmado.")
        self.send_outgoing()
        outbound = self.env["whatsapp.message"].search([("direction", "=", "out")], limit=1)
        for status in ("delivered", "read"):
            self.sandbox.emit_statuses(outbound.wamid, [status])
            self.process_inbox()
            self.trigger_notification_dispatching([channel])
            notification = self.receive_until(websocket, lambda n, s=status: (
                "whatsapp_status" in json.dumps(n) and f'"state": "{s}"' in json.dumps(n)))
            record = notification["message"]["payload"]["mail.message"][0]
            self.assertEqual(record["id"], outbound.mail_message_id.id)
            self.assertEqual(record["whatsapp_status"]["tick"], status)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAttentionCounts(NotifyCase):
    """The tab's "(n)": conversations that need this attendant."""

    def counts(self, user):
        return self.env["discuss.channel"].with_user(user).whatsapp_attention_counts()

    def test_counts_own_unread_conversations_and_the_queue(self):
        _message, channel = self.receive(lambda customer: customer.text("Oi"))
        self.assertEqual(self.counts(self.attendant), {"mine_unread": 0, "unassigned": 1})
        channel.with_user(self.attendant).action_whatsapp_take()
        member = channel.with_user(self.attendant).self_member_id
        member._mark_as_read(channel.message_ids[:1].id)
        self.assertEqual(self.counts(self.attendant), {"mine_unread": 0, "unassigned": 0})
        self.receive(lambda customer: customer.text("Ainda aí?"))
        self.assertEqual(self.counts(self.attendant), {"mine_unread": 1, "unassigned": 0})
        self.assertEqual(self.counts(self.attendant2), {"mine_unread": 0, "unassigned": 0},
                         "another attendant's conversation does not need Bia")
        self.assertEqual(self.counts(self.employee), {"mine_unread": 0, "unassigned": 0})
        # An attendant's own note does not count as something to read.
        member._mark_as_read(channel.message_ids[:1].id)
        channel.with_user(self.manager).message_post(body="Cliente VIP", message_type="comment",
                                                     subtype_xmlid="mail.mt_note")
        self.assertEqual(self.counts(self.attendant)["mine_unread"], 0)
