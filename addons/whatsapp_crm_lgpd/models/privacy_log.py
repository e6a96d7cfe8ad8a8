from odoo import api, fields, models

from ..tools.identifiers import digits_of, mask_phone


class PrivacyLog(models.Model):
    """Lookups by phone are logged masked. Odoo's own log stores a value that is not an e-mail
    address verbatim inside its "not valid" text: a phone typed there would be kept in clear."""

    _inherit = "privacy.log"

    anonymized_phone = fields.Char("Phone (masked)")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("anonymized_phone"):
                vals["anonymized_phone"] = mask_phone(vals["anonymized_phone"])
        return super().create(vals_list)

    def _anonymize_name(self, label):
        if label and len(digits_of(label)) >= 6 and "@" not in label:
            return mask_phone(label)
        return super()._anonymize_name(label)

    def _anonymize_email(self, label):
        if not label or "@" not in label:
            return mask_phone(label) if len(digits_of(label or "")) >= 6 else "*" * len(label or "")
        return super()._anonymize_email(label)
