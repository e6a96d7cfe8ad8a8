from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._whatsapp_add_processing_user()
        return companies

    @api.model
    def _whatsapp_processing_user_serves_all(self):
        """(install) The processing user works for every company that exists."""
        # sudo: res.company - every company, whatever the installing user sees
        self.sudo().search([])._whatsapp_add_processing_user()

    def _whatsapp_add_processing_user(self):
        """Each company's webhooks are processed and its messages sent by the processing user, under
        the multi-company record rules: it belongs to every company, new ones included."""
        processing = self.env.ref("whatsapp_crm.user_whatsapp_processing", raise_if_not_found=False)
        if processing:
            # sudo: res.users - the technical user follows the companies, whoever creates them
            processing.sudo().company_ids |= self
    whatsapp_privacy_policy_url = fields.Char(
        "Privacy Policy URL",
        help="Where customers read how their data is handled (LGPD); templates offer it as a default, "
             "e.g. in the welcome message.")
