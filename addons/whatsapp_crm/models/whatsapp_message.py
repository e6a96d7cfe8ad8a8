import logging
from datetime import timedelta
from urllib.parse import urlencode

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext, plaintext2html
from odoo.tools.misc import hmac

from ..const import FAILURE_EXPLANATIONS, OUTBOUND_STATE_RANK
from ..tools import meta_errors
from ..tools.graph_api import GraphError, parse_send_response, text_payload
from ..tools.media_rules import sanitize_filename

_logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 20
MAX_SEND_ATTEMPTS = 6
MAX_TEXT_LENGTH = 4096
MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
MAX_CONTACT_CARDS = 50


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
    media_ids = fields.One2many("whatsapp.media", "message_id", "Media")  # at most one (unique index)
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
        channel._whatsapp_register_inbound(event.timestamp)
        if event.type == "reaction":
            message.write({"partner_id": partner.id, "channel_id": channel.id})
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
        message.write({"partner_id": partner.id, "channel_id": channel.id, "mail_message_id": mail_message.id})
        if event.media:
            self.env["whatsapp.media"]._enqueue(message, event.media)
            # Discuss announced the message before it was linked: live clients learn it is on its way
            mail_message._whatsapp_bus_send_state()
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
        """HTML body shown in Discuss. Every customer string is escaped (plaintext2html, Markup %)."""
        kind = event.type
        text = event.text or ""
        data = event.data or {}
        if kind in ("text", "interactive", "button"):
            body = plaintext2html(text)
        elif kind in MEDIA_KINDS:
            # The file follows (whatsapp.media): the caption is visible at once.
            media = event.media
            body = self._render_media_body(kind, text, media and media.filename, media and media.voice,
                                           "pending" if media else "missing")
        elif kind == "location":
            body = self._render_location(data)
        elif kind == "contacts":
            body = self._render_contacts(data)
        else:
            body = plaintext2html(self.env._("[Message of a type not supported here: %(type)s]", type=kind))
        return self._render_referral(event.referral) + body

    def _render_inbound_media_body(self, media):
        """The body again, once the message's file (``whatsapp.media``) changed state."""
        payload = self.payload if isinstance(self.payload, dict) else {}
        sub = payload.get(media.kind) if isinstance(payload.get(media.kind), dict) else {}
        caption = sub.get("caption") if isinstance(sub.get("caption"), str) else ""
        reasons = dict(media._fields["failure_reason"]._description_selection(self.env))
        body = self._render_media_body(media.kind, caption, media.filename, media.is_voice, media.state,
                                       reasons.get(media.failure_reason, ""))
        return self._render_referral(payload.get("referral")) + body

    def _render_media_body(self, kind, caption, filename, voice, state, reason=""):
        """A label while the file is on its way or when it cannot be shown (with the reason); once
        stored the attachment speaks for itself, except that audio says whether it is a voice note."""
        _ = self.env._
        labels = {
            "image": _("Image"), "video": _("Video"), "sticker": _("Sticker"),
            "audio": _("Voice message") if voice else _("Audio"), "document": _("Document"),
        }
        label = labels.get(kind, kind)
        if kind == "document" and filename:
            label = _("Document: %(filename)s", filename=sanitize_filename(filename))
        status = {
            "pending": _("receiving the file…"),
            "missing": _("WhatsApp sent no file"),
            "failed": reason,
            "unavailable": reason,
        }.get(state)
        lines = []
        if status:
            lines.append(_("[%(label)s] %(status)s", label=label, status=status))
        elif kind == "audio":
            lines.append(f"[{label}]")
        if caption:
            lines.append(caption)
        return plaintext2html("\n".join(lines)) if lines else Markup()

    def _render_referral(self, referral):
        """Click-to-WhatsApp ad details: which ad or post brought the customer here."""
        if not isinstance(referral, dict) or not referral:
            return Markup()
        _ = self.env._

        def text(key):
            value = referral.get(key)
            return value.strip() if isinstance(value, str) else ""

        post, headline = text("source_type") == "post", text("headline")
        if headline:
            origin = _("From a post: %(headline)s", headline=headline) if post else \
                _("From an ad: %(headline)s", headline=headline)
        else:
            origin = _("From a post") if post else _("From an ad")
        html = plaintext2html("\n".join(filter(None, [origin, text("body")])))
        url = text("source_url")
        if url.startswith(("https://", "http://")):
            html += Markup('<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>') % (
                url, _("Open the post") if post else _("Open the ad"))
        return Markup("<blockquote>%s</blockquote>") % html

    def _render_location(self, location):
        lines = [self.env._("Location")]
        lines += [location[key] for key in ("name", "address") if location.get(key)]
        body = plaintext2html("\n".join(str(line) for line in lines))
        try:
            latitude, longitude = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            return body
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return body
        url = f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"
        return body + Markup('<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>') % (
            url, self.env._("Open map"))

    def _render_contacts(self, contacts):
        """One card per shared contact (name, phones, emails, company) with a "Create contact" link."""
        _ = self.env._
        contacts = [card for card in contacts if isinstance(card, dict)] if isinstance(contacts, list) else []
        html = plaintext2html(_("Shared contacts") if len(contacts) > 1 else _("Shared contact"))
        for index, card in enumerate(contacts[:MAX_CONTACT_CARDS]):
            name, phones, emails, company = self._contact_card_fields(card)
            lines = [*(f"{phone} (WhatsApp)" if wa_id else phone for phone, wa_id in phones), *emails]
            if company:
                lines.append(company)
            link = "/whatsapp/contact/create?" + urlencode(
                {"message_id": self.id, "index": index, "token": self._contact_card_token(index)})
            html += Markup('<blockquote><b>%s</b>%s<p><a href="%s">%s</a></p></blockquote>') % (
                name or _("(no name)"), plaintext2html("\n".join(lines)) if lines else "", link,
                _("Create contact"))
        if len(contacts) > MAX_CONTACT_CARDS:
            html += plaintext2html(_("… and %(count)s more", count=len(contacts) - MAX_CONTACT_CARDS))
        return html

    # ------------------------------------------------------------
    # SHARED CONTACTS
    # ------------------------------------------------------------

    @api.model
    def _contact_card_fields(self, card):
        """``(name, [(phone, wa_id)], [email], company)`` of a vCard as Meta maps it; strings only."""
        def text(value):
            return value.strip() if isinstance(value, str) else ""

        name_block = card.get("name") if isinstance(card.get("name"), dict) else {}
        name = self.env["res.partner"]._whatsapp_clean_name(text(name_block.get("formatted_name")))
        items = [item for key in ("phones", "emails") for item in (card.get(key) or []) if isinstance(item, dict)]
        phones = [(text(item.get("phone")), text(item.get("wa_id"))) for item in items if text(item.get("phone"))]
        emails = [text(item.get("email")) for item in items if text(item.get("email"))]
        org = card.get("org") if isinstance(card.get("org"), dict) else {}
        return name, phones, emails, text(org.get("company"))

    def _contact_card_token(self, index):
        """Proof that a "Create contact" link was written by us, for this card of this message."""
        self.ensure_one()
        return hmac(self.env(su=True), "whatsapp_crm.contact_card", (self.id, int(index)))

    def _create_contact_from_card(self, index):
        """The partner of a shared contact: found by number when we know it, created otherwise."""
        self.ensure_one()
        cards = (self.payload or {}).get("contacts") if isinstance(self.payload, dict) else None
        if not isinstance(cards, list) or not 0 <= index < len(cards) or not isinstance(cards[index], dict):
            raise UserError(self.env._("This shared contact no longer exists."))
        name, phones, emails, company = self._contact_card_fields(cards[index])
        # sudo: res.partner - an attendant may save a contact the customer shared (this card's fields
        # only) without the general "Contact Creation" right
        partners_sudo = self.env["res.partner"].sudo()
        phone, wa_id = phones[0] if phones else ("", "")
        wa_id = wa_id if wa_id.isascii() and wa_id.isdigit() else ""
        if wa_id:
            e164 = partners_sudo._whatsapp_e164(wa_id)
        else:
            e164 = phone and partners_sudo._phone_format(number=phone)
        partner_sudo = e164 and (partners_sudo.search([("whatsapp_wa_id", "=", e164[1:])], limit=1)
                                 or partners_sudo.search([("phone_sanitized", "=", e164)], limit=1))
        partner_sudo = partner_sudo or partners_sudo.create({
            "name": name or phone or (emails[0] if emails else "") or self.env._("Shared contact"),
            "phone": e164 or phone or False,
            "email": emails[0] if emails else False,
            "company_name": company or False,
            # Meta adds wa_id only for numbers on WhatsApp: a confirmed WhatsApp identity.
            "whatsapp_wa_id": e164[1:] if wa_id and e164 else False,
        })
        return partner_sudo.sudo(False)

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
