from odoo import fields, models

# How conversations end and what the customer is sent around it. Each setting is one
# ir.config_parameter; `conversation_setting` reads it with the same default as the form.
CONVERSATION_SETTINGS = {
    "farewell_skip": ("whatsapp_crm.farewell_skip", False),
    "farewell_message": ("whatsapp_crm.farewell_message", ""),
    "nudge_count": ("whatsapp_crm.nudge_count", 0),
    "nudge_interval_minutes": ("whatsapp_crm.nudge_interval_minutes", 60),
    "nudge_message": ("whatsapp_crm.nudge_message", ""),
    "survey_enabled": ("whatsapp_crm.survey_enabled", False),
    "survey_scale": ("whatsapp_crm.survey_scale", "5"),
    "survey_expiry_hours": ("whatsapp_crm.survey_expiry_hours", 24),
    "survey_comment_minutes": ("whatsapp_crm.survey_comment_minutes", 10),
    "read_receipts_never": ("whatsapp_crm.read_receipts_never", False),
}


def conversation_setting(env, name):
    """The value of one of ``CONVERSATION_SETTINGS``, typed like its default."""
    key, default = CONVERSATION_SETTINGS[name]
    # sudo: ir.config_parameter - conversation settings are read on behalf of every attendant
    value = env["ir.config_parameter"].sudo().get_param(key)
    if value in (None, False, ""):
        return default
    if isinstance(default, bool):
        return value not in ("False", "0")
    if isinstance(default, int):
        try:
            return max(int(value), 0)
        except ValueError:
            return default
    return value


class ResConfigSettings(models.TransientModel):
    """Closing, automatic closing, the satisfaction survey and read receipts."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_farewell_skip = fields.Boolean(
        "Skip the Farewell Message", config_parameter="whatsapp_crm.farewell_skip",
        help="Close conversations without sending the customer a farewell message.")
    # Char: Odoo's settings store text parameters as Char only.
    whatsapp_farewell_message = fields.Char(
        "Farewell Message", config_parameter="whatsapp_crm.farewell_message",
        help="Sent when a conversation is closed (inside the 24-hour window only). Empty: a standard "
             "message with the protocol. Variables: {{nome}}, {{primeiro_nome}}, {{protocolo}}, "
             "{{atendente}}, {{setor}}, {{saudacao}}.")
    whatsapp_nudge_count = fields.Integer(
        "Nudges Before Closing", default=0, config_parameter="whatsapp_crm.nudge_count",
        help="A conversation waiting for the customer's answer gets this many reminders, then is closed "
             "with the farewell message. 0: conversations are never closed automatically.")
    whatsapp_nudge_interval_minutes = fields.Integer(
        "Minutes Between Nudges", default=60, config_parameter="whatsapp_crm.nudge_interval_minutes")
    whatsapp_nudge_message = fields.Char(
        "Nudge Message", config_parameter="whatsapp_crm.nudge_message",
        help="Empty: \"Are you still there?\" in the company's language.")
    whatsapp_survey_enabled = fields.Boolean(
        "Satisfaction Survey", config_parameter="whatsapp_crm.survey_enabled",
        help="After a conversation is closed by an attendant, ask the customer to rate the service.")
    whatsapp_survey_scale = fields.Selection(
        [("3", "3 answers (buttons)"), ("5", "5 answers (list)")], "Survey Answers", default="5",
        config_parameter="whatsapp_crm.survey_scale",
        help="WhatsApp shows at most 3 reply buttons: a 5-point scale is sent as a list.")
    whatsapp_survey_expiry_hours = fields.Integer(
        "Survey Valid For (hours)", default=24, config_parameter="whatsapp_crm.survey_expiry_hours",
        help="An answer arriving later is treated as a new message.")
    whatsapp_survey_comment_minutes = fields.Integer(
        "Minutes for a Comment", default=10, config_parameter="whatsapp_crm.survey_comment_minutes",
        help="A text the customer writes this soon after rating is kept as the rating's comment. 0: no comments.")
    whatsapp_read_receipts_never = fields.Boolean(
        "Never Send Read Receipts", config_parameter="whatsapp_crm.read_receipts_never",
        help="Customers never see blue ticks (nor \"typing…\", which WhatsApp ties to them).")
