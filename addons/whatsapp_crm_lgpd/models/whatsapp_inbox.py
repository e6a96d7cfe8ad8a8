from odoo import api, models

from ..tools.identifiers import like_patterns
from ..tools.payload_scrub import scrub_webhook_body


class WhatsAppInbox(models.Model):
    """Erasure removes the person from the raw webhook bodies kept for deduplication and replay."""

    _name = "whatsapp.inbox"
    _inherit = ["whatsapp.inbox", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 10

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_erase(self, subject, limit):
        needles = sorted(subject.phones | subject.user_ids)
        if not needles:
            return 0
        offset = subject.scratch.get("inbox_offset", 0)
        self.flush_model()
        patterns = like_patterns(needles)
        self.env.cr.execute("""
            SELECT id, raw_body FROM whatsapp_inbox
             WHERE id > %s AND raw_body LIKE ANY(%s)
             ORDER BY id
             LIMIT %s
        """, [offset, patterns, limit])
        rows = self.env.cr.fetchall()
        changed = [(event_id, body) for event_id, raw_body in rows if (body := scrub_webhook_body(
            raw_body, subject.phones, subject.user_ids, subject.names, subject.placeholder)) is not None]
        if changed:
            # One statement for the batch (one per row was most of the erasure's time).
            self.env.cr.execute("""
                UPDATE whatsapp_inbox SET raw_body = scrubbed.body, error = NULL
                  FROM unnest(%s::int[], %s::text[]) AS scrubbed(id, body)
                 WHERE whatsapp_inbox.id = scrubbed.id
            """, [[event_id for event_id, _body in changed], [body for _event_id, body in changed]])
        self.invalidate_model(["raw_body", "error"])
        if len(rows) < limit:
            subject.scratch.pop("inbox_offset", None)
            return 0
        subject.scratch["inbox_offset"] = rows[-1][0]
        return len(rows)
