from odoo import fields, models

from .whatsapp_push import (
    DEFAULT_PUSH_INTERVAL_SECONDS,
    DEFAULT_PUSH_TTL_SECONDS,
    PUSH_INTERVAL_PARAM,
    PUSH_TTL_PARAM,
)


class ResConfigSettings(models.TransientModel):
    """How long a web push waits at the push service for an attendant's browser to come back, and how
    often one conversation may alert again."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_push_ttl_seconds = fields.Integer(
        "Keep Alerts For (seconds)", default=DEFAULT_PUSH_TTL_SECONDS, config_parameter=PUSH_TTL_PARAM,
        help="An attendant whose computer is asleep or offline still gets the alert if it comes back within "
             "this time (the push service drops it afterwards).")
    whatsapp_push_interval_seconds = fields.Integer(
        "Alert Again After (seconds)", default=DEFAULT_PUSH_INTERVAL_SECONDS, config_parameter=PUSH_INTERVAL_PARAM,
        help="A conversation alerts at most once in this time; its later messages update the alert when it "
             "ends. 0: every message alerts.")
