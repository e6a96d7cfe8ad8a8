from odoo import api, fields, models

from ..const import CONSENT_SOURCES, CONSENT_STATUSES, LEGAL_BASES


class WhatsAppConsentEvent(models.Model):
    """One change of a contact's WhatsApp consent: the history the DPO shows as proof (LGPD Art. 8, §2).

    Append-only: written by ``res.partner._whatsapp_consent_record``, never edited. It holds no
    personal data but the optional note, which the erasure clears; the rows themselves stay, as the
    statistics do.
    """

    _name = "whatsapp.consent.event"
    _inherit = ["whatsapp.lgpd.concern"]
    _description = "WhatsApp Consent Change"
    _order = "date desc, id desc"
    _lgpd_sequence = 80

    partner_id = fields.Many2one("res.partner", "Contact", required=True, index=True, ondelete="cascade",
                                 readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    previous_status = fields.Selection(CONSENT_STATUSES, "Before", readonly=True)
    status = fields.Selection(CONSENT_STATUSES, "After", required=True, readonly=True)
    source = fields.Selection(CONSENT_SOURCES, required=True, readonly=True)
    legal_basis = fields.Selection(LEGAL_BASES, readonly=True)
    note = fields.Char(readonly=True)
    operator_id = fields.Many2one("res.users", "Recorded By", readonly=True, ondelete="set null")
    request_id = fields.Many2one("whatsapp.lgpd.request", "Request", readonly=True, ondelete="set null")

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_export(self, subject, archive):
        events = self.search([("partner_id", "=", subject.partner.id)], order="date, id")
        archive.add_rows("consent_history", [{
            "date": event.date,
            "before": event.previous_status or None,
            "after": event.status,
            "source": event.source,
            "legal_basis": event.legal_basis or None,
            "note": event.note or None,
        } for event in events])

    @api.model
    def _lgpd_erase(self, subject, limit):
        self.search([("partner_id", "=", subject.partner.id), ("note", "!=", False)]).write({"note": False})
        return 0
