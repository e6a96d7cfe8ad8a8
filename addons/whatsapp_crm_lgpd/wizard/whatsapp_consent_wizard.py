from odoo import api, fields, models

from ..const import CONSENT_STATUSES, LEGAL_BASES


class WhatsAppConsentWizard(models.TransientModel):
    """The DPO records a consent given or withdrawn outside WhatsApp (a form, a call), with its legal
    basis; it goes to the contact's consent history like every other change."""

    _name = "whatsapp.consent.wizard"
    _inherit = ["whatsapp.lgpd.concern"]
    _description = "Change WhatsApp Consent"
    _lgpd_sequence = 87

    partner_id = fields.Many2one("res.partner", "Contact", required=True, readonly=True, ondelete="cascade")
    status = fields.Selection([item for item in CONSENT_STATUSES if item[0] != "unknown"], "Consent",
                              required=True, default="opted_in")
    legal_basis = fields.Selection(LEGAL_BASES, required=True, default="consent")
    note = fields.Char(help="How the person expressed it (no personal data of others).")
    request_id = fields.Many2one("whatsapp.lgpd.request", "Request", ondelete="set null",
                                 domain="[('partner_id', '=', partner_id)]")

    def action_confirm(self):
        self.ensure_one()
        self.partner_id._whatsapp_lgpd_check_dpo()
        self.partner_id._whatsapp_consent_record(self.status, "dpo", self.legal_basis, note=self.note,
                                                 request=self.request_id or None)
        self.write({"note": False})
        return {"type": "ir.actions.act_window_close"}

    @api.model
    def _lgpd_erase(self, subject, limit):
        self.search([("partner_id", "=", subject.partner.id)]).unlink()
        return 0
