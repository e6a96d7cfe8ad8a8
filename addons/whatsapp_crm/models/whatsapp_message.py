import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html2plaintext, plaintext2html

from ..const import FAILURE_EXPLANATIONS, OUTBOUND_STATE_RANK
from ..tools import meta_errors
from ..tools.graph_api import GraphError, parse_send_response, text_payload

_logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 20
MAX_SEND_ATTEMPTS = 6
MAX_TEXT_LENGTH = 4096


class WhatsAppMessage(models.Model):
    """The WhatsApp side of a Discuss message: its wamid, direction and delivery state.

    Inbound rows are claimed by wamid with ``INSERT ... ON CONFLICT DO NOTHING`` before anything
    else happens, so a message Meta delivers twice (or that two workers see at once) has one effect.
    Outbound rows are a send queue drained by a cron, one conversation in order.
    """

    _name = "whatsapp.message"
    _description = "WhatsApp Message"
    _order = "id desc"
    _rec_name = "wamid"

    STATES = [
        ("received", "Received"),
        ("outgoing", "Queued"),
        ("accepted", "Accepted by WhatsApp"),
        ("sent", "Sent"),
        ("delivered", "Delivered"),
        ("read", "Read"),
        ("played", "Played"),
        ("failed", "Failed"),
    ]

    account_id = fields.Many2one("whatsapp.account", required=True, index=True, ondelete="cascade")
    channel_id = fields.Many2one("discuss.channel", index="btree_not_null", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Customer", index="btree_not_null", ondelete="set null")
    mail_message_id = fields.Many2one("mail.message", index="btree_not_null", ondelete="cascade")
    direction = fields.Selection([("in", "Inbound"), ("out", "Outbound")], required=True)
    wamid = fields.Char("WhatsApp Message ID", readonly=True, copy=False)
    message_type = fields.Char(default="text", readonly=True)
    state = fields.Selection(STATES, required=True, readonly=True, index=True)
    meta_timestamp = fields.Datetime(readonly=True, help="When Meta says the customer sent it.")
    reply_to_wamid = fields.Char(readonly=True)
    payload = fields.Json(readonly=True, help="The message as Meta sent it (inbound only).")
    # Delivery tracking (outbound)
    sent_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    read_at = fields.Datetime(readonly=True)
    failed_at = fields.Datetime(readonly=True)
    error_code = fields.Integer(readonly=True)
    error_category = fields.Char(readonly=True)
    error_message = fields.Char(readonly=True, help="Meta's own words, for administrators.")
    failure_reason = fields.Char(compute="_compute_failure_reason")
    pricing = fields.Json(readonly=True, help="Meta's pricing block, stored as sent.")
    conversation_info = fields.Json(readonly=True)
    send_attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)

    _wamid_unique = models.UniqueIndex("(wamid) WHERE wamid IS NOT NULL")
    _outgoing_index = models.Index("(channel_id, id) WHERE state = 'outgoing'")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("error_category", "state")
    def _compute_failure_reason(self):
        for message in self:
            category = message.error_category
            message.failure_reason = (
                str(FAILURE_EXPLANATIONS.get(category, FAILURE_EXPLANATIONS["unknown"]))
                if message.state == "failed" else False)

    # ------------------------------------------------------------
    # INBOUND
    # ------------------------------------------------------------

    @api.model
    def _claim_wamid(self, account, wamid, values):
        """Insert the row for ``wamid`` unless it exists; None when it is a duplicate.

        The unique index makes a concurrent duplicate wait for the first transaction, then lose.
        """
        self.env.cr.execute("""
            INSERT INTO whatsapp_message (account_id, wamid, direction, state, message_type,
                                         create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, 'in', 'received', %s, %s, %s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
            ON CONFLICT (wamid) WHERE wamid IS NOT NULL DO NOTHING
            RETURNING id
        """, [account.id, wamid, values.get("message_type"), self.env.uid, self.env.uid])
        row = self.env.cr.fetchone()
        if not row:
            return None
        message = self.browse(row[0])
        message.write(values)
        return message

    @api.model
    def _receive_inbound(self, account, event):
        """Turn one parsed inbound message into its Discuss effect, exactly once."""
        message = self._claim_wamid(account, event.wamid, {
            "message_type": event.type,
            "meta_timestamp": event.timestamp,
            "reply_to_wamid": event.context_wamid,
            "payload": event.raw,
        })
        if message is None:
            _logger.info("WhatsApp message %s already received, skipped", event.wamid)
            return self
        partner = self.env["res.partner"]._whatsapp_find_or_create(
            event.wa_id, event.user_id, event.profile_name)
        channel = self.env["discuss.channel"]._whatsapp_get_or_open(account, partner)
        message.write({"partner_id": partner.id, "channel_id": channel.id})
        channel._whatsapp_register_inbound(event.timestamp)
        if event.type == "reaction":
            message._apply_reaction(partner, event.data)
            return message
        parent = self.search([("wamid", "=", event.context_wamid)], limit=1) if event.context_wamid else self
        mail_message = channel.with_context(whatsapp_inbound=True).message_post(
            author_id=partner.id,
            body=message._render_inbound_body(event),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            parent_id=parent.mail_message_id.id or False,
        )
        message.mail_message_id = mail_message
        return message

    def _apply_reaction(self, partner, reaction):
        """A customer has one reaction per message: a new emoji replaces it, an empty one removes it."""
        target = self.search([("wamid", "=", reaction.get("message_id"))], limit=1).mail_message_id
        if not target:
            _logger.info("WhatsApp reaction to an unknown message %s ignored", reaction.get("message_id"))
            return
        emoji = reaction.get("emoji") or ""
        # sudo: mail.message.reaction - Discuss's own reaction route works as sudo too; the
        # author is the customer's partner, given explicitly
        target_sudo = target.sudo()
        previous = target_sudo.reaction_ids.filtered(lambda r: r.partner_id == partner)
        guest = self.env["mail.guest"]
        for old in previous.filtered(lambda r: r.content != emoji):
            target_sudo._message_reaction(old.content, "remove", partner, guest)
        if emoji:
            target_sudo._message_reaction(emoji, "add", partner, guest)

    def _render_inbound_body(self, event):
        """HTML body shown in Discuss. Every customer string is escaped by plaintext2html."""
        _ = self.env._
        kind = event.type
        text = event.text or ""
        data = event.data or {}
        if kind in ("text", "interactive", "button"):
            return plaintext2html(text)
        if kind in ("image", "video", "audio", "document", "sticker"):
            labels = {
                "image": _("Image"), "video": _("Video"), "sticker": _("Sticker"),
                "audio": _("Voice message") if event.media and event.media.voice else _("Audio"),
                "document": _("Document"),
            }
            label = labels[kind]
            if kind == "document" and event.media and event.media.filename:
                label = f"{label}: {event.media.filename}"
            return plaintext2html(f"[{label}]" + (f"\n{text}" if text else ""))
        if kind == "location":
            return self._render_location(data)
        if kind == "contacts":
            return self._render_contacts(data)
        return plaintext2html(_("[Message of a type not supported here: %(type)s]", type=kind))

    def _render_location(self, location):
        lines = [self.env._("Location")]
        lines += [location[key] for key in ("name", "address") if location.get(key)]
        body = plaintext2html("\n".join(str(line) for line in lines))
        try:
            latitude, longitude = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            return body
        url = f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"
        return body + Markup('<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>') % (
            url, self.env._("Open map"))

    def _render_contacts(self, contacts):
        lines = [self.env._("Shared contacts")]
        for contact in (contacts if isinstance(contacts, list) else [])[:50]:
            name = (contact.get("name") or {}).get("formatted_name") or "?"
            phones = ", ".join(str(phone.get("phone") or "") for phone in contact.get("phones") or [])
            lines.append(f"{name}: {phones}" if phones else name)
        if isinstance(contacts, list) and len(contacts) > 50:
            lines.append(self.env._("… and %(count)s more", count=len(contacts) - 50))
        return plaintext2html("\n".join(lines))

    # ------------------------------------------------------------
    # OUTBOUND
    # ------------------------------------------------------------

    @api.model
    def _enqueue_outbound(self, channel, mail_message):
        """Queue what an attendant wrote in a WhatsApp conversation; the send cron does the rest."""
        parent = self.search([("mail_message_id", "=", mail_message.parent_id.id)], limit=1) \
            if mail_message.parent_id else self
        message = self.create({
            "account_id": channel.whatsapp_account_id.id,
            "channel_id": channel.id,
            "partner_id": channel.whatsapp_partner_id.id,
            "mail_message_id": mail_message.id,
            "direction": "out",
            "state": "outgoing",
            "message_type": "text",
            "reply_to_wamid": parent.wamid or False,
            "next_attempt_at": fields.Datetime.now(),
        })
        self.env.ref("whatsapp_crm.ir_cron_whatsapp_message_send")._trigger()
        return message

    @api.model
    def _cron_send_outgoing(self):
        cron = self.env["ir.cron"]
        # Typing indicators older than Meta's 25 s display are pointless: skip them.
        self.env["discuss.channel"]._whatsapp_send_typing_indicators(fields.Datetime.now() - timedelta(seconds=25))
        cron._commit_progress()
        while True:
            messages = self._claim_due_outgoing(SEND_BATCH_SIZE)
            if not messages:
                return
            for message in messages:
                message._send()
                # Commit after each send: a later rollback must never make us send it twice.
                if cron._commit_progress(1) <= 0:
                    return

    @api.model
    def _claim_due_outgoing(self, limit):
        # A conversation's messages leave in order: one waiting for a retry holds back its successors.
        self.flush_model(["state", "next_attempt_at", "channel_id"])
        self.env.cr.execute("""
            SELECT m.id FROM whatsapp_message m
             WHERE m.state = 'outgoing' AND m.next_attempt_at <= %s
               AND NOT EXISTS (SELECT 1 FROM whatsapp_message e
                                WHERE e.state = 'outgoing' AND e.channel_id = m.channel_id AND e.id < m.id)
             ORDER BY m.id
             LIMIT %s
               FOR UPDATE SKIP LOCKED
        """, [fields.Datetime.now(), limit])
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _send(self):
        """One attempt to hand the message to Meta."""
        self.ensure_one()
        payload = self._build_outbound_payload()
        if isinstance(payload, str):  # a reason we cannot send at all
            self._set_failed(None, payload, self.env._("Not sent"))
            return
        try:
            response = self.account_id._graph_client().send_message(payload)
        except GraphError as error:
            self._handle_send_error(error)
            return
        wamid, wa_id = parse_send_response(response)
        self.write({"state": "accepted", "wamid": wamid, "send_attempts": self.send_attempts + 1})
        if wa_id and self.partner_id:
            self.partner_id._whatsapp_set_canonical_wa_id(wa_id)
        self.env["whatsapp.message.status"]._apply_pending(self)
        self._notify_state()

    def _mark_read(self, typing_indicator=False):
        """Blue ticks on the customer's phone (and "typing…"). Best effort: never retried."""
        try:
            self.account_id._graph_client().mark_read(self.wamid, typing_indicator=typing_indicator)
        except GraphError as error:
            _logger.info("WhatsApp mark-read of message %s failed: %s", self.id, error.category)

    def _build_outbound_payload(self):
        """The Graph payload, or the error category explaining why there is none."""
        mail_message = self.mail_message_id
        if mail_message.attachment_ids:
            return "attachments"
        body = html2plaintext(mail_message.body or "").strip()
        if len(body) > MAX_TEXT_LENGTH:
            return "too_long"
        partner = self.partner_id
        to, recipient = partner.whatsapp_wa_id or False, partner.whatsapp_user_id or False
        if not to and not recipient:
            return "no_recipient"
        return text_payload(to or None, body, recipient=None if to else recipient,
                            reply_to=self.reply_to_wamid or None)

    def _handle_send_error(self, error):
        attempts = self.send_attempts + 1
        if error.category == "auth":
            self.account_id._mark_auth_error(error)
        if error.retryable and attempts < MAX_SEND_ATTEMPTS:
            delay = meta_errors.next_retry_delay(attempts, seed=self.id)
            _logger.info("WhatsApp send %s: %s (code %s), retry in %ss", self.id, error.category, error.code, delay)
            self.write({
                "send_attempts": attempts,
                "next_attempt_at": fields.Datetime.now() + timedelta(seconds=delay),
            })
            self.env.ref("whatsapp_crm.ir_cron_whatsapp_message_send")._trigger(self.next_attempt_at)
            return
        self.write({"send_attempts": attempts})
        self._set_failed(error.code, error.category, error.message)

    def _set_failed(self, code, category, meta_message, at=None):
        self.write({
            "state": "failed",
            "failed_at": at or fields.Datetime.now(),
            "error_code": code or 0,
            "error_category": category or "unknown",
            "error_message": (meta_message or "")[:500],
        })
        self._notify_state()

    # ------------------------------------------------------------
    # STATUSES
    # ------------------------------------------------------------

    def _apply_status(self, status, timestamp, errors=(), pricing=None, conversation=None):
        """Move the message forward, never backwards; keep every status's own timestamp.

        A ``failed`` after ``delivered`` is recorded (time and error) but does not undo delivery.
        """
        self.ensure_one()
        values = {}
        if pricing:
            values["pricing"] = pricing
        if conversation:
            values["conversation_info"] = conversation
        if status == "failed":
            error = errors[0] if errors else None
            values["failed_at"] = timestamp
            if OUTBOUND_STATE_RANK.get(self.state, 0) < OUTBOUND_STATE_RANK["delivered"]:
                self.write(values)
                code = error.code if error else None
                meta_message = error and (error.details or error.message)
                self._set_failed(code, meta_errors.classify(code), meta_message, timestamp)
                return
            values.update(error_code=error.code if error else 0, error_message=(error and error.message) or False)
            self.write(values)
            return
        timestamp_field = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at"}.get(status)
        if timestamp_field and not self[timestamp_field]:
            values[timestamp_field] = timestamp
        # Meta may skip "delivered" and send "read": the earlier steps happened too.
        if status in ("read", "played") and not self.delivered_at:
            values["delivered_at"] = timestamp
        moves_forward = (self.state != "failed"
                         and OUTBOUND_STATE_RANK.get(status, 0) > OUTBOUND_STATE_RANK.get(self.state, 0))
        if moves_forward:
            values["state"] = status
        self.write(values)
        if moves_forward:
            self._notify_state()

    def _notify_state(self):
        """Push the new tick (or failure) to everyone looking at the conversation."""
        for message in self.filtered("mail_message_id"):
            message.mail_message_id._whatsapp_bus_send_state()
