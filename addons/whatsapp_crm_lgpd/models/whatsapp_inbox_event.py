from odoo import api, models

from odoo.addons.whatsapp_crm.tools.webhook_payload import OtherChange

from ..tools.identifiers import like_patterns
from ..tools.user_preferences import FIELD as USER_PREFERENCES
from ..tools.user_preferences import parse_user_preferences

# What an erased item keeps as its customer: finished items need no lane any more.
ERASED_KEY = "erased"


class WhatsAppInboxEvent(models.Model):
    """Meta's ``user_preferences`` webhook (marketing stop / resume) records consent; erasure blanks
    the contact's webhook items, which name them (their lane is the number, their reference a wamid,
    which carries the number base64-encoded)."""

    _name = "whatsapp.inbox.event"
    _inherit = ["whatsapp.inbox.event", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 11

    def _dispatch_other_change(self, item):
        if not (isinstance(item, OtherChange) and item.field == USER_PREFERENCES):
            return super()._dispatch_other_change(item)
        account, reason = self._bound_account(item.phone_number_id)
        if not account:
            return "quarantined", reason
        partners = self.env["res.partner"]
        for update in parse_user_preferences(item.value):
            partner = partners._whatsapp_lgpd_find(update.wa_id, update.user_id)
            if update.value == "stop":
                partner._whatsapp_consent_record("opted_out", "meta_preferences", at=update.timestamp)
            else:
                partner._whatsapp_consent_record("opted_in", "meta_preferences", "consent", at=update.timestamp)
        return "done", None

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_erase(self, subject, limit):
        # Keys read "customer:<number or user id>" (whatsapp_crm/tools/inbox_split.py).
        keys = sorted(subject.phones | subject.user_ids)
        if not keys:
            return 0
        self.flush_model()
        # Items still waiting keep their lane: the erasure's second pass blanks them once processed.
        self.env.cr.execute("""
            UPDATE whatsapp_inbox_event SET customer_key = %s, reference = NULL, error = NULL
             WHERE id IN (SELECT id FROM whatsapp_inbox_event
                           WHERE customer_key LIKE ANY(%s) AND state NOT IN ('pending', 'retry') LIMIT %s)
        """, [ERASED_KEY, like_patterns(keys), limit])
        self.invalidate_model(["customer_key", "reference", "error"])
        return self.env.cr.rowcount if self.env.cr.rowcount == limit else 0
