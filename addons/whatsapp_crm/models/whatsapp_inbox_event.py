import logging
import time
import traceback

from psycopg2 import errors as pg_errors

from odoo import api, fields, models

from odoo.addons.queue_job.exception import RetryableJobError

from ..const import JOB_CHANNEL_INBOX
from ..tools.inbox_split import (
    KIND_ERRORS,
    KIND_MALFORMED,
    KIND_MESSAGE,
    KIND_OTHER,
    KIND_STATUS,
    InboxPayloadError,
    load_payload,
    parse_events,
)
from ..tools.webhook_payload import ChangeErrors, InboundMessage, MalformedItem, OtherChange, StatusUpdate
from .whatsapp_job import delay
from .whatsapp_template import TEMPLATE_WEBHOOK_FIELDS

_logger = logging.getLogger(__name__)

# One transaction of a drain job: the items of up to this many customers, this many items at most,
# and no new item once this much time is spent. What a batch posts becomes visible at its commit:
# attendants see messages at least this often, however slow the machine (a count of items alone
# gave 4-5 s between commits while the same CPU also answered a burst of POSTs).
CUSTOMERS_PER_BATCH = 10
ITEMS_PER_BATCH = 20
BATCH_SECONDS = 0.5
# What _process_due returns when it must be called again at once (nothing done, work not finished).
RETRY_BATCH = -1
# Each customer's items are processed by one job at a time: a transaction-level advisory lock.
CUSTOMER_LOCK = "whatsapp_crm.customer:"
# An item that raised is retried by its own job, up to this many times (queue_job's retry pattern
# in data/queue_job_data.xml spaces them); meanwhile its customer's later items wait. After the
# last one the item is a dead letter (failed, visible and replayable) and the customer goes on.
MAX_ITEM_RETRIES = 5


