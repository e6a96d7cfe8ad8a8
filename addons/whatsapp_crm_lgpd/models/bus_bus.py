from odoo import api, models

from odoo.addons.whatsapp_crm.models.discuss_channel import QUEUE_SUBCHANNEL

from ..tools.identifiers import like_patterns


class BusBus(models.Model):
    """Notifications still in the bus table (kept about a day, for clients that reconnect) about the
    contact's conversations or naming the contact (the attendants' queue, "joined" notices)."""

    _name = "bus.bus"
    _inherit = ["bus.bus", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 95

    @api.model
    def _lgpd_erase(self, subject, limit):
        channel_ids = subject.channel_ids_regex
        # The attendants' queue (a subchannel per company) carries the conversations' previews.
        self.env.cr.execute("""
            DELETE FROM bus_bus
             WHERE channel ~ %s OR channel ~ %s OR message LIKE ANY(%s)
                OR (channel LIKE %s AND message ~ %s)
        """, [rf'"discuss\.channel",({channel_ids})\M', rf'"res\.partner",{subject.partner.id}\M',
              like_patterns(subject.content_needles), f"%{QUEUE_SUBCHANNEL}:%", rf'"id": ?({channel_ids})[,}}]'])
        return 0
