from odoo import fields, models
from odoo.tools import SQL

# Aggregates Odoo's read_group lacks, for the measures that declare them (``aggregator=``).
PERCENTILES = {"median": 0.5, "p90": 0.9}


class WhatsAppReportConversation(models.Model):
    """Conversations as managers measure them: volume, first answer (average, median, 90th
    percentile), time to close, window use, transfers, customers waiting now. One row per
    conversation, read from the service records (no personal data, exact after anonymisation)
    and, for what is live (waiting now), from the conversation itself. A view queried on each read,
    as im_livechat's reports are."""

    _name = "whatsapp.report.conversation"
    _description = "WhatsApp Conversations Report"
    _auto = False
    _order = "opened_at desc"
    _rec_name = "opened_at"

    channel_id = fields.Many2one("discuss.channel", "Conversation", readonly=True)
    account_id = fields.Many2one("whatsapp.account", "WhatsApp Number", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    department_id = fields.Many2one("whatsapp.department", "Department", readonly=True)
    first_department_id = fields.Many2one("whatsapp.department", "Entry Department", readonly=True)
    attendant_id = fields.Many2one("res.users", "Attendant", readonly=True)
    first_attendant_id = fields.Many2one("res.users", "First Answered By", readonly=True)
    opened_at = fields.Datetime("Opened", readonly=True)
    first_response_at = fields.Datetime("First Answer", readonly=True)
    closed_at = fields.Datetime("Closed", readonly=True)
    outcome = fields.Selection(lambda self: self.env["whatsapp.service.record"].OUTCOMES, readonly=True)
    close_reason_id = fields.Many2one("whatsapp.close.reason", "Closing Reason", readonly=True)
    messages_in = fields.Integer("Messages Received", readonly=True)
    messages_out = fields.Integer("Messages Sent", readonly=True)
    media_in = fields.Integer("Files Received", readonly=True)
    media_out = fields.Integer("Files Sent", readonly=True)
    templates_sent = fields.Integer("Templates Sent", readonly=True)
    answered = fields.Integer("Answered", readonly=True)
    answered_in_window = fields.Integer("Answered in Time", readonly=True,
                                        help="First answer written while WhatsApp accepted free messages.")
    needed_template = fields.Integer(
        "Needed a Template", readonly=True,
        help="First answer came after the 24 h window: only a template could reach the customer.")
    transfer_count = fields.Integer("Transfers", readonly=True)
    auto_release_count = fields.Integer("Automatic Returns to Queue", readonly=True)
    first_response_hours = fields.Float("Time to First Answer (h, average)", readonly=True, aggregator="avg")
    first_response_median = fields.Float("Time to First Answer (h, median)", readonly=True, aggregator="median")
    first_response_p90 = fields.Float("Time to First Answer (h, 9 in 10 within)", readonly=True, aggregator="p90")
    first_response_business_hours = fields.Float(
        "Time to First Answer (business h, average)", readonly=True, aggregator="avg",
        help="Only the department's business hours count (every hour without business hours).")
    first_response_business_median = fields.Float(
        "Time to First Answer (business h, median)", readonly=True, aggregator="median",
        help="Only the department's business hours count (every hour without business hours).")
    close_hours = fields.Float("Time to Close (h, average)", readonly=True, aggregator="avg")
    close_business_hours = fields.Float(
        "Time to Close (business h, average)", readonly=True, aggregator="avg",
        help="Only the department's business hours count (every hour without business hours).")
    close_median = fields.Float("Time to Close (h, median)", readonly=True, aggregator="median")
    waiting = fields.Boolean("Customer Waiting Now", readonly=True,
                             help="Open, and the customer's message is the last one.")
    waiting_count = fields.Integer("Customers Waiting", readonly=True)
    wait_hours = fields.Float("Longest Wait Now (h)", readonly=True, aggregator="max")
    rating = fields.Float("Satisfaction", readonly=True, aggregator="avg")

    @property
    def _table_query(self):
        now = fields.Datetime.now()
        waiting = SQL("(channel.whatsapp_status = 'open' AND channel.whatsapp_last_direction = 'in')")
        first = SQL("CASE WHEN record.first_response_at IS NOT NULL THEN record.first_response_hours END")
        first_business = SQL(
            "CASE WHEN record.first_response_at IS NOT NULL THEN record.first_response_business_hours END")
        close = SQL("CASE WHEN record.closed_at IS NOT NULL THEN record.close_hours END")
        close_business = SQL("CASE WHEN record.closed_at IS NOT NULL THEN record.close_business_hours END")
        return SQL("""
            SELECT record.id, record.channel_id, record.account_id, record.company_id, record.department_id,
                   record.first_department_id, record.attendant_id,
                   record.first_attendant_id, record.opened_at, record.first_response_at, record.closed_at,
                   record.outcome, record.close_reason_id, record.messages_in, record.messages_out,
                   record.media_in, record.media_out, record.templates_sent,
                   (record.first_response_at IS NOT NULL)::int AS answered,
                   (record.first_response_at IS NOT NULL AND record.answered_in_window)::int AS answered_in_window,
                   (record.first_response_at IS NOT NULL AND NOT record.answered_in_window)::int AS needed_template,
                   record.transfer_count, record.auto_release_count,
                   %(first)s AS first_response_hours, %(first)s AS first_response_median,
                   %(first)s AS first_response_p90, %(first_business)s AS first_response_business_hours,
                   %(first_business)s AS first_response_business_median, %(close)s AS close_hours,
                   %(close)s AS close_median, %(close_business)s AS close_business_hours,
                   COALESCE(%(waiting)s, FALSE) AS waiting, COALESCE(%(waiting)s, FALSE)::int AS waiting_count,
                   CASE WHEN %(waiting)s
                        THEN GREATEST(EXTRACT(EPOCH FROM (%(now)s - channel.whatsapp_last_inbound_at)) / 3600, 0)
                   END AS wait_hours,
                   NULLIF(channel.rating_last_value, 0) AS rating
              FROM whatsapp_service_record record
              LEFT JOIN discuss_channel channel ON channel.id = record.channel_id
        """, first=first, close=close, first_business=first_business, close_business=close_business,
                   waiting=waiting, now=now)

    def _read_group_select(self, aggregate_spec, query):
        """Median and 90th percentile for the measures that ask for them (PostgreSQL's
        ``percentile_cont``): averages hide the customers who waited longest."""
        fname, __, func = aggregate_spec.partition(":")
        if func in PERCENTILES:
            return SQL("percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                       PERCENTILES[func], self._field_to_sql(self._table, fname, query))
        return super()._read_group_select(aggregate_spec, query)
