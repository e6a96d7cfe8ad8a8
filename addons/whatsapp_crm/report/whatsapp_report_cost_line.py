from odoo import api, fields, models
from odoo.tools import SQL

from ..const import PRICING_CATEGORIES

# What a sent message adds to the cost report, by dimension, from a row of whatsapp_message ("m").
# Failed messages cost nothing; a message counts once Meta or we know its category.
COUNTED = "m.direction = 'out' AND m.state != 'failed' AND (m.billing_category IS NOT NULL OR m.pricing IS NOT NULL)"
DIMENSIONS = ("day", "account_id", "company_id", "attendant_id", "department_id", "template_id", "category",
              "country_id", "billable", "currency_id")
DIMENSION_VALUES = """
    (COALESCE(m.sent_at, m.create_date))::date, m.account_id, m.company_id, m.attendant_id, m.department_id,
    m.template_id,
    CASE WHEN m.pricing_category = ANY(ARRAY[{categories}]) THEN m.pricing_category ELSE m.billing_category END,
    m.cost_country_id, COALESCE(m.pricing_billable OR (m.pricing IS NULL AND m.estimated_cost > 0), FALSE),
    m.cost_currency_id
""".format(categories=", ".join(f"'{key}'" for key, _label in PRICING_CATEGORIES))
COLUMNS = ", ".join(DIMENSIONS)
GROUP_KEY = f"concat_ws('|', {COLUMNS})"
GROUP_BY = ", ".join(str(index) for index in range(1, len(DIMENSIONS) + 1))


class WhatsAppReportCostLine(models.Model):
    """What the cost report sums, kept as messages are sent and priced: one line per day and
    dimension (attendant, department, template, category, market...), not one per message.

    PostgreSQL triggers on whatsapp_message add a change line for each statement that changes what
    a message counts for (queued, sent, priced by Meta, failed, repriced), whatever wrote it (the
    ORM, a job, a migration). A periodic job folds the change lines into one line per dimension
    (``_cron_compact``); the report sums both, so it is exact at any time. Deleting a message (a
    conversation deleted, a retention policy) does not take its cost back: it was spent.
    """

    _name = "whatsapp.report.cost.line"
    _description = "WhatsApp Cost Report Line"
    _log_access = False
    _rec_name = "day"

    day = fields.Date(readonly=True, required=True)
    account_id = fields.Many2one("whatsapp.account", readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True, ondelete="cascade")
    attendant_id = fields.Many2one("res.users", readonly=True, ondelete="set null")
    department_id = fields.Many2one("whatsapp.department", readonly=True, ondelete="set null")
    template_id = fields.Many2one("whatsapp.template", readonly=True, ondelete="set null")
    category = fields.Selection(PRICING_CATEGORIES, readonly=True)
    country_id = fields.Many2one("res.country", readonly=True, ondelete="set null")
    billable = fields.Boolean(readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True, ondelete="set null")
    message_count = fields.Integer(readonly=True)
    estimated_cost = fields.Float(readonly=True, digits=(12, 6))
    compacted = fields.Boolean(readonly=True, help="A folded line (one per dimension); else a change line.")
    group_key = fields.Char(readonly=True, index=True, help="The dimensions, for folding.")

    _pending_index = models.Index("(id) WHERE NOT compacted")

    def init(self):
        self.env.cr.execute(SQL("""
            CREATE OR REPLACE FUNCTION whatsapp_report_cost_track() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF TG_OP = 'UPDATE' THEN
                    INSERT INTO whatsapp_report_cost_line (%(columns)s, message_count, estimated_cost, compacted,
                                                           group_key)
                    SELECT *, %(key)s FROM (
                        SELECT %(columns)s, sum(n) AS message_count, sum(cost) AS estimated_cost, FALSE
                          FROM (SELECT %(values)s, 1 AS n, COALESCE(m.estimated_cost, 0) AS cost
                                  FROM whatsapp_message_new m WHERE %(counted)s
                                UNION ALL
                                SELECT %(values)s, -1, -COALESCE(m.estimated_cost, 0)
                                  FROM whatsapp_message_old m WHERE %(counted)s) AS changes (%(columns)s, n, cost)
                         GROUP BY %(group_by)s HAVING sum(n) != 0 OR sum(cost) != 0) AS lines;
                ELSE
                    INSERT INTO whatsapp_report_cost_line (%(columns)s, message_count, estimated_cost, compacted,
                                                           group_key)
                    SELECT *, %(key)s FROM (
                        SELECT %(values)s, count(*), sum(COALESCE(m.estimated_cost, 0)), FALSE
                          FROM whatsapp_message_new m WHERE %(counted)s GROUP BY %(group_by)s
                    ) AS lines (%(columns)s);
                END IF;
                RETURN NULL;
            END
            $body$;
            DROP TRIGGER IF EXISTS whatsapp_report_cost_insert ON whatsapp_message;
            CREATE TRIGGER whatsapp_report_cost_insert AFTER INSERT ON whatsapp_message
                REFERENCING NEW TABLE AS whatsapp_message_new
                FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_report_cost_track();
            DROP TRIGGER IF EXISTS whatsapp_report_cost_update ON whatsapp_message;
            CREATE TRIGGER whatsapp_report_cost_update AFTER UPDATE ON whatsapp_message
                REFERENCING OLD TABLE AS whatsapp_message_old NEW TABLE AS whatsapp_message_new
                FOR EACH STATEMENT EXECUTE FUNCTION whatsapp_report_cost_track();
        """, columns=SQL(COLUMNS), values=SQL(DIMENSION_VALUES), counted=SQL(COUNTED), group_by=SQL(GROUP_BY),
            key=SQL(GROUP_KEY)))

    @api.model
    def _cron_compact(self):
        """Fold the change lines into one line per dimension (for the dimensions that changed)."""
        self.flush_model()
        self.env.cr.execute(SQL("""
            WITH touched AS (SELECT DISTINCT group_key FROM whatsapp_report_cost_line WHERE NOT compacted),
                 folded AS (DELETE FROM whatsapp_report_cost_line line USING touched
                             WHERE line.group_key = touched.group_key
                         RETURNING line.*)
            INSERT INTO whatsapp_report_cost_line (%(columns)s, message_count, estimated_cost, compacted, group_key)
            SELECT %(columns)s, sum(message_count), sum(estimated_cost), TRUE, group_key
              FROM folded GROUP BY %(columns)s, group_key
            HAVING sum(message_count) != 0 OR sum(estimated_cost) != 0
        """, columns=SQL(COLUMNS)))
        self.invalidate_model()

    @api.model
    def _rebuild(self):
        """All the lines again from the messages (the upgrade that introduced them): idempotent."""
        self.env["whatsapp.message"].flush_model()
        self.env.cr.execute("DELETE FROM whatsapp_report_cost_line")
        self.env.cr.execute(SQL("""
            INSERT INTO whatsapp_report_cost_line (%(columns)s, message_count, estimated_cost, compacted, group_key)
            SELECT *, %(key)s FROM (
                SELECT %(values)s, count(*), sum(COALESCE(m.estimated_cost, 0)), TRUE
                  FROM whatsapp_message m WHERE %(counted)s GROUP BY %(group_by)s
            ) AS lines (%(columns)s)
        """, columns=SQL(COLUMNS), values=SQL(DIMENSION_VALUES), counted=SQL(COUNTED), group_by=SQL(GROUP_BY),
            key=SQL(GROUP_KEY)))
        self.invalidate_model()
