from odoo import api, models

from odoo.addons.whatsapp_crm.tools.webhook_payload import OtherChange

from ..tools.identifiers import like_patterns
from ..tools.payload_scrub import scrub_webhook_body
from ..tools.user_preferences import FIELD as USER_PREFERENCES
from ..tools.user_preferences import parse_user_preferences


class WhatsAppInbox(models.Model):
    """Meta's ``user_preferences`` webhook (marketing stop / resume) records consent; erasure removes
    the person from the raw webhook bodies kept for deduplication and replay."""

    _name = "whatsapp.inbox"
    _inherit = ["whatsapp.inbox", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 10

    def _dispatch(self, item):
        if isinstance(item, OtherChange) and item.field == USER_PREFERENCES:
            account = self.env["whatsapp.account"]._find_by_phone_number_id(item.phone_number_id)
            if not account:
                return "quarantined"
            partners = self.env["res.partner"]
            for update in parse_user_preferences(item.value):
                partner = partners._whatsapp_lgpd_find(update.wa_id, update.user_id)
                if update.value == "stop":
                    partner._whatsapp_consent_record("opted_out", "meta_preferences", at=update.timestamp)
                else:
                    partner._whatsapp_consent_record("opted_in", "meta_preferences", "consent", at=update.timestamp)
            return "done"
        return super()._dispatch(item)

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
