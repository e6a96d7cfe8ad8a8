import logging
import time
from datetime import timedelta

from odoo import api, fields, models

from odoo.addons.queue_job.jobrunner.channels import ChannelManager
from odoo.addons.queue_job.jobrunner.runner import _channels as queue_job_channels

from ..const import INBOX_RETENTION_DAYS, JOB_CHANNEL_INBOX, JOB_TIME_BUDGET_SECONDS, MAX_WEBHOOK_ITEMS
from ..tools.inbox_split import InboxPayloadError, plan_items
from .whatsapp_job import commit_step, delay, job_waiting

_logger = logging.getLogger(__name__)

# POSTs split per transaction: one INSERT of their items each, then the items are processed.
SPLIT_BATCH_SIZE = 200
# Every drain job takes this lock to split: POSTs are split one batch at a time, in arrival order,
# so each customer's items get increasing ids in the order their POSTs were stored.
SPLIT_LOCK = "whatsapp_crm.inbox.split"
DRAIN_IDENTITY = "whatsapp_crm.inbox.drain"
SUMMARY_LABELS = {"InboundMessage": "messages", "StatusUpdate": "statuses", "ChangeErrors": "change_errors",
                  "OtherChange": "other", "MalformedItem": "malformed"}


class WhatsAppInbox(models.Model):
    """Raw webhook POSTs, stored durably before Meta gets its 200.

    The request does the signature check, one INSERT and the commit; it records which accounts'
    app secret verified the signature (a POST may only touch those accounts). After the commit it
    makes sure a *drain* job is pending (OCA queue_job). Drain jobs split each POST into its items
    (``whatsapp.inbox.event``), keyed by customer, and process the items, each customer's in
    order, by one job at a time (see ``whatsapp_inbox_event.py``). As many drain jobs run at once
    as the job channel ``root.whatsapp.inbox`` allows — its capacity, not a number in the code.
    """

    _name = "whatsapp.inbox"
    _description = "WhatsApp Webhook Event"
    _order = "id desc"
    _rec_name = "id"

    STATES = [
        ("received", "Received"),
        ("done", "Split into items"),
        ("failed", "Unreadable"),
    ]

    raw_body = fields.Text("Raw Payload", required=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    account_ids = fields.Many2many(
        "whatsapp.account", "whatsapp_inbox_account_rel", "inbox_id", "account_id", "Verified For",
        readonly=True, help="The accounts whose app secret verified the signature: the only ones it may touch.")
    state = fields.Selection(STATES, required=True, default="received", readonly=True, index=True)
    processed_at = fields.Datetime("Split At", readonly=True)
    summary = fields.Char(readonly=True, help="Counts of what the event held; no personal data.")
    error = fields.Text(readonly=True)
    event_ids = fields.One2many("whatsapp.inbox.event", "inbox_id", "Items", readonly=True)
    event_count = fields.Integer("Item Count", compute="_compute_event_count")
    outcome = fields.Char(compute="_compute_event_count", help="What became of the items.")

    _received_index = models.Index("(id) WHERE state = 'received'")

    @api.depends("event_ids.state")
    def _compute_event_count(self):
        labels = dict(self.env["whatsapp.inbox.event"]._fields["state"]._description_selection(self.env))
        for inbox in self:
            counts = {}
            for event in inbox.event_ids:
                counts[event.state] = counts.get(event.state, 0) + 1
            inbox.event_count = len(inbox.event_ids)
            inbox.outcome = ", ".join(f"{labels[state]}: {count}" for state, count in sorted(counts.items()))

    # ------------------------------------------------------------
    # WEBHOOK (the request: one INSERT, then the commit)
    # ------------------------------------------------------------

    @api.model
    def _store_webhook(self, raw_body, account_ids):
        """Insert the verified raw body with the accounts it was verified for.

        Plain SQL: this is the whole cost of Meta's acknowledgement (no ORM defaults, no trigger
        row, no NOTIFY in this transaction — a NOTIFY serialises every committing transaction on
        PostgreSQL's notification queue). Once committed, :meth:`_wake_drain_after_commit` makes
        sure a drain job will see the row.
        """
        self.env.cr.execute("""
            WITH inbox AS (
                INSERT INTO whatsapp_inbox (raw_body, received_at, state, create_uid, write_uid,
                                            create_date, write_date)
                VALUES (%s, NOW() AT TIME ZONE 'UTC', 'received', %s, %s,
                        NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
                RETURNING id)
            INSERT INTO whatsapp_inbox_account_rel (inbox_id, account_id)
            SELECT inbox.id, account_id FROM inbox, unnest(%s::int[]) AS account_id
            RETURNING inbox_id
        """, [raw_body.decode("utf-8", errors="replace"), self.env.uid, self.env.uid, list(account_ids)])
        self.env.cr.postcommit.add(self._wake_drain_after_commit)
        return self.browse(self.env.cr.fetchone()[0])

    def _wake_drain_after_commit(self):
        """After the POST's commit: a drain job will run after this moment.

        Checking *after* the commit is what makes it safe to skip: a pending (not yet started)
        drain job begins after this check, so it sees the row. Another transaction is used; the
        request's own connection has committed. The check is one indexed SELECT (the usual case
        under load); a job is created only when none is pending.
        """
        try:
            with self.env.registry.cursor() as cr:
                self.with_env(self.env(cr=cr))._wake_drain()
        except Exception:
            _logger.exception("WhatsApp inbox: could not wake the drain job (the next POST or the "
                              "safety-net cron will)")

    @api.model
    def _wake_drain(self):
        """Make sure one drain job is pending (``identity_key``: at most one waits at a time)."""
        if not job_waiting(self.env, DRAIN_IDENTITY):
            self._delay_drain(identity_key=DRAIN_IDENTITY)

    @api.model
    def _delay_drain(self, identity_key=None):
        delay(self, channel=JOB_CHANNEL_INBOX, identity_key=identity_key,
              description="WhatsApp: process received webhook events")._job_drain()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_reprocess(self):
        """Admin's replay: unreadable POSTs are read again, their failed or quarantined items
        processed again. Safe: every effect is deduplicated by a unique index."""
        self.filtered(lambda inbox: inbox.state == "failed").write({"state": "received", "error": False})
        self.event_ids.filtered(lambda event: event.state in ("failed", "quarantined"))._requeue()
        self._wake_drain()

    # ------------------------------------------------------------
    # DRAIN (the job)
    # ------------------------------------------------------------

    @api.model
    def _job_drain(self):
        """Split what arrived and process what is due, committing per batch, for a while.

        Several of these run at once (the channel's capacity): each takes the customers nobody
        else holds. When its time budget is spent with work left, it hands over to a new job.
        """
        events = self.env["whatsapp.inbox.event"]
        deadline = time.monotonic() + JOB_TIME_BUDGET_SECONDS
        while time.monotonic() < deadline:
            split = self._split_received()
            if split:
                self._fan_out()
            # Each batch starts a transaction of its own: its snapshot is taken when it locks its customers.
            commit_step(self.env)
            processed = events._process_due()
            commit_step(self.env)
            if not split and not processed:
                return  # RETRY_BATCH (-1) is truthy: the loop goes on
        self._delay_drain()
        commit_step(self.env)

    @api.model
    def _fan_out(self):
        """Enough drain jobs for the work: up to the channel's capacity, one per waiting customer."""
        wanted = min(self._drain_capacity(), self.env["whatsapp.inbox.event"]._count_ready_customers())
        self.env.cr.execute("""
            SELECT count(*) FROM queue_job
             WHERE channel_method_name = '<whatsapp.inbox>._job_drain'
               AND state IN ('pending', 'enqueued', 'started')
        """)
        for _index in range(wanted - self.env.cr.fetchone()[0]):
            self._delay_drain()

    @api.model
    def _drain_capacity(self):
        """How many drain jobs the job runner may run at once: the configured capacity of the
        inbox channel, or of its nearest configured parent (queue_job falls back the same way)."""
        try:
            configs = {config["name"]: config for config in ChannelManager.parse_simple_config(queue_job_channels())}
        except Exception:  # noqa: BLE001 - a wrong configuration is the runner's to report; one job still works
            return 1
        name = JOB_CHANNEL_INBOX
        while name:
            capacity = configs.get(name, {}).get("capacity")
            if capacity:
                return capacity
            name = name.rpartition(".")[0]
        return 1

    # ------------------------------------------------------------
    # SPLIT
    # ------------------------------------------------------------

    @api.model
    def _split_received(self, limit=SPLIT_BATCH_SIZE):
        """Split up to ``limit`` received POSTs into their items; the number split.

        One drain job at a time splits (a transaction-level advisory lock); the others go on
        processing meanwhile.
        """
        self.env.cr.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", [SPLIT_LOCK])
        if not self.env.cr.fetchone()[0]:
            return 0
        self.env.cr.execute("""
            SELECT id, raw_body FROM whatsapp_inbox WHERE state = 'received' ORDER BY id LIMIT %s FOR UPDATE
        """, [limit])
        rows = self.env.cr.fetchall()
        if not rows:
            return 0
        now = fields.Datetime.now()
        items, finished = [], []
        for inbox_id, raw_body in rows:
            try:
                events, planned = plan_items(raw_body, MAX_WEBHOOK_ITEMS)
            except InboxPayloadError as error:
                # A signed body that is not a readable Meta event: kept for inspection, never retried.
                finished.append((inbox_id, "failed", f"Not a WhatsApp event: {error}", False))
                continue
            finished.append((inbox_id, "done", False, self._summary_text(events)))
            items.extend((inbox_id, item) for item in planned)
        self.env["whatsapp.inbox.event"]._create_planned(items)
        self.env.cr.executemany("""
            UPDATE whatsapp_inbox SET state = %s, error = %s, summary = %s, processed_at = %s,
                                      write_date = %s, write_uid = %s
             WHERE id = %s
        """, [(state, error, summary, now, now, self.env.uid, inbox_id)
              for inbox_id, state, error, summary in finished])
        self.invalidate_model(["state", "error", "summary", "processed_at"])
        return len(rows)

    @api.model
    def _summary_text(self, events):
        """Counts by kind, for the list of webhook events (no personal data)."""
        counts = {}
        for event in events:
            kind = SUMMARY_LABELS.get(type(event).__name__, "other")
            counts[kind] = counts.get(kind, 0) + 1
        return ", ".join(f"{kind}: {count}" for kind, count in sorted(counts.items())) or "empty"

    # ------------------------------------------------------------
    # GARBAGE COLLECTION
    # ------------------------------------------------------------

    @api.autovacuum
    def _gc_processed_events(self):
        """Forget POSTs once Meta can no longer retry them (their items go with them)."""
        limit_date = fields.Datetime.now() - timedelta(days=INBOX_RETENTION_DAYS)
        self.env.cr.execute("""
            SELECT id FROM whatsapp_inbox i WHERE received_at < %s AND state = 'done'
               AND NOT EXISTS (SELECT 1 FROM whatsapp_inbox_event e
                                WHERE e.inbox_id = i.id AND e.state NOT IN ('done', 'ignored'))
        """, [limit_date])
        self.browse(row[0] for row in self.env.cr.fetchall()).unlink()

    @api.model
    def _cron_wake_safety_net(self):
        """Once a minute: if anything waits and no drain job is pending or running, start one
        (a wake-up lost to a database error right after a POST's commit, a job runner restarted)."""
        self.env.cr.execute("""
            SELECT EXISTS (SELECT 1 FROM whatsapp_inbox WHERE state = 'received')
                OR EXISTS (SELECT 1 FROM whatsapp_inbox_event WHERE state = 'pending')
        """)
        if not self.env.cr.fetchone()[0]:
            return
        self.env.cr.execute("""
            SELECT 1 FROM queue_job WHERE channel_method_name = '<whatsapp.inbox>._job_drain'
               AND state IN ('pending', 'enqueued', 'started') LIMIT 1
        """)
        if not self.env.cr.fetchone():
            self._delay_drain(identity_key=DRAIN_IDENTITY)
