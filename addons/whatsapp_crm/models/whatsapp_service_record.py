from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.webhook_payload import CHANGE_KINDS, MEDIA_TYPES
from .whatsapp_message import NOTICE_KINDS

# Inbound kinds that are not the customer writing: reactions land on a message, edits and
# revokes change one, notices come from WhatsApp.
NOT_COUNTED_INBOUND = frozenset({"reaction"}) | CHANGE_KINDS | NOTICE_KINDS


class WhatsAppServiceRecord(models.Model):
    """How one conversation was served, for the managers' reports: when it opened, when the team
    first answered and who, when it closed and why, how many messages, files and templates went
    each way, transfers and automatic returns to the queue.

    It holds no personal data (no customer, no text) and is written as things happen, never
    recomputed from the conversation, so its figures stay exact after the customer is anonymised
    (their conversation renamed, their messages scrubbed). One per conversation (a closed
    conversation stays closed: the customer's next message opens a new one).
    """

    _name = "whatsapp.service.record"
    _description = "WhatsApp Service Record"
    _order = "opened_at desc, id desc"
    _rec_name = "channel_id"

    OUTCOMES = [
        ("open", "In progress"),
        ("closed", "Closed by the team"),
        ("auto_closed", "Closed automatically"),
    ]

    channel_id = fields.Many2one("discuss.channel", "Conversation", readonly=True, ondelete="set null",
                                 index="btree_not_null")
    account_id = fields.Many2one("whatsapp.account", "WhatsApp Number", readonly=True, index=True,
                                 ondelete="cascade")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    department_id = fields.Many2one(
        "whatsapp.department", "Department", readonly=True, index="btree_not_null", ondelete="set null",
        help="The department that answered it last: where it was when it closed (or is now).")
    first_department_id = fields.Many2one("whatsapp.department", "Entry Department", readonly=True,
                                          ondelete="set null", help="Where the customer arrived first.")
    attendant_id = fields.Many2one("res.users", "Attendant", readonly=True, index="btree_not_null",
                                   ondelete="set null", help="Who answered it last (or is answering it now).")
    first_attendant_id = fields.Many2one("res.users", "First Answered By", readonly=True, ondelete="set null")
    opened_at = fields.Datetime("Opened", readonly=True, required=True, index=True)
    first_response_at = fields.Datetime("First Answer", readonly=True)
    closed_at = fields.Datetime("Closed", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True, required=True, default="open")
    close_reason_id = fields.Many2one("whatsapp.close.reason", "Closing Reason", readonly=True, ondelete="set null")
    messages_in = fields.Integer("Messages Received", readonly=True)
    messages_out = fields.Integer("Messages Sent", readonly=True)
    media_in = fields.Integer("Files Received", readonly=True)
    media_out = fields.Integer("Files Sent", readonly=True)
    templates_sent = fields.Integer("Templates Sent", readonly=True)
    answered_in_window = fields.Boolean(
        "First Answer in Time", readonly=True,
        help="The first answer was written while WhatsApp still accepted free messages (24 h after the customer's).")
    transfer_count = fields.Integer("Transfers", readonly=True)
    auto_release_count = fields.Integer("Automatic Returns to Queue", readonly=True)
    first_response_hours = fields.Float("Time to First Answer (h)", readonly=True, aggregator="avg",
                                        compute="_compute_durations", store=True)
    close_hours = fields.Float("Time to Close (h)", readonly=True, aggregator="avg",
                               compute="_compute_durations", store=True)
    first_response_business_hours = fields.Float(
        "Time to First Answer (business h)", readonly=True, aggregator="avg",
        compute="_compute_business_durations", store=True,
        help="Counting only the department's business hours (all hours without a department or its calendar).")
    close_business_hours = fields.Float(
        "Time to Close (business h)", readonly=True, aggregator="avg",
        compute="_compute_business_durations", store=True,
        help="Counting only the department's business hours (all hours without a department or its calendar).")

    _channel_unique = models.UniqueIndex("(channel_id) WHERE channel_id IS NOT NULL")

    @api.depends("opened_at", "first_response_at", "closed_at")
    def _compute_durations(self):
        for record in self:
            opened = record.opened_at
            record.first_response_hours = _hours(opened, record.first_response_at)
            record.close_hours = _hours(opened, record.closed_at)

    # The calendar is not a dependency on purpose: a change of hours does not rewrite past figures.
    @api.depends("opened_at", "first_response_at", "closed_at", "department_id")
    def _compute_business_durations(self):
        for record in self:
            department, opened = record.department_id, record.opened_at
            if department:
                seconds = department._whatsapp_business_seconds
                record.first_response_business_hours = seconds(opened, record.first_response_at) / 3600
                record.close_business_hours = seconds(opened, record.closed_at) / 3600
            else:
                record.first_response_business_hours = _hours(opened, record.first_response_at)
                record.close_business_hours = _hours(opened, record.closed_at)

    # ------------------------------------------------------------
    # BUSINESS (called by the conversation and message hooks, in superuser mode)
    # ------------------------------------------------------------

    @api.model
    def _open_for(self, channels):
        """A record for each new conversation."""
        return self.create([{
            "channel_id": channel.id,
            "account_id": channel.whatsapp_account_id.id,
            "company_id": channel.whatsapp_account_id.company_id.id,
            "department_id": channel.whatsapp_department_id.id,
            "first_department_id": channel.whatsapp_department_id.id,
            "opened_at": fields.Datetime.now(),
        } for channel in channels])

    @api.model
    def _follow_department(self, channels):
        """The conversations changed department (chosen in the menu, transferred): their records
        follow while they are open; a closed one keeps the department that closed it."""
        for record in self.search([("channel_id", "in", channels.ids), ("outcome", "=", "open")]):
            department = record.channel_id.whatsapp_department_id
            if department != record.department_id:
                record.write({"department_id": department.id,
                              "first_department_id": record.first_department_id.id or department.id})

    @api.model
    def _of(self, channel):
        return self.search([("channel_id", "=", channel.id)], limit=1)

    @api.model
    def _add_counts(self, channel_ids, **increments):
        """Add to the counters of conversations' records in one statement (no read first: two
        jobs of one conversation may add at once).

        :param channel_ids: a conversation's id, or a list of them
        """
        increments = {name: value for name, value in increments.items() if value}
        if not increments:
            return
        self.flush_model(list(increments))
        self.env.cr.execute(SQL(
            "UPDATE whatsapp_service_record SET %s WHERE channel_id = ANY(%s)",
            SQL(", ").join(SQL("%s = COALESCE(%s, 0) + %s", SQL.identifier(name), SQL.identifier(name), value)
                           for name, value in increments.items()),
            [channel_ids] if isinstance(channel_ids, int) else list(channel_ids),
        ))
        self.invalidate_model(list(increments))

    # ------------------------------------------------------------
    # BACKFILL (conversations older than the records: post-migrate of 19.0.1.2.0)
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_backfill(self):
        """A record for every conversation without one, from what the database still tells: opened
        (its first message), first answer by a person (when, who, whether a template was needed),
        closing, counts of messages, files and templates. Transfers and automatic returns were not
        recorded then (0). Then the attendant and department of the sent messages (the cost report).
        Idempotent: only what is missing is written (the cost report's lines are rebuilt whole).
        Returns the records created."""
        self.flush_model()
        self.env["whatsapp.message"].flush_model()
        self.env.cr.execute(SQL("""
            INSERT INTO whatsapp_service_record (
                   channel_id, account_id, company_id, department_id, first_department_id, attendant_id,
                   first_attendant_id, opened_at, first_response_at, closed_at, outcome, close_reason_id,
                   messages_in, messages_out, media_in, media_out, templates_sent, answered_in_window,
                   transfer_count, auto_release_count, first_response_hours, close_hours,
                   first_response_business_hours, close_business_hours,
                   create_uid, write_uid, create_date, write_date)
            SELECT channel.id, channel.whatsapp_account_id, account.company_id, channel.whatsapp_department_id,
                   channel.whatsapp_department_id,
                   COALESCE(channel.whatsapp_closing_attendant_id, channel.whatsapp_assignee_id, first.user_id),
                   first.user_id, opening.at, first.at, closing.at,
                   CASE WHEN closing.at IS NULL THEN 'open'
                        WHEN channel.whatsapp_closed_by_id IS NULL THEN 'auto_closed' ELSE 'closed' END,
                   channel.whatsapp_close_reason_id,
                   counts.messages_in, counts.messages_out, counts.media_in, counts.media_out, counts.templates_sent,
                   NOT COALESCE(first.window_closed, FALSE), 0, 0, hours.first, hours.close, hours.first, hours.close,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM discuss_channel channel
              JOIN whatsapp_account account ON account.id = channel.whatsapp_account_id
              CROSS JOIN LATERAL (
                    SELECT COALESCE(min(post.date), channel.create_date) AS at FROM mail_message post
                     WHERE post.model = 'discuss.channel' AND post.res_id = channel.id
              ) opening
              CROSS JOIN LATERAL (
                    SELECT CASE WHEN channel.whatsapp_status = 'closed'
                                THEN COALESCE(channel.whatsapp_closed_at, channel.write_date) END AS at
              ) closing
              CROSS JOIN LATERAL (
                    SELECT count(*) FILTER (WHERE direction = 'in' AND message_type != ALL(%(not_counted)s))
                               AS messages_in,
                           count(*) FILTER (WHERE direction = 'in' AND message_type = ANY(%(media)s)) AS media_in,
                           count(*) FILTER (WHERE direction = 'out') AS messages_out,
                           count(*) FILTER (WHERE direction = 'out' AND message_type = ANY(%(media)s)) AS media_out,
                           count(*) FILTER (WHERE direction = 'out' AND message_type = 'template') AS templates_sent
                      FROM whatsapp_message WHERE channel_id = channel.id
              ) counts
              LEFT JOIN LATERAL (
                    SELECT post.date AS at, users.id AS user_id,
                           message.template_window_closed AS window_closed
                      FROM whatsapp_message message
                      JOIN mail_message post ON post.id = message.mail_message_id
                      JOIN res_users users ON users.partner_id = post.author_id AND users.active
                                          AND users.share IS NOT TRUE
                     WHERE message.channel_id = channel.id AND message.direction = 'out'
                     ORDER BY message.id, users.id LIMIT 1
              ) first ON TRUE
              CROSS JOIN LATERAL (
                    SELECT COALESCE(EXTRACT(EPOCH FROM first.at - opening.at) / 3600, 0) AS first,
                           COALESCE(EXTRACT(EPOCH FROM closing.at - opening.at) / 3600, 0) AS close
              ) hours
             WHERE channel.channel_type = 'whatsapp'
               AND NOT EXISTS (SELECT FROM whatsapp_service_record record WHERE record.channel_id = channel.id)
            ON CONFLICT (channel_id) WHERE channel_id IS NOT NULL DO NOTHING
            RETURNING id
        """, uid=self.env.uid, not_counted=sorted(NOT_COUNTED_INBOUND), media=sorted(MEDIA_TYPES)))
        created = self.browse(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("""
            UPDATE whatsapp_message message
               SET attendant_id = (SELECT min(users.id) FROM mail_message post
                                     JOIN res_users users ON users.partner_id = post.author_id AND users.active
                                                         AND users.share IS NOT TRUE
                                    WHERE post.id = message.mail_message_id),
                   department_id = channel.whatsapp_department_id
              FROM discuss_channel channel
             WHERE channel.id = message.channel_id AND message.direction = 'out'
               AND message.attendant_id IS NULL AND message.department_id IS NULL
        """)
        self.env["whatsapp.message"].invalidate_model(["attendant_id", "department_id"])
        # Business hours where a department has a calendar (the SQL above counted every hour).
        if with_calendar := created.filtered(lambda record: record.department_id.resource_calendar_id):
            self.env.add_to_compute(self._fields["first_response_business_hours"], with_calendar)
            self.env.add_to_compute(self._fields["close_business_hours"], with_calendar)
            with_calendar.flush_recordset(["first_response_business_hours", "close_business_hours"])
        self.env["whatsapp.report.cost.line"]._rebuild()
        return created


def _hours(start, end):
    return (end - start).total_seconds() / 3600 if start and end else 0.0
