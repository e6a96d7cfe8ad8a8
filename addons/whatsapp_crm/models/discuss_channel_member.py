from odoo import models

from .discuss_channel import is_whatsapp_channel


class DiscussChannelMember(models.Model):
    _inherit = "discuss.channel.member"

    def _notify_typing(self, is_typing):
        """Typing in a WhatsApp conversation is attendant activity, and the customer sees it."""
        result = super()._notify_typing(is_typing)
        if is_typing:
            for member in self.filtered(lambda m: is_whatsapp_channel(m.channel_id) and m.partner_id.user_ids):
                member.channel_id._whatsapp_register_typing()
        return result
