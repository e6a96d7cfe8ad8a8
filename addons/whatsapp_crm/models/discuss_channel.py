from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

from odoo.addons.mail.tools.discuss import Store

# Meta's customer-service window: free-form messages are accepted for 24 h after the
# customer's last inbound message.
WINDOW = timedelta(hours=24)


def is_whatsapp_channel(channel):
    """The one predicate that says a channel is a WhatsApp conversation.

    The technical value 'whatsapp' is deliberate: Community's mail already treats it like a chat
    (channel_fetched "seen" notifications, message notifications), so Discuss behaves for our
    conversations as it does for direct messages. It is also why this addon cannot be installed
    next to Odoo Enterprise's `whatsapp` module: they are two answers to the same need.
    """
    return channel.channel_type == "whatsapp"


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    channel_type = fields.Selection(
        selection_add=[("whatsapp", "WhatsApp Conversation")], ondelete={"whatsapp": "cascade"})
    whatsapp_account_id = fields.Many2one("whatsapp.account", "WhatsApp Account", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    whatsapp_partner_id = fields.Many2one("res.partner", "WhatsApp Customer", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    whatsapp_status = fields.Selection([("open", "Open"), ("closed", "Closed")], "Conversation Status",
                                       readonly=True)
    whatsapp_last_inbound_at = fields.Datetime("Customer's Last Message", readonly=True)
    whatsapp_window_expires_at = fields.Datetime(
        "Reply Window Ends", compute="_compute_whatsapp_window_expires_at", store=True,
        help="WhatsApp accepts free-form replies until then; after it, only approved templates.")

    # One open conversation per (account, customer), whatever the concurrency.
    _whatsapp_open_unique = models.UniqueIndex(
        "(whatsapp_account_id, whatsapp_partner_id) WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'")

    @api.depends("whatsapp_last_inbound_at")
    def _compute_whatsapp_window_expires_at(self):
        for channel in self:
            last = channel.whatsapp_last_inbound_at
            channel.whatsapp_window_expires_at = last + WINDOW if last else False

    # ------------------------------------------------------------
    # STORE (client data)
    # ------------------------------------------------------------

    def _to_store_defaults(self, target: Store.Target):
        return super()._to_store_defaults(target) + [
            Store.Attr("whatsapp_window_expires_at", predicate=is_whatsapp_channel),
            Store.Attr("whatsapp_status", predicate=is_whatsapp_channel),
            # sudo: res.partner - the customer of a conversation the user can read
            Store.One("whatsapp_partner_id", ["name", "phone", "whatsapp_profile_name"],
                      predicate=is_whatsapp_channel, sudo=True),
        ]

    def _sync_field_names(self):
        field_names = super()._sync_field_names()
        field_names[None].append(Store.Attr("whatsapp_window_expires_at", predicate=is_whatsapp_channel))
        field_names[None].append(Store.Attr("whatsapp_status", predicate=is_whatsapp_channel))
        return field_names

    # ------------------------------------------------------------
    # MAILING
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        """What an attendant writes in a WhatsApp conversation goes to the customer."""
        res = super()._message_post_after_hook(message, msg_vals)
        if (is_whatsapp_channel(self)
                and not self.env.context.get("whatsapp_inbound")
                and message.message_type == "comment"
                and message.author_id != self.whatsapp_partner_id):
            # sudo: whatsapp.message - the send queue is written on behalf of the attendant
            self.env["whatsapp.message"].sudo()._enqueue_outbound(self.sudo(), message)
        return res

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_get_or_open(self, account, partner):
        """The open conversation of ``partner`` on ``account``, created on first contact.

        An advisory lock per (account, partner) makes ten parallel first messages open one
        conversation; the unique index is the backstop if anything bypasses it.
        """
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"whatsapp_crm.channel:{account.id}:{partner.id}"])
        channel = self.search([
            ("channel_type", "=", "whatsapp"),
            ("whatsapp_account_id", "=", account.id),
            ("whatsapp_partner_id", "=", partner.id),
            ("whatsapp_status", "=", "open"),
        ], limit=1)
        if channel:
            return channel
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant").all_user_ids.filtered(
            lambda user: user.active and not user.share
        ) - self.env.ref("whatsapp_crm.user_whatsapp_processing")
        channel = self.create({
            "name": partner.name,
            "channel_type": "whatsapp",
            "whatsapp_account_id": account.id,
            "whatsapp_partner_id": partner.id,
            "whatsapp_status": "open",
            "channel_member_ids": [Command.create({"partner_id": pid})
                                   for pid in (partner | attendants.partner_id).ids],
        })
        # Discuss adds the creator as a member; the processing user is not a participant.
        channel.channel_member_ids.filtered(
            lambda member: member.partner_id == self.env.user.partner_id
            and member.partner_id not in attendants.partner_id).unlink()
        return channel

    def _whatsapp_register_inbound(self, meta_timestamp):
        """The customer wrote: the 24 h window restarts from their message.

        A timestamp in the future (a wrong clock, a forged 2099) is capped at now.
        """
        now = fields.Datetime.now()
        moment = min(meta_timestamp, now) if meta_timestamp else now
        if not self.whatsapp_last_inbound_at or moment > self.whatsapp_last_inbound_at:
            self.whatsapp_last_inbound_at = moment
