from odoo import api, models

from ..tools.interactive_payload import reply_of


class WhatsAppMessage(models.Model):
    """Inbound side of the satisfaction survey: an answer, or the comment after it, lands in the closed
    conversation it rates (``discuss.channel._whatsapp_get_or_open`` looks for it) and fills the rating."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "whatsapp.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _receive_inbound(self, account, event):
        if event.type not in ("interactive", "text"):
            return super()._receive_inbound(account, event)
        answer = {
            "type": event.type,
            "text": event.text or "",
            "reply_id": reply_of(event.data)[0] if event.type == "interactive" else None,
            "context_wamid": event.context_wamid,
        }
        message = super(WhatsAppMessage, self.with_context(whatsapp_survey_answer=answer))._receive_inbound(
            account, event)
        channel = message.channel_id
        if message and channel.whatsapp_status == "closed" and channel.whatsapp_survey_state:
            channel._whatsapp_survey_receive(message, answer)
        return message.with_context(whatsapp_survey_answer=None)
