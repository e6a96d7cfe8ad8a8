from odoo import fields, models

from ..const import DEFAULT_EXPORT_LINK_HOURS, DEFAULT_OPT_OUT_KEYWORDS, EXPORT_LINK_HOURS_PARAM, OPT_OUT_KEYWORDS_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    whatsapp_lgpd_opt_out_keywords = fields.Char(
        "Opt-out Keywords", default=DEFAULT_OPT_OUT_KEYWORDS, config_parameter=OPT_OUT_KEYWORDS_PARAM,
        help="Comma-separated. A customer message made of one of them (any case, accents or final "
             "punctuation) withdraws their consent to marketing messages.")
    whatsapp_lgpd_export_link_hours = fields.Integer(
        "Export Link Validity (hours)", default=DEFAULT_EXPORT_LINK_HOURS, config_parameter=EXPORT_LINK_HOURS_PARAM,
        help="How long the download link of a data export works; the file is deleted when it expires.")
