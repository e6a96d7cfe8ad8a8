from odoo import models

from ..const import ATTENDANT_GROUP
from .discuss_channel import queue_subchannel

QUEUE_CHANNEL_NAME = "whatsapp_crm.queue"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """A client subscribing to "whatsapp_crm.queue" gets the queues of its user's companies, if
        the user is an attendant.

        That, with Discuss's own rules, is the whole of an attendant's WhatsApp subscription: the
        conversations they are a member of (those they answer) and the ones their client asks for
        by name ("discuss.channel_<id>", the conversation on screen, granted by Discuss only if the
        record rules let the user read it). Not every open conversation: the cost of each
        notification on a websocket grows with the channels it listens to.
        """
        channels = list(channels)  # do not alter the caller's list
        if QUEUE_CHANNEL_NAME in channels:
            channels.remove(QUEUE_CHANNEL_NAME)
            if self.env.user.has_group(ATTENDANT_GROUP):
                group = self.env.ref(ATTENDANT_GROUP)
                channels.extend((group, queue_subchannel(company)) for company in self.env.user.company_ids)
        return super()._build_bus_channel_list(channels)
