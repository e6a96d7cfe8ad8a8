from odoo import fields, models
from odoo.tools import SQL

from ..const import PRICING_CATEGORIES


class WhatsAppReportCost(models.Model):
    """What the messages the team sent cost, estimated from the message rates: per month,
    category, attendant, department, template and number. One row per message sent (failed ones
    excepted); Meta's word on billing wins once a status reported it
    (``whatsapp.message._compute_estimated_cost``). Everything is read from the message itself
    (attendant and department are stored on it when it is queued): one scan of one table, no join."""

    _name = "whatsapp.report.cost"
    _description = "WhatsApp Cost Report"
    _auto = False
    _order = "date desc"
    _rec_name = "date"

    date = fields.Datetime("Sent", readonly=True)
    account_id = fields.Many2one("whatsapp.account", "WhatsApp Number", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    channel_id = fields.Many2one("discuss.channel", "Conversation", readonly=True)
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
            SELECT message.id, COALESCE(message.sent_at, message.create_date) AS date, message.account_id,
                   message.company_id, message.channel_id, message.attendant_id, message.department_id,
                   message.template_id,
                   CASE WHEN message.pricing_category = ANY(%(categories)s) THEN message.pricing_category
                        ELSE message.billing_category END AS category,
                   message.cost_country_id AS country_id,
                   COALESCE(message.pricing_billable OR (message.pricing IS NULL AND message.estimated_cost > 0),
                            FALSE) AS billable,
                   1 AS message_count, COALESCE(message.estimated_cost, 0) AS estimated_cost,
                   message.cost_currency_id AS currency_id
              FROM whatsapp_message message
             WHERE message.direction = 'out' AND message.state != 'failed'
               AND (message.billing_category IS NOT NULL OR message.pricing IS NOT NULL)
        """, categories=[key for key, _label in PRICING_CATEGORIES])
