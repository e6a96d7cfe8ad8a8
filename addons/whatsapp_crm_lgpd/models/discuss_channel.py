from odoo import api, models

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.whatsapp_crm.models.discuss_channel import is_whatsapp_channel


class DiscussChannel(models.Model):
    """The consent badge in the conversation header; the contact's conversations renamed and closed
    by the erasure (their messages and statistics stay, scrubbed)."""

    _name = "discuss.channel"
    _inherit = ["discuss.channel", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 6

    def _to_store_defaults(self, target: Store.Target):
        return super()._to_store_defaults(target) + [
            # sudo: res.partner - the consent of the customer of a conversation the user can read
            Store.One("whatsapp_partner_id", [
                Store.Attr("whatsapp_consent_badge", lambda partner: partner._whatsapp_consent_badge()),
            ], predicate=is_whatsapp_channel, sudo=True),
        ]

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_export(self, subject, archive):
        channels = subject.channels.sorted("id")
        archive.add_rows("conversations", [{
            "id": channel.id,
            "whatsapp_number": channel.whatsapp_account_id.display_phone_number or None,
            "account": channel.whatsapp_account_id.name or None,
            "opened_on": channel.create_date,
            "status": channel.whatsapp_status or None,
            "last_customer_message_at": channel.whatsapp_last_inbound_at or None,
            "answered_by": channel.whatsapp_assignee_id.name or None,
        } for channel in channels])
        # Who handled the conversations: their attendants (assignees and authors of replies and notes).
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT DISTINCT author_id FROM mail_message
             WHERE model = 'discuss.channel' AND res_id = ANY(%s) AND author_id IS NOT NULL AND author_id != %s
        """, [channels.ids, subject.partner.id])
        authors = self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())
        handlers = (authors.user_ids | channels.whatsapp_assignee_id).filtered(lambda user: not user.share)
        handlers -= self.env.ref("base.user_root") | self.env.ref("whatsapp_crm.user_whatsapp_processing")
        archive.add_rows("handlers", [{"name": user.name, "role": "attendant"} for user in handlers.sorted("name")])

    @api.model
    def _lgpd_erase(self, subject, limit):
        """Rename the conversations, close the open ones and let the attendants leave them: the person's
        next message opens a new conversation with a new contact. The attendant who answered stays
        (a statistic); nobody is notified of anything but the new name."""
        channels = subject.channels
        placeholder = subject.placeholder
        todo = channels.filtered(lambda c: c.name != placeholder or c.description or c.whatsapp_status == "open"
                                 or c.whatsapp_last_preview)
        if todo:
            # sudo: discuss.channel - helpdesk fields are written in superuser mode only
            todo.sudo().write({"name": placeholder, "description": False, "whatsapp_status": "closed",
                               "whatsapp_last_preview": False})
            todo._whatsapp_notify_queue()
        members = channels.channel_member_ids
        members.filtered(lambda member: member.partner_id.user_ids).unlink()
        members.exists().filtered("custom_channel_name").write({"custom_channel_name": False})
        return 0
