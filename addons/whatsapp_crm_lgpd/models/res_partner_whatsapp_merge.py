from odoo import models

from .res_partner import HOLD_FIELDS

CONSENT_FIELDS = ("whatsapp_consent_status", "whatsapp_consent_date", "whatsapp_consent_source",
                  "whatsapp_consent_legal_basis")


class ResPartner(models.Model):
    """A merged WhatsApp customer (whatsapp_crm's res_partner_whatsapp_merge.py) keeps their LGPD data
    on the surviving partner: their data subject requests and consent history, the newer of the two
    consents (of two recorded in the same second, the opt-out), and a legal hold the survivor does
    not have. The audit log is not rewritten: its entries name the record that was acted on, which
    stays (archived)."""

    # One concern per file (the consent and erasure live in res_partner.py).
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _whatsapp_merge_records(self, survivor):
        result = super()._whatsapp_merge_records(survivor)
        for model in ("whatsapp.consent.event", "whatsapp.lgpd.request"):
            # sudo: whatsapp.consent.event, whatsapp.lgpd.request - written by the system only; the
            # person's history follows them
            self.env[model].sudo().search([("partner_id", "=", self.id)]).write({"partner_id": survivor.id})
        updates = {}
        if self.whatsapp_consent_date and (not survivor.whatsapp_consent_date
                                           or self._whatsapp_consent_rank() > survivor._whatsapp_consent_rank()):
            updates.update({name: self[name] for name in CONSENT_FIELDS})
        if self.whatsapp_lgpd_hold_reason and not survivor.whatsapp_lgpd_hold_reason:
            updates.update({name: self[name] for name in HOLD_FIELDS})
        if updates:
            # sudo: res.partner - consent and hold are written by the system (_whatsapp_lgpd_check_write)
            survivor.sudo().write(updates)
        if CONSENT_FIELDS[0] in updates:
            survivor._whatsapp_consent_notify()
        return result

    def _whatsapp_consent_rank(self):
        """The newer consent is the customer's; of two recorded in the same second, the opt-out."""
        return self.whatsapp_consent_date, self.whatsapp_consent_status == "opted_out"
