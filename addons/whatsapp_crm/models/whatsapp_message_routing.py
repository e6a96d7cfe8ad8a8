from odoo import api, models

from ..tools.interactive_payload import reply_of
from .whatsapp_message import NOTICE_KINDS


class WhatsAppMessage(models.Model):
    """Inbound side of the front door: once a customer's message is in its conversation, the
    conversation is greeted, routed by the customer's menu answer, or told the business hours
    (``discuss_channel_routing.py``)."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "whatsapp.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _receive_inbound(self, account, event):
        message = super()._receive_inbound(account, event)
        if not message or event.type in NOTICE_KINDS or event.type == "reaction" or event.is_change:
            return message
        channel = message.channel_id
        if channel.whatsapp_status == "open" and message.mail_message_id:
            reply_id = reply_of(event.data)[0] if event.type == "interactive" else None
            channel.with_context(whatsapp_inbound=False)._whatsapp_route_inbound(event.text or "", reply_id)
        return message
