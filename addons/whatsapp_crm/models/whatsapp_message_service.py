from odoo import api, fields, models

from ..tools.webhook_payload import MEDIA_TYPES
from .whatsapp_service_record import NOT_COUNTED_INBOUND


class WhatsAppMessage(models.Model):
    """Messages in and out add to their conversation's service record as they come and go; the
    team's first answer is recorded when it is queued (when, by whom, whether the 24 h window
    was still open). Each message the team sends keeps who wrote it and for which department, so
    that the cost report reads one table (no join to the posts and users of a million messages)."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "whatsapp.message"  # pylint: disable=consider-merging-classes-inherited

    attendant_id = fields.Many2one("res.users", "Attendant", readonly=True, index="btree_not_null",
                                   ondelete="set null", help="Who wrote it (sent messages; empty for automatic ones).")
    department_id = fields.Many2one("whatsapp.department", "Department", readonly=True, ondelete="set null",
                                    help="The conversation's department when it was sent.")

    @api.model
    def _receive_inbound(self, account, event):
        message = super()._receive_inbound(account, event)
        if message and message.channel_id and event.type not in NOT_COUNTED_INBOUND:
            # sudo: whatsapp.service.record - processing counts the customer's messages
            self.env["whatsapp.service.record"].sudo()._add_counts(
                message.channel_id.id, messages_in=1, media_in=int(event.type in MEDIA_TYPES))
        return message

    @api.model
    def _enqueue_outbound(self, channel, mail_message):
        window_open = channel._whatsapp_window_is_open()
        author = mail_message.author_id.user_ids.filtered(lambda user: not user.share)[:1]
        messages = super(WhatsAppMessage, self.with_context(whatsapp_outbound_author=author.id)
                         )._enqueue_outbound(channel, mail_message)
        # sudo: whatsapp.service.record - what the team sends counts, whoever sends it
        records_sudo = self.env["whatsapp.service.record"].sudo()
        records_sudo._add_counts(
            channel.id, messages_out=len(messages),
            media_out=len(messages.filtered(lambda message: message.message_type in MEDIA_TYPES)),
            templates_sent=len(messages.filtered(lambda message: message.message_type == "template")))
        if author and not self.env.context.get("whatsapp_automatic"):
            record_sudo = records_sudo._of(channel)
            if record_sudo and not record_sudo.first_response_at:
                record_sudo.write({
                    "first_response_at": fields.Datetime.now(),
                    "first_attendant_id": author.id,
                    "answered_in_window": window_open,
                    "attendant_id": record_sudo.attendant_id.id or author.id,
                })
        return messages

    @api.model
    def _prepare_outbound_window(self, channel):
        """Who wrote it and for which department, stored with the message when it is created (not
        written after: one UPDATE less per message, and one change line less for the cost report)."""
        values = super()._prepare_outbound_window(channel)
        values["attendant_id"] = self.env.context.get("whatsapp_outbound_author") or False
        values["department_id"] = channel.whatsapp_department_id.id
        return values
