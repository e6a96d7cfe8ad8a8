from odoo import api, fields, models

from .res_config_settings_conversation import conversation_setting


class DiscussChannel(models.Model):
    """Honest blue ticks: the customer's messages are marked read at Meta when an attendant has the
    conversation on screen (the browser tab visible and focused), not when they arrive.

    The client asks (``whatsapp_mark_read``); the send job calls Meta (I/O leaves the request), once
    per newer message. Settings can turn read receipts off entirely; Meta ties the "typing…"
    indicator to a read receipt, so it goes too.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_read_requested_at = fields.Datetime(
        "Read Receipt Requested At", readonly=True, index="btree_not_null",
        help="An attendant read the conversation: the send job marks the customer's messages read.")
    whatsapp_read_message_id = fields.Many2one(
        "whatsapp.message", "Last Message Marked Read", readonly=True, ondelete="set null",
        help="The newest customer message marked (or being marked) read at WhatsApp.")

    def whatsapp_mark_read(self, last_message_id=None):
        """The current attendant sees the conversation: mark the customer's messages read.

        :param int last_message_id: the newest Discuss message on their screen (nothing newer is
            marked: it was not seen)
        :return: whether a read receipt was queued
        """
        self._whatsapp_check_reader()
        if conversation_setting(self.env, "read_receipts_never"):
            return False
        domain = [("channel_id", "=", self.id), ("direction", "=", "in"), ("wamid", "!=", False),
                  ("message_type", "!=", "reaction"), ("mail_message_id", "!=", False)]
        if last_message_id:
            domain.append(("mail_message_id", "<=", int(last_message_id)))
        # sudo: whatsapp.message - the customer's messages of a conversation the user reads
        latest = self.env["whatsapp.message"].sudo().search(domain, order="id desc", limit=1)
        if not latest or latest.id <= self.sudo().whatsapp_read_message_id.id:
            return False
        # sudo: discuss.channel - read receipts are requested by whoever reads the conversation
        self.sudo().write({"whatsapp_read_message_id": latest.id,
                           "whatsapp_read_requested_at": fields.Datetime.now()})
        self.env["whatsapp.message"]._enqueue_typing()  # the job that sends typing and read receipts
        return True

    @api.model
    def _whatsapp_send_typing_indicators(self, since):
        """The send job's Meta calls for conversations: typing indicators, then read receipts."""
        if conversation_setting(self.env, "read_receipts_never"):
            # Meta shows "typing…" only with a read receipt: neither is sent.
            # sudo: discuss.channel - the send job clears the requests it will not serve
            self.search([("whatsapp_typing_requested_at", "!=", False)]).sudo().write(
                {"whatsapp_typing_requested_at": False})
            self._whatsapp_send_read_receipts()
            return None
        # "typing…" marks the customer's last message read too: no second call for those.
        typing = self.search([("whatsapp_typing_requested_at", ">=", since), ("whatsapp_status", "=", "open")])
        result = super()._whatsapp_send_typing_indicators(since)
        self._whatsapp_send_read_receipts(skip=typing)
        return result

    @api.model
    def _whatsapp_send_read_receipts(self, skip=None):
        channels = self.search([("whatsapp_read_requested_at", "!=", False)])
        if not conversation_setting(self.env, "read_receipts_never"):
            for channel in channels - (skip or self.browse()):
                message = channel.whatsapp_read_message_id
                if message.wamid:
                    # Marking the newest read marks every earlier message read too.
                    message._mark_read()
        # sudo: discuss.channel - the send job clears the requests it served
        channels.sudo().write({"whatsapp_read_requested_at": False})
