from odoo import models

from .discuss_channel import is_whatsapp_channel


class DiscussChannel(models.Model):
    """@mentions in WhatsApp conversations: any attendant can be called in (member or not, e.g. in an
    internal note) and is notified in their inbox; the customer is never notified by Odoo - what
    reaches them goes through WhatsApp only."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    def _get_allowed_message_partner_ids(self, partner_ids):
        if not is_whatsapp_channel(self):
            return super()._get_allowed_message_partner_ids(partner_ids)
        return self._whatsapp_mentionable_partners(self.env["res.partner"].browse(partner_ids)).ids

    def _whatsapp_mentionable_partners(self, partners):
        """The partners of ``partners`` who are active internal WhatsApp attendants."""
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        processing = self.env.ref("whatsapp_crm.user_whatsapp_processing")
        # sudo: res.users - whether a mentioned colleague answers WhatsApp conversations
        return partners.filtered(lambda partner: partner != self.whatsapp_partner_id and any(
            user.active and not user.share and user != processing and attendants in user.all_group_ids
            for user in partner.sudo().user_ids))
