from odoo import fields, models
from odoo.tools import SQL

from ..const import PRICING_CATEGORIES
from .whatsapp_report_cost_line import COLUMNS


class WhatsAppReportCost(models.Model):
    """What the messages the team sent cost, estimated from the message rates: per day (month),
    category, attendant, department, template and number (failed messages excepted); Meta's word on
    billing wins once a status reported it (``whatsapp.message._compute_estimated_cost``).

    Read from the lines kept as messages are sent and priced (``whatsapp.report.cost.line``), a few
    per day, not from the messages: a million messages were 5 to 7 seconds to sum at each read."""

    _name = "whatsapp.report.cost"
    _description = "WhatsApp Cost Report"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date("Sent", readonly=True)
    account_id = fields.Many2one("whatsapp.account", "WhatsApp Number", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    attendant_id = fields.Many2one("res.users", "Attendant", readonly=True)
    department_id = fields.Many2one("whatsapp.department", "Department", readonly=True)
    template_id = fields.Many2one("whatsapp.template", "Template", readonly=True)
    category = fields.Selection(PRICING_CATEGORIES, "Category", readonly=True)
    country_id = fields.Many2one("res.country", "Market", readonly=True)
    billable = fields.Boolean(readonly=True)
    message_count = fields.Integer("Messages", readonly=True)
    estimated_cost = fields.Float("Estimated Cost", readonly=True, digits=(12, 6))
    currency_id = fields.Many2one("res.currency", readonly=True)

    @property
    def _table_query(self):
        return SQL("""
            SELECT min(line.id) AS id, line.day AS date, %(columns)s, sum(line.message_count) AS message_count,
                   sum(line.estimated_cost) AS estimated_cost
              FROM whatsapp_report_cost_line line
             GROUP BY %(columns)s
            HAVING sum(line.message_count) != 0 OR sum(line.estimated_cost) != 0
        """, columns=SQL(COLUMNS))
