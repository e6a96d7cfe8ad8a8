from odoo import models

from .discuss_channel import is_whatsapp_channel


class MailMessage(models.Model):
    """An attendant's reaction in Discuss on a customer's WhatsApp message is sent to the customer as
    a WhatsApp reaction; removing it removes it there too."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "mail.message"  # pylint: disable=consider-merging-classes-inherited

    def _message_reaction(self, content, action, partner, guest, store=None):
        super()._message_reaction(content, action, partner, guest, store=store)
        if self.model != "discuss.channel" or not partner or self.env.context.get("whatsapp_inbound"):
            return
        # sudo: discuss.channel - the conversation of a message the user reacted to
        channel = self.env["discuss.channel"].sudo().browse(self.res_id)
        if is_whatsapp_channel(channel) and partner != channel.whatsapp_partner_id and partner.user_ids:
            # sudo: whatsapp.message - the send queue is written on behalf of the attendant
            self.env["whatsapp.message"].sudo()._enqueue_reaction(channel, self)
