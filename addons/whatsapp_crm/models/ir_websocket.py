from odoo import models

from .discuss_channel import QUEUE_SUBCHANNEL

QUEUE_CHANNEL_NAME = "whatsapp_crm.queue"


class IrWebsocket(models.AbstractModel):
    _inherit = "ir.websocket"

    def _build_bus_channel_list(self, channels):
        """A client subscribing to "whatsapp_crm.queue" gets the attendants' queue, if it is one."""
        channels = list(channels)  # do not alter the caller's list
        if QUEUE_CHANNEL_NAME in channels:
            channels.remove(QUEUE_CHANNEL_NAME)
            if self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
                channels.append((self.env.ref("whatsapp_crm.group_whatsapp_attendant"), QUEUE_SUBCHANNEL))
        return super()._build_bus_channel_list(channels)
