import logging

from odoo import models

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """Two partners found to be one WhatsApp customer become one (issue 10.11).

    A customer's message carrying only their BSUID and another carrying only their number, both
    processed before the first message carrying both, make two partners: nothing said they were one
    person. The message that says so merges the BSUID's partner into the number's, when the BSUID's
    partner was only ever known by it (no number of its own, no user): see :meth:`_whatsapp_merge_into`.

    Not Odoo's ``base.partner.merge``: its generic foreign-key update deletes the rows a unique index
    refuses to move, and one open conversation per account and customer is exactly such an index.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _whatsapp_mergeable_into(self, survivor):
        """Whether this partner may be absorbed by ``survivor``: it was only ever this customer's
        BSUID. A partner with a number of its own, or a user's, is someone else's identity too."""
        self.ensure_one()
        # sudo: res.partner - whether the customer's partner is also a user of this database
        return self != survivor and not self.whatsapp_wa_id and not self.sudo().with_context(
            active_test=False).user_ids

    def _whatsapp_merge_into(self, survivor):
        """Make ``survivor`` the one partner of this customer; this partner is archived, not deleted.

        Runs in the transaction resolving the identity, under its identity locks (the BSUID and the
        number): no other message of either partner is processed meanwhile.

        - every conversation of this partner becomes ``survivor``'s, with its customer messages
          (author), reactions and WhatsApp messages: the history stays reachable, from the customer;
        - one open conversation per account and customer: when both partners have one on the same
          account, ``survivor``'s goes on and this partner's is closed by the system, without a word
          to the customer (no farewell, no survey). A notice for the attendants in each says where the
          conversation continues; its attendant, if the surviving one has none, answers the surviving
          one (when still an attendant of its company);
        - records other modules keep per customer follow (:meth:`_whatsapp_merge_records`);
        - this partner loses its identity (BSUID, profile name) and is archived.
        """
        self.ensure_one()
        _logger.info("WhatsApp identity: partner %s, known by its BSUID only, is the person of partner %s; merged",
                     self.id, survivor.id)
        # sudo: res.partner - the identity fields of a partner the processing user manages; the
        # unique key is freed before the survivor takes the BSUID
        self.sudo().write({"whatsapp_user_id": False, "whatsapp_profile_name": False, "active": False})
        self.flush_recordset(["whatsapp_user_id"])
        self._whatsapp_merge_conversations(survivor)
        self._whatsapp_merge_records(survivor)
        # Here, not at commit: a row another transaction changed meanwhile (a status, a download)
        # surfaces inside the identity resolution, as a race whose item runs again.
        self.env.flush_all()

    def _whatsapp_merge_conversations(self, survivor):
        # sudo: discuss.channel - every conversation of the customer, whoever answers them
        conversations_sudo = self.env["discuss.channel"].sudo()
        channels_sudo = conversations_sudo.search([
            ("channel_type", "=", "whatsapp"), ("whatsapp_partner_id", "=", self.id)])
        for channel_sudo in channels_sudo.filtered(lambda channel: channel.whatsapp_status == "open"):
            account = channel_sudo.whatsapp_account_id
            conversations_sudo._whatsapp_lock_conversation(account, survivor)
            kept_sudo = conversations_sudo.search([
                ("channel_type", "=", "whatsapp"), ("whatsapp_account_id", "=", account.id),
                ("whatsapp_partner_id", "=", survivor.id), ("whatsapp_status", "=", "open")], limit=1)
            if kept_sudo:
                self._whatsapp_close_absorbed(channel_sudo, kept_sudo, survivor)
        renamed = channels_sudo.filtered(lambda channel: channel.name == self.name)
        channels_sudo.write({"whatsapp_partner_id": survivor.id})
        renamed.write({"name": survivor.name})
        # sudo: mail.message - the customer's own messages in their conversations
        self.env["mail.message"].sudo().search([
            ("model", "=", "discuss.channel"), ("res_id", "in", channels_sudo.ids), ("author_id", "=", self.id),
        ]).write({"author_id": survivor.id})
        channels_sudo.flush_recordset()  # one open conversation per account and customer: checked here
        # The queues show each conversation's customer: those still open now show the survivor.
        channels_sudo.filtered(lambda channel: channel.whatsapp_status == "open")._whatsapp_notify_queue()
        # The customer is never a member of their conversations (discuss.channel._whatsapp_get_or_open):
        # there is no membership to move.
        self._whatsapp_merge_reactions(survivor)

    def _whatsapp_close_absorbed(self, channel_sudo, kept_sudo, survivor):
        """``channel_sudo`` (this partner's) and ``kept_sudo`` (``survivor``'s) are both open on one
        account: the first is closed by the system, silently, and its attendant may carry on."""
        attendant = channel_sudo.whatsapp_assignee_id
        lang_env = self.with_context(lang=channel_sudo.whatsapp_account_id._conversation_lang()).env
        root = self.env.ref("base.user_root")
        channel_sudo.with_user(root)._whatsapp_close_by_system(lang_env._(
            "This contact was merged with %(customer)s, the same person: the conversation continues in "
            "protocol %(protocol)s.", customer=survivor.name, protocol=kept_sudo._whatsapp_protocol()))
        kept_sudo._whatsapp_post_notice(lang_env._(
            "The customer's conversation %(protocol)s was closed: it was written from another contact of "
            "the same person, now merged with this one.", protocol=channel_sudo._whatsapp_protocol()))
        if attendant and not kept_sudo.whatsapp_assignee_id and attendant in kept_sudo._whatsapp_transfer_targets():
            kept_sudo._whatsapp_assign_automatically(attendant)

    def _whatsapp_merge_reactions(self, survivor):
        """A customer has one reaction per message (whatsapp.message._apply_reaction): where both
        partners reacted to one message, the newer reaction stays."""
        # sudo: mail.message.reaction - the customer's reactions, wherever they reacted
        reactions_sudo = self.env["mail.message.reaction"].sudo()
        moved = reactions_sudo.search([("partner_id", "=", self.id)])
        both = moved | reactions_sudo.search([("partner_id", "=", survivor.id),
                                              ("message_id", "in", moved.message_id.ids)])
        newest = {reaction.message_id: reaction for reaction in both.sorted("id")}
        older = both - reactions_sudo.union(*newest.values())
        older.unlink()
        (moved - older).write({"partner_id": survivor.id})

    def _whatsapp_merge_records(self, survivor):
        """Move the records kept per customer to ``survivor``; modules keeping their own extend it."""
        # sudo: whatsapp.message - the customer's messages, in and out
        self.env["whatsapp.message"].sudo().search([("partner_id", "=", self.id)]).write(
            {"partner_id": survivor.id})
