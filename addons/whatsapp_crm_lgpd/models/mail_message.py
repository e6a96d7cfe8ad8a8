from markupsafe import Markup

from odoo import api, models

from ..tools.export_archive import html_to_text


class MailMessage(models.Model):
    """The messages of the contact's conversations, of their contact record and any they wrote:
    exported with their text, erased to "[Dados removidos]" (count, date, author, type stay)."""

    _name = "mail.message"
    _inherit = ["mail.message", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 50

    # Rows about a message that hold its content or who reacted to it.
    _LGPD_RELATED = (
        ("mail_message_reaction", "message_id"),
        ("mail_tracking_value", "mail_message_id"),
        ("mail_notification", "mail_message_id"),
        ("mail_message_translation", "message_id"),
        ("mail_message_link_preview", "message_id"),
    )

    @api.model
    def _lgpd_export(self, subject, archive):
        ids = subject.mail_message_ids
        if not ids:
            archive.add_rows("messages", [])
            return
        cr = self.env.cr
        cr.execute("""
            SELECT id, model, res_id, date, author_id, message_type, subject, body, parent_id
              FROM mail_message WHERE id = ANY(%s) ORDER BY id
        """, [ids])
        messages = cr.fetchall()
        cr.execute("SELECT message_id, attachment_id FROM message_attachment_rel WHERE message_id = ANY(%s)", [ids])
        attachments = {}
        for message_id, attachment_id in cr.fetchall():
            attachments.setdefault(message_id, []).append(attachment_id)
        cr.execute("SELECT message_id, content, partner_id FROM mail_message_reaction WHERE message_id = ANY(%s)",
                   [ids])
        reactions = {}
        for message_id, content, partner_id in cr.fetchall():
            reactions.setdefault(message_id, []).append((content, partner_id))
        authors = {partner.id: partner.name for partner in self.env["res.partner"].with_context(
            active_test=False).browse({row[4] for row in messages if row[4]} | {
                partner_id for items in reactions.values() for _content, partner_id in items if partner_id})}
        customer = subject.partner.id

        def who(partner_id):
            return "customer" if partner_id == customer else authors.get(partner_id)

        archive.add_rows("messages", [{
            "id": message_id,
            "conversation_id": res_id if model == "discuss.channel" else None,
            "record": f"{model},{res_id}" if model and model != "discuss.channel" else None,
            "date": date,
            "author": who(author_id),
            "type": message_type,
            "subject": subject_line or None,
            "text": html_to_text(body),
            "html": body or "",
            "reply_to_message_id": parent_id,
            "attachment_ids": sorted(attachments.get(message_id, [])),
            "reactions": [{"emoji": content, "by": who(partner_id)} for content, partner_id in
                          reactions.get(message_id, [])],
        } for message_id, model, res_id, date, author_id, message_type, subject_line, body, parent_id in messages])

    @api.model
    def _lgpd_erase(self, subject, limit):
        """Scrub a batch of messages not scrubbed yet (found by state, so a message that arrived
        meanwhile is caught by the next pass), with their reactions, tracking values, notifications,
        translations and link previews."""
        ids = subject.mail_message_ids
        if not ids:
            return 0
        body = str(Markup("<p>%s</p>") % subject.placeholder)
        self.env.flush_all()
        cr = self.env.cr
        cr.execute("""
            SELECT id FROM mail_message
             WHERE id = ANY(%s)
               AND (body IS DISTINCT FROM %s OR subject IS NOT NULL OR email_from IS NOT NULL OR reply_to IS NOT NULL
                    OR incoming_email_to IS NOT NULL OR incoming_email_cc IS NOT NULL OR outgoing_email_to IS NOT NULL
                    OR EXISTS (SELECT 1 FROM mail_message_reaction r WHERE r.message_id = mail_message.id)
                    OR EXISTS (SELECT 1 FROM mail_tracking_value t WHERE t.mail_message_id = mail_message.id))
             ORDER BY id
             LIMIT %s
        """, [ids, body, limit])
        batch = [row[0] for row in cr.fetchall()]
        if not batch:
            return 0
        cr.execute("SELECT DISTINCT link_preview_id FROM mail_message_link_preview WHERE message_id = ANY(%s)", [batch])
        previews = [row[0] for row in cr.fetchall()]
        for table, column in self._LGPD_RELATED:
            cr.execute(f"DELETE FROM {table} WHERE {column} = ANY(%s)", [batch])  # noqa: S608 - constant names
        if previews:
            # Link previews of a URL the person sent, unless another message shows the same link.
            cr.execute("""
                DELETE FROM mail_link_preview p
                 WHERE id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM mail_message_link_preview l
                                                     WHERE l.link_preview_id = p.id)
            """, [previews])
        cr.execute("""
            UPDATE mail_message
               SET body = %s, subject = NULL, email_from = NULL, reply_to = NULL, incoming_email_to = NULL,
                   incoming_email_cc = NULL, outgoing_email_to = NULL
             WHERE id = ANY(%s)
        """, [body, batch])
        self.env.invalidate_all()
        return 1 if len(batch) == limit else 0
