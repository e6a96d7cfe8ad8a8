from odoo import fields, models

from odoo.addons.mail.tools.discuss import Store

from ..const import OUTBOUND_TICKS, TICK_TITLES


class MailMessage(models.Model):
    _inherit = "mail.message"

    whatsapp_message_ids = fields.One2many("whatsapp.message", "mail_message_id", "WhatsApp Messages")

    def _to_store_defaults(self, target):
        return super()._to_store_defaults(target) + [
            Store.Attr(
                "whatsapp_status",
                value=lambda message: message._whatsapp_status_for_store(),
                # sudo: whatsapp.message - delivery state of a message the user can read
                predicate=lambda message: message.model == "discuss.channel"
                and bool(message.sudo().whatsapp_message_ids),
            ),
        ]

    def _whatsapp_status_for_store(self):
        """The delivery tick the client draws under a message, with the reason when it failed."""
        # sudo: whatsapp.message - delivery state of a message the user can read
        whatsapp_message = self.sudo().whatsapp_message_ids[:1]
        media = whatsapp_message.media_ids[:1]
        tick = OUTBOUND_TICKS.get(whatsapp_message.state) if whatsapp_message.direction == "out" else False
        return {
            "direction": whatsapp_message.direction,
            "state": whatsapp_message.state,
            # What the client draws: decided here, so the client holds no copy of the states.
            "tick": tick or False,
            "tick_title": str(TICK_TITLES[tick]) if tick else False,
            "failure_reason": whatsapp_message.failure_reason or False,
            "error_code": whatsapp_message.error_code or False,
            # The customer's file of an inbound media message: on its way, shown, or why not (body).
            "media": {"kind": media.kind, "state": media.state, "voice": media.is_voice,
                      "animated": media.is_animated} if media else False,
        }

    def _whatsapp_bus_send_state(self):
        store = Store(bus_channel=self._bus_channel())
        store.add(self, {"whatsapp_status": self._whatsapp_status_for_store()})
        store.bus_send()
