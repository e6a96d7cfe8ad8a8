import json

from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tools.discuss import Store

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestNotesStayInternal(WhatsAppCase):
    """Issue 10 point 3: only what an attendant writes for the customer (a comment with the
    discussion subtype, not internal) goes to WhatsApp; notes and notices stay with the attendants,
    on every channel (Meta, bus, message fetch, push, mail)."""

    def setUp(self):
        super().setUp()
        self.customer().text("Oi, tudo bem?")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))
        self.customer_partner = self.channel.whatsapp_partner_id
        self.customer_user = new_test_user(self.env, "maria", groups="base.group_portal",
                                           partner_id=self.customer_partner.id)

    def post(self, body, **kwargs):
        return self.channel.with_user(self.attendant).message_post(body=body, **kwargs)

    def outbound_of(self, message):
        return self.env["whatsapp.message"].search([("mail_message_id", "=", message.id)])

    def test_only_a_comment_for_the_customer_is_sent(self):
        reply = self.post("Para o cliente", message_type="comment", subtype_xmlid="mail.mt_comment")
        internal = {
            "log note": self.post("Cliente VIP", message_type="comment", subtype_xmlid="mail.mt_note"),
            "notification": self.post("Aviso do sistema", message_type="notification",
                                      subtype_xmlid="mail.mt_comment"),
            "internal subtype of another module": self.post(
                "Atividade feita", message_type="comment", subtype_xmlid="mail.mt_activities"),
            "internal comment": self.post("Só para a equipe", message_type="comment",
                                          subtype_xmlid="mail.mt_comment", is_internal=True),
        }
        self.assertTrue(self.outbound_of(reply))
        for name, message in internal.items():
            with self.subTest(name):
                self.assertFalse(self.outbound_of(message), "not queued for WhatsApp")
                self.assertFalse(message._whatsapp_is_for_customer())
        self.assertTrue(reply._whatsapp_is_for_customer())
        sent = self.send_outgoing()
        self.assertEqual(sent.mail_message_id, reply)
        self.assertEqual([message.payload["text"]["body"] for message in self.sandbox.state.sent],
                         ["Para o cliente"])

    def test_a_note_does_not_count_as_a_reply(self):
        self.channel.with_user(self.attendant).action_whatsapp_take()
        self.post("Verificar pagamento", message_type="comment", subtype_xmlid="mail.mt_note")
        self.assertEqual(self.channel.whatsapp_queue_state, "assigned", "the customer still waits for an answer")

    def test_a_note_is_shown_as_a_note(self):
        note = self.post("Cliente VIP", message_type="comment", subtype_xmlid="mail.mt_note")
        data = Store().add(note.with_user(self.attendant)).get_result()
        record = next(values for values in data["mail.message"] if values["id"] == note.id)
        self.assertEqual(record["subtype_id"], self.env.ref("mail.mt_note").id)
        self.assertNotIn("whatsapp_status", record, "no delivery tick under a note")

    def test_notes_and_notices_never_reach_the_customer(self):
        bus_before = self.env["bus.bus"].sudo().search([], order="id desc", limit=1).id or 0
        note = self.post("Cliente VIP, cuidado", message_type="comment", subtype_xmlid="mail.mt_note",
                         partner_ids=self.customer_partner.ids)
        self.channel.with_user(self.attendant).action_whatsapp_take()
        notice = self.channel.message_ids.filtered(lambda m: m.message_type == "notification")[:1]
        self.assertIn("is now answering", notice.body)
        for message in (note, notice):
            recipients = self.channel._notify_get_recipients(message, {})
            self.assertNotIn(self.customer_partner.id, [recipient["id"] for recipient in recipients])
        self.assertFalse(note.partner_ids, "the customer cannot be mentioned: only members can")
        self.assertFalse(self.env["mail.notification"].search([("res_partner_id", "=", self.customer_partner.id)]))
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.customer_partner.ids)]))
        self.env.cr.precommit.run()
        targets = self.env["bus.bus"].sudo().search([("id", ">", bus_before)]).mapped("channel")
        partner_target = json.dumps([self.env.cr.dbname, "res.partner", self.customer_partner.id])
        self.assertNotIn(partner_target, targets)
        self.assertNotIn(json.dumps([self.env.cr.dbname, "res.users", self.customer_user.id]), targets)
        self.assertFalse(self.send_outgoing(), "nothing of it went to WhatsApp")
