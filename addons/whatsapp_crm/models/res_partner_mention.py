from odoo import api, models
from odoo.fields import Domain

from odoo.addons.mail.tools.discuss import Store

from .discuss_channel import is_whatsapp_channel


class ResPartner(models.Model):
    """"@" in a WhatsApp conversation suggests the attendants, members of it or not, never the customer."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.readonly
    @api.model
    def get_mention_suggestions_from_channel(self, channel_id, search, limit=8):
        channel = self.env["discuss.channel"].search([("id", "=", channel_id)])
        if not channel or not is_whatsapp_channel(channel):
            return super().get_mention_suggestions_from_channel(channel_id, search, limit=limit)
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        domain = Domain([
            self._get_mention_suggestions_domain(search),
            ("user_ids.all_group_ids", "in", attendants.id),
            ("user_ids.share", "=", False),
            ("user_ids.active", "=", True),
            ("id", "!=", channel.whatsapp_partner_id.id),
        ])
        partners = channel._whatsapp_mentionable_partners(self.search(domain, limit=limit * 2))[:limit]
        store = Store().add(partners, extra_fields=partners._get_store_mention_fields())
        for partner in partners:
            store.add(partner, {"whatsapp_is_attendant": True})
        return store.get_result()
