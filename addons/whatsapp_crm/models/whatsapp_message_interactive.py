import logging

from odoo import api, fields, models

from ..tools.graph_api import reaction_payload
from ..tools.interactive_payload import InteractiveError, interactive_payload

_logger = logging.getLogger(__name__)


class WhatsAppMessage(models.Model):
    """Outbound reactions and interactive messages: rows of the same send queue as text replies,
    with their own payload builders (the dispatch in ``_build_outbound_payload`` picks them by type).

    - ``interactive``: a question with reply buttons or a list, posted in the thread by
      ``discuss.channel._whatsapp_post_interactive``, which passes its spec in the context.
    - ``reaction``: an attendant's emoji on a customer's message (``reply_to_wamid`` is the message
      reacted to; an empty emoji removes the reaction). Not linked to a Discuss message: the
      customer's message keeps its own status.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "whatsapp.message"  # pylint: disable=consider-merging-classes-inherited

    interactive_spec = fields.Json("Interactive Message", readonly=True,
                                   help="The question and its answers, as sent (interactive messages only).")
    reaction_emoji = fields.Char("Reaction", readonly=True)

    @api.model
    def _enqueue_outbound(self, channel, mail_message):
        messages = super()._enqueue_outbound(channel, mail_message)
        spec = self.env.context.get("whatsapp_interactive")
        if spec:
            messages[:1].write({"message_type": "interactive", "interactive_spec": spec})
        return messages

    @api.model
    def _enqueue_reaction(self, channel, mail_message):
        """The team's reaction on a customer's message changed in Discuss: send what it is now.

        WhatsApp keeps one reaction of the business per message: the latest attendant's emoji
        remaining on the message, or none (removed) - sent only when it differs from the last sent.
        """
        target = self.search([("mail_message_id", "=", mail_message.id), ("direction", "=", "in"),
                              ("wamid", "!=", False)], limit=1)
        if not target:
            return self
        customer = channel.whatsapp_partner_id
        # sudo: mail.message.reaction - the reactions of a message the attendant can read
        team_reactions = mail_message.sudo().reaction_ids.filtered(
            lambda reaction: reaction.partner_id and reaction.partner_id != customer).sorted("id")
        emoji = team_reactions[-1:].content or ""
        last = self.search([("reply_to_wamid", "=", target.wamid), ("message_type", "=", "reaction"),
                            ("direction", "=", "out"), ("state", "!=", "failed")], order="id desc", limit=1)
        if emoji == (last.reaction_emoji or ""):
            return self
        message = self.create({
            "account_id": channel.whatsapp_account_id.id,
            "channel_id": channel.id,
            "partner_id": customer.id,
            "direction": "out",
            "state": "outgoing",
            "message_type": "reaction",
            "reply_to_wamid": target.wamid,
            "reaction_emoji": emoji,
            "next_attempt_at": fields.Datetime.now(),
        })
        self._enqueue_send(channel)
        return message

    def _build_outbound_payload(self):
        if self.message_type == "interactive" and self.interactive_spec:
            return self._build_interactive_payload()
        if self.message_type == "reaction":
            return self._build_reaction_payload()
        return super()._build_outbound_payload()

    def _outbound_addressee(self):
        """``(to, recipient)``: the number when known, else the BSUID; ``(None, None)`` when neither."""
        partner = self.partner_id
        to = partner.whatsapp_wa_id or None
        return to, None if to else (partner.whatsapp_user_id or None)

    def _build_interactive_payload(self):
        to, recipient = self._outbound_addressee()
        if not to and not recipient:
            return "no_recipient"
        try:
            return interactive_payload(to, self.interactive_spec, recipient=recipient,
                                       reply_to=self.reply_to_wamid or None)
        except InteractiveError as error:
            _logger.warning("WhatsApp interactive message %s not sendable: %s", self.id, error.code)
            return "parameter"

    def _build_reaction_payload(self):
        to, recipient = self._outbound_addressee()
        if not to and not recipient:
            return "no_recipient"
        return reaction_payload(to, self.reply_to_wamid, self.reaction_emoji or "", recipient=recipient)
