import json
import logging
import re
import traceback
import zlib
from datetime import timedelta

from odoo import api, fields, models

from ..tools import meta_errors
from ..tools.webhook_payload import (
    ChangeErrors,
    InboundMessage,
    MalformedItem,
    OtherChange,
    PayloadError,
    StatusUpdate,
    iter_events,
    summarize,
)

_logger = logging.getLogger(__name__)

# Meta retries a delivery for ~7 days: dedup memory (the inbox and the status log) must outlive it.
INBOX_RETENTION_DAYS = 8
MAX_ATTEMPTS = 8
BATCH_SIZE = 50
# Two processing jobs drain the inbox in parallel (one Discuss post costs ~20 ms of CPU: a single
# job tops out near 50 messages/s). Each customer's events stay in one partition, so one job
# handles them, in order. The sender is read from the raw bytes, after the signature check and
# without parsing; an event without one (statuses, other fields) goes to partition 0.
PROCESSING_CRONS = (
    "whatsapp_crm.ir_cron_whatsapp_inbox_process",
    "whatsapp_crm.ir_cron_whatsapp_inbox_process_1",
)
_SENDER = re.compile(rb'"from"\s*:\s*"([^"\\]{1,64})"')


class WhatsAppInbox(models.Model):
    """Raw webhook POSTs, stored durably before Meta gets its 200, then processed by a cron.

    One row per POST. Processing walks every entry x change x item with a savepoint per item, so
    one bad item never rolls back the others. Re-processing a row is safe: every effect is
    deduplicated by a unique index (wamid for messages, (wamid, status) for statuses).
    """

    _name = "whatsapp.inbox"
    _description = "WhatsApp Webhook Event"
    _order = "id desc"
    _rec_name = "id"

    STATES = [
        ("pending", "Pending"),
        ("done", "Done"),
        ("retry", "Failed, will retry"),
        ("failed", "Failed"),
        ("quarantined", "Quarantined"),
        ("ignored", "Ignored"),
    ]

    raw_body = fields.Text("Raw Payload", required=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection(STATES, required=True, default="pending", readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    partition = fields.Integer(readonly=True, default=0, help="Which processing job handles it (by sender).")
    processed_at = fields.Datetime(readonly=True)
    summary = fields.Char(readonly=True, help="Counts of what the event held; no personal data.")
    error = fields.Text(readonly=True)

    _todo_index = models.Index("(partition, next_attempt_at, id) WHERE state IN ('pending', 'retry')")

    # ------------------------------------------------------------
    # WEBHOOK
    # ------------------------------------------------------------

    @api.model
    def _store_webhook(self, raw_body):
        """Insert the verified raw body and wake its processing job after commit."""
        partition = self._partition_of(raw_body)
        # sudo: whatsapp.inbox - the public webhook stores an already authenticated event
        event_sudo = self.sudo().create({
            "raw_body": raw_body.decode("utf-8", errors="replace"),
            "partition": partition,
        })
        self._processing_cron(partition)._trigger()
        return event_sudo

    @api.model
    def _partition_of(self, raw_body):
        sender = _SENDER.search(raw_body)
        return zlib.crc32(sender.group(1)) % len(PROCESSING_CRONS) if sender else 0

    @api.model
    def _processing_cron(self, partition):
        return self.env.ref(PROCESSING_CRONS[partition % len(PROCESSING_CRONS)])

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_reprocess(self):
        """Admin's replay: safe, because every effect is deduplicated."""
        self.write({"state": "pending", "next_attempt_at": fields.Datetime.now(), "attempts": 0, "error": False})
        for partition in set(self.mapped("partition")):
            self._processing_cron(partition)._trigger()

    # ------------------------------------------------------------
    # PROCESSING
    # ------------------------------------------------------------

    @api.model
    def _cron_process(self, partition=0):
        """Drain this job's due events in locked batches, committing after each batch."""
        cron = self.env["ir.cron"]
        while True:
            events = self._claim_due_events(BATCH_SIZE, partition)
            if not events:
                return
            events._process()
            if cron._commit_progress(len(events), remaining=self._count_due(partition)) <= 0:
                return

    @api.model
    def _claim_due_events(self, limit, partition=None):
        """Lock up to ``limit`` due events, oldest first (of one partition, or of all)."""
        # SKIP LOCKED: a manual run and the cron never process the same row at the same time.
        self.flush_model(["state", "next_attempt_at", "partition"])
        self.env.cr.execute("""
            SELECT id FROM whatsapp_inbox
             WHERE state IN ('pending', 'retry') AND next_attempt_at <= %s
               AND (%s IS NULL OR partition = %s)
             ORDER BY id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
        """, [fields.Datetime.now(), partition, partition, limit])
        return self.browse(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _count_due(self, partition):
        return self.search_count([("state", "in", ("pending", "retry")), ("partition", "=", partition),
                                  ("next_attempt_at", "<=", fields.Datetime.now())])

    def _process(self):
        for event in self:
            event._process_one()

    def _process_one(self):
        self.ensure_one()
        try:
            payload = json.loads(self.raw_body)
            summary = summarize(payload)
            items = list(iter_events(payload))
        except (ValueError, PayloadError) as error:
            # A signed body that is not a Meta event: keep it for inspection, never retry it.
            self._finish("ignored", error=f"Not a WhatsApp event: {error}")
            return
        failures, quarantined, retryable = [], [], False
        for index, item in enumerate(items):
            try:
                with self.env.cr.savepoint():
                    outcome = self._dispatch(item)
            except Exception as error:  # noqa: BLE001 - one bad item must not stop the others
                _logger.warning("WhatsApp inbox %s: item %s failed", self.id, index, exc_info=True)
                failures.append(f"item {index}: {type(error).__name__}: {error}\n"
                                f"{traceback.format_exc(limit=3)}")
                retryable = True
                continue
            outcome, reason = outcome if isinstance(outcome, tuple) else (outcome, None)
            if outcome == "quarantined":
                quarantined.append(f"item {index}: {reason or f'unknown phone_number_id {item.phone_number_id}'}")
            elif outcome == "malformed":
                failures.append(f"item {index} ({item.path}): {item.error}")
        summary_text = ", ".join(f"{key}: {value}" for key, value in summary.items())
        if retryable:
            self._schedule_retry("\n".join(failures), summary_text)
        elif failures:
            self._finish("failed", error="\n".join(failures + quarantined), summary=summary_text)
        elif quarantined:
            self._finish("quarantined", error="\n".join(quarantined), summary=summary_text)
        else:
            self._finish("done", summary=summary_text)

    def _dispatch(self, item):
        """Apply one parsed item. Returns 'done', 'ignored', 'quarantined' (or ``('quarantined', reason)``)
        or 'malformed'."""
        if isinstance(item, MalformedItem):
            return "malformed"
        if isinstance(item, OtherChange):
            # Template webhooks update templates; account updates are stored in the row, handled later.
            return self.env["whatsapp.template"]._whatsapp_receive_webhook(item)
        account = self.env["whatsapp.account"]._find_by_phone_number_id(item.phone_number_id)
        if not account:
            return "quarantined"
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
        return "done"

    def _finish(self, state, error=False, summary=False):
        self.write({
            "state": state,
            "error": error,
            "summary": summary or self.summary,
            "processed_at": fields.Datetime.now(),
            "attempts": self.attempts + 1,
        })

    def _schedule_retry(self, error, summary):
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self._finish("failed", error=error, summary=summary)
            return
        delay = meta_errors.next_retry_delay(attempts, seed=self.id)
        self.write({
            "state": "retry",
            "attempts": attempts,
            "error": error,
            "summary": summary,
            "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
        })
        self._processing_cron(self.partition)._trigger(fields.Datetime.now() + timedelta(seconds=delay))

    # ------------------------------------------------------------
    # GARBAGE COLLECTION
    # ------------------------------------------------------------

    @api.autovacuum
    def _gc_processed_events(self):
        """Forget processed events once Meta can no longer retry them."""
        limit_date = fields.Datetime.now() - timedelta(days=INBOX_RETENTION_DAYS)
        self.search([("state", "in", ("done", "ignored")), ("received_at", "<", limit_date)]).unlink()
