"""Shared set-up of the attendant's-day tests (issue 17): a customer's open conversation, the
conversation settings, and the scheduler's work run inside the test transaction."""
from datetime import timedelta

from odoo import fields

from odoo.addons.whatsapp_crm.models.res_config_settings_conversation import CONVERSATION_SETTINGS

from .common import WhatsAppCase


class AttendanceCase(WhatsAppCase):

    def open_conversation(self, text="Olá, quero trocar meu ingresso", wa_id="5511987654321", name="Maria Souza"):
        """The customer writes; returns ``(customer, delivery, channel)``."""
        customer = self.customer(wa_id, name)
        delivery = customer.text(text)
        self.process_inbox()
        return customer, delivery, self.whatsapp_message(delivery.wamid).channel_id

    def notes_stay_internal(self):
        """Whether notes are kept from Meta by the one predicate of the access work (issue 10),
        ``mail.message._whatsapp_is_for_customer``; until it is merged, an internal note is sent."""
        return hasattr(self.env["mail.message"], "_whatsapp_is_for_customer")

    def set_setting(self, name, value):
        key, _default = CONVERSATION_SETTINGS[name]
        self.env["ir.config_parameter"].sudo().set_param(key, value)

    def run_nudges(self):
        """What the nudge job does, as the processing user, without its commits."""
        return self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_nudge_batch()

    def outbound(self, channel, **domain):
        return self.env["whatsapp.message"].search(
            [("channel_id", "=", channel.id), ("direction", "=", "out"),
             *((key, "=", value) for key, value in domain.items())], order="id")

    def sent_texts(self):
        return [sent.payload["text"]["body"] for sent in self.sandbox.state.sent if sent.type == "text"]

    def send_read_receipts(self):
        """What the send job does for conversations before sending: typing indicators, read receipts."""
        self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_send_typing_indicators(
            fields.Datetime.now() - timedelta(seconds=25))
