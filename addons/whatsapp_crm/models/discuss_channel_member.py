from odoo import api, models
from odoo.exceptions import ValidationError

from ..const import ATTENDANT_GROUP
from .discuss_channel import is_whatsapp_channel


class DiscussChannelMember(models.Model):
    _inherit = "discuss.channel.member"

    @api.constrains("partner_id", "guest_id", "channel_id")
    def _check_whatsapp_member(self):
        """Only attendants take part in a WhatsApp conversation. The customer writes from WhatsApp and
        is not a member: a member receives everything posted (internal notes and notices included)
        on the bus, by web push and by mail, whatever their rights."""
        for member in self.filtered(lambda m: is_whatsapp_channel(m.channel_id)):
            # sudo: res.users - whether the member's user is an attendant, whoever adds them
            users_sudo = member.partner_id.sudo().user_ids
            if member.guest_id or not any(user._is_internal() and user.has_group(ATTENDANT_GROUP)
                                          for user in users_sudo):
                raise ValidationError(self.env._(
                    "Only WhatsApp attendants take part in a WhatsApp conversation; %(name)s cannot be added.",
                    name=member.partner_id.name or member.guest_id.name))

    def _notify_typing(self, is_typing):
        """Typing in a WhatsApp conversation is attendant activity, and the customer sees it."""
        result = super()._notify_typing(is_typing)
        if is_typing:
            for member in self.filtered(lambda m: is_whatsapp_channel(m.channel_id) and m.partner_id.user_ids):
                member.channel_id._whatsapp_register_typing()
        return result
