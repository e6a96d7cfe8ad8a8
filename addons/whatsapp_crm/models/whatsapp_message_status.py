import logging
from datetime import timedelta

from odoo import api, fields, models

from ..const import ADMIN_AND_PROCESSING, META_STATUSES
from ..tools.meta_errors import MetaError

_logger = logging.getLogger(__name__)

STATUS_RETENTION_DAYS = 8
# Meta adds status values over time (groups, calls, …): longer ones are cut, never refused.
MAX_STATUS_LENGTH = 64


class WhatsAppMessageStatus(models.Model):
    """Every (wamid, status) Meta reported, once.

    The unique index is the exactly-once guarantee: a retried or duplicated status callback
    finds its row and has no effect. A status whose outbound message is not committed yet
    (Meta can be faster than our own transaction) stays pending and is applied when the wamid
    appears (:meth:`_apply_pending`).
    """

    _name = "whatsapp.message.status"
    _description = "WhatsApp Delivery Status"
    _order = "id"
    _rec_name = "wamid"

    account_id = fields.Many2one("whatsapp.account", required=True, index=True, ondelete="cascade")
    # Stored for Odoo's multi-company record rule (security/whatsapp_crm_rules.xml).
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    wamid = fields.Char(required=True, readonly=True)
    # Free text, not a selection: a status value Meta adds tomorrow is stored as sent, not dropped.
    # Only META_STATUSES move a message's state.
    status = fields.Char(required=True, readonly=True)
    meta_timestamp = fields.Datetime(readonly=True)
    message_id = fields.Many2one("whatsapp.message", index="btree_not_null", ondelete="cascade", readonly=True)
    payload = fields.Json(readonly=True, groups=ADMIN_AND_PROCESSING)

    # Per account: a POST signed with one account's secret cannot pre-empt another account's statuses.
    _wamid_status_unique = models.UniqueIndex("(account_id, wamid, status)")
    _pending_index = models.Index("(wamid) WHERE message_id IS NULL")

    @api.model
    def _receive(self, account, event):
        """Record one status callback; apply it when its message is known.

        A value we do not know is stored (and linked to its message) without moving the message.
        """
        status_value = event.status[:MAX_STATUS_LENGTH]
        if status_value not in META_STATUSES:
            _logger.info("WhatsApp status %r is unknown: stored, not applied", status_value)
        self.env.cr.execute("""
            INSERT INTO whatsapp_message_status (account_id, company_id, wamid, status, create_uid, write_uid,
                                                 create_date, write_date)
            VALUES (%s, %s, %s, %s, %s, %s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
            ON CONFLICT (account_id, wamid, status) DO NOTHING
            RETURNING id
        """, [account.id, account.company_id.id, event.wamid, status_value, self.env.uid, self.env.uid])
        row = self.env.cr.fetchone()
        if not row:
            return self  # this (wamid, status) was already applied
        status = self.browse(row[0])
        status.write({"meta_timestamp": event.timestamp, "payload": event.raw})
        messages = self.env["whatsapp.message"]
        message = messages.search(
            [("wamid", "=", event.wamid), ("direction", "=", "out"), ("account_id", "=", account.id)], limit=1)
        if not message:
            # A send whose answer was lost (state "uncertain"): Meta echoes our callback data.
            message = messages._from_callback_data(account, event.biz_opaque_callback_data)
            if message.state == "uncertain" and not message.wamid:
                message._reconcile_uncertain(event.wamid)
            else:
                message = messages
        if message:
            status._apply_to(message)
        return status

    def _apply_to(self, message):
        for status in self.sorted("id"):
            if status.status not in META_STATUSES:
                status.message_id = message  # kept for the record (and the garbage collector)
                continue
            raw = status.payload if isinstance(status.payload, dict) else {}
            errors = tuple(MetaError.from_dict(error) for error in raw.get("errors") or [] if isinstance(error, dict))
            message._apply_status(
                status.status, status.meta_timestamp or fields.Datetime.now(),
                errors=errors, pricing=raw.get("pricing"), conversation=raw.get("conversation"))
            status.message_id = message

    @api.model
    def _apply_pending(self, message):
        """Statuses that arrived before ``message`` had its wamid."""
        pending = self.search([("wamid", "=", message.wamid), ("message_id", "=", False),
                               ("account_id", "=", message.account_id.id)])
        pending._apply_to(message)

    @api.autovacuum
    def _gc_old_statuses(self):
        limit_date = fields.Datetime.now() - timedelta(days=STATUS_RETENTION_DAYS)
        self.search([("create_date", "<", limit_date), ("message_id", "!=", False)]).unlink()
