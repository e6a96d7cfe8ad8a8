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
    def _add_counts(self, channel_id, **increments):
        """Add to the counters of a conversation's record in one statement (no read first: two
        jobs of one conversation may add at once)."""
        increments = {name: value for name, value in increments.items() if value}
        if not increments:
            return
        self.flush_model(list(increments))
        self.env.cr.execute(SQL(
            "UPDATE whatsapp_service_record SET %s WHERE channel_id = %s",
            SQL(", ").join(SQL("%s = COALESCE(%s, 0) + %s", SQL.identifier(name), SQL.identifier(name), value)
                           for name, value in increments.items()),
            channel_id,
        ))
        self.invalidate_model(list(increments))


def _hours(start, end):
    return (end - start).total_seconds() / 3600 if start and end else 0.0
