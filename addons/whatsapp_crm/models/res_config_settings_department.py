from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """The greeting menu of departments (departments themselves: WhatsApp > Departments)."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    # Char: Odoo's settings store text parameters as Char only.
    whatsapp_menu_greeting = fields.Char(
        "Menu Greeting", config_parameter="whatsapp_crm.menu_greeting",
        help="The first message of a new conversation, above the departments to choose from (when there are "
             "two or more). Empty: \"Hello! Who would you like to talk to?\". Variables: {{nome}}, "
             "{{primeiro_nome}}, {{saudacao}}.")
    whatsapp_menu_timeout_minutes = fields.Integer(
        "Minutes to Choose", default=10, config_parameter="whatsapp_crm.menu_timeout_minutes",
        help="A customer who has not chosen a department by then goes to the default department.")