class WhatsAppInboxEvent(models.Model):
    """One item of a webhook POST (a message, a status, an error report…), in its customer's lane.

    Drain jobs process the items of customers nobody else holds, oldest first, each customer's in
    id order, a savepoint per item: one bad item never costs the others. An item that raises is
    retried by a job of its own (OCA queue_job: retries with backoff, then a failed job an
    administrator sees and can requeue); its customer's later items wait for it meanwhile.
    """

    _name = "whatsapp.inbox.event"
    _description = "WhatsApp Webhook Item"
    _order = "id"
    _rec_name = "reference"

    STATES = [
        ("pending", "Pending"),
        ("done", "Done"),
        ("retry", "Failed, will retry"),
        ("failed", "Failed"),
        ("quarantined", "Quarantined"),
        ("ignored", "Ignored"),
    ]
    KINDS = [
        (KIND_MESSAGE, "Message"),
        (KIND_STATUS, "Status"),
        (KIND_ERRORS, "Errors"),
        (KIND_OTHER, "Other change"),
        (KIND_MALFORMED, "Malformed"),
    ]

    inbox_id = fields.Many2one("whatsapp.inbox", "Webhook Event", required=True, index=True,
                               ondelete="cascade", readonly=True)
    item_index = fields.Integer("Position", readonly=True, help="The item's position in the POST.")
    kind = fields.Selection(KINDS, required=True, readonly=True)
    customer_key = fields.Char("Customer", required=True, readonly=True,
                               help="Whose order this item keeps: the customer's number or user id.")
    phone_number_id = fields.Char("Business Number ID", readonly=True)
    reference = fields.Char("WhatsApp ID", readonly=True, help="The message or status it is about.")
    account_id = fields.Many2one("whatsapp.account", readonly=True, ondelete="set null")
    state = fields.Selection(STATES, required=True, default="pending", readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    processed_at = fields.Datetime(readonly=True)
    retry_job_id = fields.Many2one("queue.job", "Retry Job", readonly=True, ondelete="set null")

    # The lanes: each customer's unfinished items in order (drain jobs pick customers from here).
    _lane_index = models.Index("(customer_key, id) WHERE state IN ('pending', 'retry')")

    # ------------------------------------------------------------
    # CREATION (by the split step)
    # ------------------------------------------------------------

    @api.model
    def _create_planned(self, items):
        """Insert ``[(inbox_id, PlannedItem)]`` in one statement, in order (ids follow arrival)."""
        if not items:
            return
        rows = [
            (inbox_id, item.index, item.kind, item.customer_key, item.phone_number_id, item.reference,
             "failed" if item.error else "pending", item.error or None)
            for inbox_id, item in items
        ]
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NOW() AT TIME ZONE 'UTC', "
                                  "NOW() AT TIME ZONE 'UTC')"] * len(rows))
        self.env.cr.execute(f"""
            INSERT INTO whatsapp_inbox_event (inbox_id, item_index, kind, customer_key, phone_number_id,
                                              reference, state, error, create_uid, write_uid,
                                              create_date, write_date)
            VALUES {placeholders}
        """, [value for row in rows for value in (*row, self.env.uid, self.env.uid)])  # noqa: S608 - placeholders only

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_reprocess(self):
        """Process these items again (failed, quarantined or ignored ones): every effect is deduplicated."""
        self.filtered(lambda event: event.state != "pending")._requeue()
        self.env["whatsapp.inbox"]._wake_drain()

    def _requeue(self):
        self.write({"state": "pending", "error": False, "attempts": 0})

    # ------------------------------------------------------------
    # PROCESSING (called by the drain job)
    # ------------------------------------------------------------

    @api.model
    def _count_ready_customers(self, limit=64):
        """How many customers have an item ready (their oldest unfinished one is pending)."""
        self.env.cr.execute(f"""
            SELECT count(*) FROM ({self._READY_CUSTOMERS_SQL} LIMIT %s) ready
        """, [limit])  # noqa: S608 - constant SQL
        return self.env.cr.fetchone()[0]

    # The customers whose oldest unfinished item is pending (not waiting for a retry), oldest first.
    _READY_CUSTOMERS_SQL = """
        SELECT customer_key, id FROM (
            SELECT DISTINCT ON (customer_key) customer_key, id, state
              FROM whatsapp_inbox_event
             WHERE state IN ('pending', 'retry')
             ORDER BY customer_key, id) oldest
         WHERE state = 'pending'
         ORDER BY id
    """

    @api.model
    def _process_due(self, max_customers=CUSTOMERS_PER_BATCH, max_items=ITEMS_PER_BATCH):
        """One batch: lock customers nobody holds, process their ready items in order.

        Returns the number of items processed (0: nothing this job may take now; ``RETRY_BATCH``:
        nothing done, call again).
        """
        self.flush_model()
        # The lock is tried row by row as the outer LIMIT pulls them: customers another job holds
        # are skipped, the next ones taken.
        self.env.cr.execute(f"""
            SELECT customer_key FROM ({self._READY_CUSTOMERS_SQL} LIMIT 500) ready
             WHERE pg_try_advisory_xact_lock(hashtext(%s || customer_key))
             LIMIT %s
        """, [CUSTOMER_LOCK, max_customers])  # noqa: S608 - constant SQL
        keys = [row[0] for row in self.env.cr.fetchall()]
        if not keys:
            return 0
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute("""
                    SELECT id FROM whatsapp_inbox_event
                     WHERE customer_key = ANY(%s) AND state IN ('pending', 'retry')
                     ORDER BY id LIMIT %s
                       FOR UPDATE
                """, [keys, max_items])
                ids = [row[0] for row in self.env.cr.fetchall()]
        except pg_errors.SerializationFailure:
            # Our snapshot predates the commit of the job that held one of these customers until
            # just now: what it did is invisible to us. Nothing done yet; the next batch sees it.
            _logger.info("WhatsApp inbox: a customer changed hands during the claim; claiming again")
            return RETRY_BATCH
        return self.browse(ids)._process()

    def _process(self, seconds=BATCH_SECONDS):
        """Process these items (already locked, in id order); a customer stops at its first item
        that raises or waits for a retry. Returns the number processed.

        After ``seconds`` the rest is left pending for the next batch, in order: each customer's
        items are taken oldest first, whichever job takes them.
        """
        parsed = {}
        blocked = set()
        done_ids = []
        count = 0
        deadline = time.monotonic() + seconds
        for event in self:
            if count and time.monotonic() > deadline:
                break
            if event.customer_key in blocked:
                continue
            if event.state == "retry":
                blocked.add(event.customer_key)
                continue
            try:
                with self.env.cr.savepoint():
                    state, reason = event._process_one(parsed)
            except Exception as error:  # noqa: BLE001 - one bad item must not stop the others
                _logger.warning("WhatsApp inbox item %s failed", event.id, exc_info=True)
                event._schedule_retry(error)
                blocked.add(event.customer_key)
                continue
            count += 1
            if state == "done" and not reason:
                done_ids.append(event.id)
            else:
                event.write({"state": state, "error": reason or False, "processed_at": fields.Datetime.now(),
                             "attempts": event.attempts + 1})
        if done_ids:
            self._mark_done(done_ids)
        return count

    @api.model
    def _mark_done(self, ids):
        """One UPDATE for the batch's successful items (the common case)."""
        self.flush_model()
        self.env.cr.execute("""
            UPDATE whatsapp_inbox_event
               SET state = 'done', error = NULL, attempts = attempts + 1,
                   processed_at = NOW() AT TIME ZONE 'UTC', write_date = NOW() AT TIME ZONE 'UTC', write_uid = %s
             WHERE id = ANY(%s)
        """, [self.env.uid, ids])
        self.browse(ids).invalidate_recordset(["state", "error", "attempts", "processed_at"])

    def _process_one(self, parsed):
        """Apply this item; ``(state, reason)``. ``parsed`` caches each POST's events for the batch."""
        self.ensure_one()
        inbox = self.inbox_id
        if inbox.id not in parsed:
            try:
                parsed[inbox.id] = parse_events(load_payload(inbox.raw_body))
            except InboxPayloadError as error:
                parsed[inbox.id] = error
        events = parsed[inbox.id]
        if isinstance(events, InboxPayloadError):
            return "failed", f"The webhook event can no longer be read: {events}"
        item = events[self.item_index] if 0 <= self.item_index < len(events) else None
        if item is None or (getattr(item, "wamid", None) != (self.reference or None) and self.reference):
            return "failed", "The webhook event no longer holds this item (was it edited?)"
        return self._dispatch(item)

    def _dispatch(self, item):
        """Apply one parsed item, as an item of an account its POST was verified for.

        Returns ``(state, reason)``: 'done', 'ignored', 'quarantined' or 'failed'.
        """
        if isinstance(item, MalformedItem):
            return "failed", f"{item.path}: {item.error}"
        if isinstance(item, OtherChange):
            return self._dispatch_other_change(item)
        account, reason = self._bound_account(item.phone_number_id)
        if not account:
            return "quarantined", reason
        self.account_id = account
        if isinstance(item, InboundMessage) and item.group_id:
            # A WhatsApp group is not a customer: never mixed into a one-to-one conversation.
            return "quarantined", (f"message {item.wamid} was sent in the WhatsApp group {item.group_id}: groups are "
                                   "not part of the helpdesk, the message is kept here and not shown")
        if isinstance(item, InboundMessage):
            self.env["whatsapp.message"].with_context(lang=account._conversation_lang())._receive_inbound(
                account, item)
        elif isinstance(item, StatusUpdate):
            self.env["whatsapp.message.status"]._receive(account, item)
        elif isinstance(item, ChangeErrors):
            _logger.warning("WhatsApp account %s: Meta reported errors %s", account.id,
                            [error.code for error in item.errors])
        return "done", None

    def _dispatch_other_change(self, item):
        """Template webhooks update the templates of the business account that signed the POST;
        other fields (account updates, echoes…) are kept in the POST, handled later."""
        if item.field not in TEMPLATE_WEBHOOK_FIELDS:
            return "ignored", None
        # sudo: whatsapp.account - the accounts of a verified POST, looked up by their Meta id
        if item.waba_id and item.waba_id not in self.inbox_id.sudo().account_ids.mapped("waba_id"):
            return "quarantined", (f"waba_id {item.waba_id} is not the business account whose app secret "
                                   "signed this POST")
        return self.env["whatsapp.template"]._whatsapp_receive_webhook(item), None

    def _bound_account(self, phone_number_id):
        """The account named by the item, if the POST's signature was made with its app secret.

        Whoever holds one account's secret (the sandbox's is public) must not reach another
        account: such an item is quarantined, as is one naming a number we do not have.
        """
        # sudo: whatsapp.account - the accounts of a verified POST, looked up by their Meta id
        bound_sudo = self.inbox_id.sudo().account_ids
        account = bound_sudo.filtered(lambda account: account.phone_number_id == phone_number_id)[:1]
        if account:
            return account.sudo(False), None
        if self.env["whatsapp.account"]._find_by_phone_number_id(phone_number_id):
            return None, (f"phone_number_id {phone_number_id} belongs to another account than the one whose "
                          "app secret signed this POST")
        return None, f"unknown phone_number_id {phone_number_id}"

    # ------------------------------------------------------------
    # RETRIES (a job per item that raised)
    # ------------------------------------------------------------

    def _schedule_retry(self, error):
        """The item raised: retried by a job of its own; its customer waits for it."""
        self.ensure_one()
        self.write({
            "state": "retry",
            "attempts": self.attempts + 1,
            "error": f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=5)}",
        })
        job = delay(self, channel=JOB_CHANNEL_INBOX, max_retries=MAX_ITEM_RETRIES, eta=10,
                    identity_key=f"whatsapp_crm.inbox.item:{self.id}",
                    description=f"WhatsApp: retry webhook item {self.id}")._job_retry()
        # A new job, or the record of the one already waiting (same identity key); None in tests
        # that run jobs at once.
        self.retry_job_id = job.db_record() if hasattr(job, "db_record") else job

    def _job_retry(self):
        """Process this item again, under its customer's lock. Raising again retries it later
        (``RetryableJobError``); after the last retry queue_job marks the job failed and
        :meth:`_job_on_fail` lets the customer's later items go on."""
        self.ensure_one()
        if self.state != "retry":
            return f"nothing to do: the item is {self.state}"
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [CUSTOMER_LOCK + self.customer_key])
        self.invalidate_recordset()
        try:
            with self.env.cr.savepoint():
                state, reason = self._process_one({})
        except Exception as error:
            raise RetryableJobError(f"{type(error).__name__}: {error}") from error
        self.write({"state": state, "error": reason or False, "processed_at": fields.Datetime.now(),
                    "attempts": self.attempts + 1})
        self.env["whatsapp.inbox"]._wake_drain()
        return state

    def _job_on_fail(self, exc_info=None, exc_name=None, exc_message=None):
        """queue_job gave up on the item: a dead letter (failed, replayable); the customer goes on."""
        self.filtered(lambda event: event.state == "retry").write({
            "state": "failed",
            "error": f"Gave up after {MAX_ITEM_RETRIES} retries: {exc_name}: {exc_message}",
            "processed_at": fields.Datetime.now(),
        })
        self.env["whatsapp.inbox"]._wake_drain()
