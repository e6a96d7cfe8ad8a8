from odoo import fields, models
from odoo.tools import html2plaintext

from odoo.addons.mail.tools.discuss import Store

from .discuss_channel import is_whatsapp_channel

PREVIEW_LENGTH = 120


class DiscussChannel(models.Model):
    """What a queue row shows at a glance: the last message, and how long the customer has waited.

    Kept on the conversation (two small columns written with each message) so that the queue list,
    which every attendant loads whether member or not, needs no query per row; each change is sent
    to the attendants' queue channel, a few hundred bytes per message.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_last_preview = fields.Char("Last Message", readonly=True)
    whatsapp_waiting_since = fields.Datetime(
        "Customer Waiting Since", readonly=True,
        help="The customer's first message not answered yet; empty once an attendant replies.")

    def _message_post_after_hook(self, message, msg_vals):
        result = super()._message_post_after_hook(message, msg_vals)
        if is_whatsapp_channel(self) and message.message_type == "comment" and not message.subtype_id.internal:
            self._whatsapp_update_preview(message)
        return result

    def _whatsapp_update_preview(self, message):
        text = " ".join(html2plaintext(message.body or "").split())
        if not text and message.attachment_ids:
            text = "📎 " + ", ".join(message.attachment_ids.mapped("name"))
        values = {"whatsapp_last_preview": text[:PREVIEW_LENGTH]}
        if message.author_id == self.whatsapp_partner_id:
            if self.whatsapp_status == "open":
                values["whatsapp_waiting_since"] = self.whatsapp_waiting_since or message.date
        elif not self.env.context.get("whatsapp_automatic"):
            # An attendant answered (an automatic nudge or farewell does not count as an answer).
            values["whatsapp_waiting_since"] = False
        # sudo: discuss.channel - the queue's summary follows every message, whoever writes it
        self.sudo().write(values)
        self._whatsapp_notify_queue([Store.Attr(name) for name in values])

    def _whatsapp_store_fields(self):
        return [*super()._whatsapp_store_fields(),
                *(Store.Attr(name, predicate=is_whatsapp_channel)
                  for name in ("whatsapp_last_preview", "whatsapp_waiting_since"))]
