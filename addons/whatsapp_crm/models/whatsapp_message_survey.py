from odoo import api, models

from .discuss_channel_survey import survey_answer_of


class WhatsAppMessage(models.Model):
    """Inbound side of the satisfaction survey: an answer, or the comment after it, lands in the closed
    conversation it rates (``discuss.channel._whatsapp_get_or_open`` looks for it) and fills the rating."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "whatsapp.message"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _receive_inbound(self, account, event):
        # The answer travels as an argument, not in the context: a context value that differs per
        # message makes a new Environment per message, and Odoo looks each one up among all the live
        # ones of the transaction (a linear scan that took ~40 % of the processing CPU).
        message = super()._receive_inbound(account, event)
        answer = survey_answer_of(event)
        channel = message.channel_id
        if answer and message and channel.whatsapp_status == "closed" and channel.whatsapp_survey_state:
            channel._whatsapp_survey_receive(message, answer)
        return message
