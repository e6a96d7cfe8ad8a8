from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    whatsapp_privacy_policy_url = fields.Char(
        "Privacy Policy URL",
        help="Where customers read how their data is handled (LGPD); templates offer it as a default, "
             "e.g. in the welcome message.")
