import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext
from odoo.tools.misc import hmac

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.phone_validation.tools import phone_validation
from odoo.addons.queue_job.exception import RetryableJobError

from ..const import (
    ADMIN_AND_PROCESSING,
    CALLBACK_DATA_PREFIX,
    DETAILED_FAILURES,
    FAILURE_EXPLANATIONS,
    JOB_CHANNEL_SEND,
    MANAGERS_AND_PROCESSING,
    MAX_TEXT_LENGTH,
    MESSAGE_STATES,
    OUTBOUND_STATE_RANK,
    PRICING_CATEGORIES,
    TEMPLATE_ERROR_EXPLANATIONS,
)
from ..tools import meta_errors
from ..tools.graph_api import GraphError, parse_send_response, template_payload, text_payload
from ..tools.inbound_render import (
    MessageFacts,
    contact_card_fields,
    contact_link_url,
    render_body,
    render_placeholder,
)
from ..tools.media_rules import MediaRejected
from ..tools.template_payload import TemplateError, template_object
from ..tools.webhook_payload import EDIT, REVOKE, parse_stored_message
from .whatsapp_job import commit_step, delay

_logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6
# WhatsApp's own notices: shown as notices in the conversation, never as the customer's words.
NOTICE_KINDS = frozenset({"system", "request_welcome"})
# Outbound files and places: built by whatsapp_message_outbound_media.py.
PART_TYPES = ("image", "video", "audio", "document", "location")
# One job sends a conversation's messages in order; this lock (held across its commits) keeps a
# second job of the same conversation waiting.
SEND_LOCK = "whatsapp_crm.send:%s"


class WhatsAppMessage(models.Model):
    """The WhatsApp side of a Discuss message: its wamid, direction and delivery state.

    Inbound rows are claimed by wamid with ``INSERT ... ON CONFLICT DO NOTHING`` before anything
    else happens, so a message Meta delivers twice (or that two workers see at once) has one effect.
    Outbound rows are a send queue: a job per conversation sends them in order.
    """

    _name = "whatsapp.message"
    _description = "WhatsApp Message"
    _order = "id desc"
    _rec_name = "wamid"

    STATES = MESSAGE_STATES

    account_id = fields.Many2one("whatsapp.account", required=True, index=True, ondelete="cascade")
    # Stored for Odoo's multi-company record rule (security/whatsapp_crm_rules.xml).
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    channel_id = fields.Many2one("discuss.channel", index="btree_not_null", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Customer", index="btree_not_null", ondelete="set null")
    mail_message_id = fields.Many2one("mail.message", index="btree_not_null", ondelete="cascade")
    direction = fields.Selection([("in", "Inbound"), ("out", "Outbound")], required=True)
    wamid = fields.Char("WhatsApp Message ID", readonly=True, copy=False)
    message_type = fields.Char(default="text", readonly=True)
    state = fields.Selection(STATES, required=True, readonly=True, index=True)
    meta_timestamp = fields.Datetime(readonly=True, help="When Meta says the customer sent it.")
    reply_to_wamid = fields.Char(readonly=True)
    target_wamid = fields.Char(
        "Changed Message ID", readonly=True, index="btree_not_null",
        help="Edits and deletions by the customer: the message they change.")
    payload = fields.Json(readonly=True, groups=ADMIN_AND_PROCESSING,
                          help="The message as Meta sent it (inbound only).")
    media_ids = fields.One2many("whatsapp.media", "message_id", "Media")  # at most one (unique index)
    # Delivery tracking (outbound)
    sent_at = fields.Datetime(readonly=True)
    delivered_at = fields.Datetime(readonly=True)
    read_at = fields.Datetime(readonly=True)
    failed_at = fields.Datetime(readonly=True)
    error_code = fields.Integer(readonly=True)
    error_category = fields.Char(readonly=True)
    error_message = fields.Char(readonly=True, groups=ADMIN_AND_PROCESSING,
                                help="Meta's own words, for administrators.")
    failure_reason = fields.Char(compute="_compute_failure_reason")
    pricing = fields.Json(readonly=True, groups=MANAGERS_AND_PROCESSING, help="Meta's pricing block, stored as sent.")
    conversation_info = fields.Json(readonly=True, groups=MANAGERS_AND_PROCESSING)
    send_attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    # Templates (outbound type "template")
    template_id = fields.Many2one("whatsapp.template", "Template", index="btree_not_null", ondelete="set null",
                                  readonly=True)
    template_values = fields.Json(readonly=True, help="The values the attendant filled in, by variable.")
    template_header_attachment_id = fields.Many2one("ir.attachment", "Header File", ondelete="set null",
                                                    readonly=True)
    template_header_media_id = fields.Char(readonly=True, copy=False,
                                           help="The header file's media id at Meta, once uploaded (30 days).")
    template_window_closed = fields.Boolean(
        "Template Because the Window Was Closed", readonly=True, index=True,
        help="Sent as a template because the customer's 24-hour window was closed at the time.")
    # Billing: what we knew when sending, then what Meta reported
    billing_category = fields.Selection(
        PRICING_CATEGORIES, readonly=True,
        help="At send time: service for a free-form reply, the template's category for a template.")
    free_entry_point = fields.Boolean(
        "Free Entry Point", readonly=True,
        help="Sent within the 72 hours Meta does not charge after an ad-started conversation was answered.")
    cost_country_id = fields.Many2one("res.country", "Market", readonly=True)
    pricing_billable = fields.Boolean("Billable", compute="_compute_pricing_fields", store=True)
    pricing_category = fields.Char("Billed Category", compute="_compute_pricing_fields", store=True)
    pricing_model = fields.Char(compute="_compute_pricing_fields", store=True)
    pricing_type = fields.Char(compute="_compute_pricing_fields", store=True,
                               help="regular, free_customer_service, free_entry_point…")
    # Meta prices messages in fractions of a cent: more digits than the currency's.
    estimated_cost = fields.Float(compute="_compute_estimated_cost", store=True, digits=(12, 6),
                                  help="From the message rates (see Monitoring > Message Rates).")
    cost_currency_id = fields.Many2one("res.currency", compute="_compute_estimated_cost", store=True)

    # Per account: a POST signed with one account's secret cannot pre-empt another account's messages.
    _wamid_unique = models.UniqueIndex("(account_id, wamid) WHERE wamid IS NOT NULL")
    _outgoing_index = models.Index("(channel_id, id) WHERE state = 'outgoing'")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("error_category", "error_message", "state")
    def _compute_failure_reason(self):
        for message in self:
            category = message.error_category
            explanation = TEMPLATE_ERROR_EXPLANATIONS.get(message.error_code) or FAILURE_EXPLANATIONS.get(
                category, FAILURE_EXPLANATIONS["unknown"])
            reason = str(explanation) if message.state in ("failed", "uncertain") else False
            if reason and category in DETAILED_FAILURES and message.error_message:
                reason = f"{reason}: {message.error_message}"
            message.failure_reason = reason

    @api.depends("pricing")
    def _compute_pricing_fields(self):
        """Meta's ``pricing`` block (status webhooks) as fields one can filter and sum on."""
        for message in self:
            pricing = message.pricing if isinstance(message.pricing, dict) else {}
            message.pricing_billable = pricing.get("billable") is True
            message.pricing_category = pricing.get("category") or False
            message.pricing_model = pricing.get("pricing_model") or False
            message.pricing_type = pricing.get("type") or False

    @api.depends("direction", "billing_category", "free_entry_point", "cost_country_id", "pricing",
                 "pricing_billable", "pricing_category")
    def _compute_estimated_cost(self):
        """Price of the rate valid on the message's day for its category and market. Once Meta
        reported its pricing, Meta's word (billable or not, category) decides; before, a free entry
        point is free and everything else is priced by the category known at send time."""
        lookup = self.env["whatsapp.pricing.rate"]._whatsapp_lookup()
        for message in self:
            cost, currency = 0.0, False
            category = (message.pricing_category if message.pricing else None) or message.billing_category
            billable = message.pricing_billable if message.pricing else not message.free_entry_point
            if message.direction == "out" and category:
                day = fields.Date.to_date(message.create_date or fields.Datetime.now())
                rate = lookup(message.account_id.company_id, category, message.cost_country_id, day)
                if rate:
                    cost, currency = (rate.price if billable else 0.0), rate.currency_id.id
            message.estimated_cost, message.cost_currency_id = cost, currency

    # ------------------------------------------------------------
    # INBOUND
    # ------------------------------------------------------------

    @api.model
    def _claim_wamid(self, account, wamid, values):
        """Insert the row for ``wamid`` unless it exists; None when it is a duplicate.

        The unique index makes a concurrent duplicate wait for the first transaction, then lose.
        """
        self.env.cr.execute("""
            INSERT INTO whatsapp_message (account_id, company_id, wamid, direction, state, message_type,
                                         create_uid, write_uid, create_date, write_date)
            VALUES (%s, %s, %s, 'in', 'received', %s, %s, %s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC')
            ON CONFLICT (account_id, wamid) WHERE wamid IS NOT NULL DO NOTHING
            RETURNING id
        """, [account.id, account.company_id.id, wamid, values.get("message_type"), self.env.uid, self.env.uid])
        row = self.env.cr.fetchone()
        if not row:
            return None
        message = self.browse(row[0])
        message.write(values)
        return message

    @api.model
    def _receive_inbound(self, account, event):
        """Turn one parsed inbound message into its Discuss effect, exactly once.

        Most kinds become a message of the customer in their conversation. A reaction lands on the
        message it reacts to; an edit or a revoke rewrites the message it changes (or waits for it:
        the original may be processed later); ``system`` and ``request_welcome`` are notices from
        WhatsApp, shown as such, never as the customer's words. Group messages never get here (the
        inbox quarantines them).
        """
        message = self._claim_wamid(account, event.wamid, {
            "message_type": event.type,
            "meta_timestamp": event.timestamp,
            "reply_to_wamid": event.context_wamid,
            "target_wamid": event.target_wamid,
            "payload": event.raw,
        })
        if message is None:
            _logger.info("WhatsApp message %s already received, skipped", event.wamid)
            return self
        notice = event.type in NOTICE_KINDS
        number_change = event.system.new_wa_id if event.system and event.system.number_changed else None
        partner = self.env["res.partner"]._whatsapp_find_or_create(
            event.wa_id, event.user_id, event.profile_name, new_wa_id=number_change)
        channel = self.env["discuss.channel"]._whatsapp_get_or_open(account, partner, event)
        if event.type != "system":  # WhatsApp's notice about the account is not the customer writing
            channel._whatsapp_register_inbound(event.timestamp)
        if event.referral:
            channel._whatsapp_register_entry_point(event.timestamp)
        message.write({"partner_id": partner.id, "channel_id": channel.id})
        if event.type == "reaction":
            message._apply_reaction(partner, event.data)
            return message
        if event.is_change:
            original = self.search([("wamid", "=", event.target_wamid), ("direction", "=", "in"),
                                    ("partner_id", "=", partner.id), ("account_id", "=", account.id)], limit=1)
            if original.mail_message_id:
                original._whatsapp_refresh_body()
            else:
                _logger.info("WhatsApp %s of message %s kept until that message arrives", event.type,
                             event.target_wamid)
            return message
        if number_change:
            partner._whatsapp_change_number(number_change)
        parent = self.search([("wamid", "=", event.context_wamid), ("account_id", "=", account.id)], limit=1) \
            if event.context_wamid else self
        # sudo: discuss.channel - WhatsApp's notices are written by the system, as every notice of a
        # conversation is (_whatsapp_post_notice); never sent to the customer (only comments are)
        poster = channel.sudo() if notice else channel
        mail_message = poster.with_context(whatsapp_inbound=True).message_post(
            author_id=partner.id,
            body=message._whatsapp_render_inbound(event),
            message_type="notification" if notice else "comment",
            subtype_xmlid="mail.mt_note" if notice else "mail.mt_comment",
            parent_id=parent.mail_message_id.id or False,
            # Nobody answers a WhatsApp message by e-mail: no reply-to address nor alias domain to look up
            # (a third of message_post's own queries).
            reply_to=False,
            record_alias_domain_id=False,
            record_company_id=account.company_id.id,
        )
        message.mail_message_id = mail_message
        if event.media:
            self.env["whatsapp.media"]._enqueue(message, event.media)
            # Discuss announced the message before it was linked: live clients learn it is on its way
            mail_message._whatsapp_bus_send_state()
        return message

    def _apply_reaction(self, partner, reaction):
        """A customer has one reaction per message: a new emoji replaces it, an empty one removes it."""
        target = self.search([("wamid", "=", reaction.get("message_id")),
                              ("account_id", "=", self.account_id.id)], limit=1).mail_message_id
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

    # ------------------------------------------------------------
    # RENDERING (tools/inbound_render.py, from the parsed event)
    # ------------------------------------------------------------

    def _whatsapp_event(self):
        """The parsed event of this inbound message (its payload through the webhook parser), or None."""
        self.ensure_one()
        if not isinstance(self.payload, dict):
            return None
        partner = self.partner_id
        sender = {key: value for key, value in (("wa_id", partner.whatsapp_wa_id),
                                                ("user_id", partner.whatsapp_user_id)) if value}
        try:
            return parse_stored_message(self.payload, self.account_id.phone_number_id, [sender] if sender else ())
        except ValueError:
            return None

    def _whatsapp_facts(self, media=None):
        """What happened to this message since it arrived: its file, the customer's edits and deletion."""
        self.ensure_one()
        media = media if media is not None else self.media_ids[:1]
        reasons = dict(media._fields["failure_reason"]._description_selection(self.env)) if media else {}
        # Only the author may change a message (a forged edit naming someone else's wamid changes nothing).
        changes = self.search([("target_wamid", "=", self.wamid), ("direction", "=", "in")]).filtered(
            lambda change: change.partner_id == self.partner_id) if self._whatsapp_has_changes() else self.browse()
        changes = changes.sorted(lambda change: (change.meta_timestamp or change.create_date, change.id))
        revisions = tuple(
            (event.text or "") for event in (change._whatsapp_event() for change in changes
                                             if change.message_type == EDIT) if event)
        return MessageFacts(
            media_state=media.state if media else None,
            media_reason=reasons.get(media.failure_reason, "") if media else "",
            revisions=revisions,
            revoked=REVOKE in changes.mapped("message_type"),
        )

    def _whatsapp_has_changes(self):
        """Whether an edit or a deletion names this message: one indexed probe, because nearly every
        message is rendered when it arrives, before anything could change it."""
        if not self.wamid:
            return False
        self.flush_model(["target_wamid", "direction"])
        self.env.cr.execute("SELECT 1 FROM whatsapp_message WHERE target_wamid = %s AND direction = 'in' LIMIT 1",
                            [self.wamid])
        return bool(self.env.cr.fetchone())

    def _whatsapp_render_inbound(self, event=None, media=None):
        """HTML body of this inbound message, from its parsed event and what happened since."""
        self.ensure_one()
        event = event or self._whatsapp_event()
        if event is None:
            return render_placeholder(self.message_type or "unknown", self.env._)
        return render_body(event, self.env._, self._whatsapp_facts(media),
                           contact_link=lambda index: contact_link_url(self.id, index, self._contact_card_token(index)))

    def _render_inbound_media_body(self, media):
        """The body again, once the message's file (``whatsapp.media``) changed state."""
        return self._whatsapp_render_inbound(media=media)

    def _whatsapp_refresh_body(self, values=None, store_fields=()):
        """Render the body again (an edit, a deletion, a file) and push it to whoever has it open."""
        self.ensure_one()
        mail_message = self.mail_message_id
        if not mail_message:
            return
        lang = self.account_id._conversation_lang()
        values = {"body": self.with_context(lang=lang)._whatsapp_render_inbound(), **(values or {})}
        # sudo: mail.message - the customer is the author; the processing user keeps the message
        # it posted for them up to date
        mail_message_sudo = mail_message.sudo()
        mail_message_sudo.write(values)
        Store(bus_channel=mail_message_sudo._bus_channel()).add(
            mail_message_sudo, ["body", "write_date", *store_fields]).bus_send()

    # ------------------------------------------------------------
    # SHARED CONTACTS
    # ------------------------------------------------------------

    def _contact_card_token(self, index):
        """Proof that a "Create contact" link was written by us, for this card of this message."""
        self.ensure_one()
        return hmac(self.env(su=True), "whatsapp_crm.contact_card", (self.id, int(index)))

    def _create_contact_from_card(self, index):
        """The partner of a shared contact: found by number when we know it, created otherwise."""
        self.ensure_one()
        # sudo: whatsapp.message - the raw payload is for administrators; the caller checked the
        # attendant's access to this message, and only the card's fields are used
        payload = self.sudo().payload
        cards = payload.get("contacts") if isinstance(payload, dict) else None
        if not isinstance(cards, list) or not 0 <= index < len(cards) or not isinstance(cards[index], dict):
            raise UserError(self.env._("This shared contact no longer exists."))
        name, phones, emails, company = contact_card_fields(cards[index])
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
        """Queue what an attendant wrote in a WhatsApp conversation; a send job does the rest."""
        window_values = self._prepare_outbound_window(channel)
        parent = self.search([("mail_message_id", "=", mail_message.parent_id.id)], limit=1) \
            if mail_message.parent_id else self
        common = {
            "account_id": channel.whatsapp_account_id.id,
            "channel_id": channel.id,
            "partner_id": channel.whatsapp_partner_id.id,
            "mail_message_id": mail_message.id,
            "direction": "out",
            "state": "outgoing",
            "next_attempt_at": fields.Datetime.now(),
        }
        # A template is one message; anything else is one WhatsApp message per file, in the order
        # shown, then the text. The first one quotes.
        parts = [{}] if window_values.get("message_type") == "template" else self._outbound_parts(mail_message)
        messages = self.create([
            {**common, **window_values, **part,
             "reply_to_wamid": (parent.wamid or False) if index == 0 else False}
            for index, part in enumerate(parts)
        ])
        self._enqueue_send(channel)
        return messages

    @api.model
    def _enqueue_send(self, channel, eta=None):
        """A job that sends the conversation's queued messages.

        One per call, on purpose (no identity key): a job already waiting could start before this
        transaction commits and miss its message. Jobs of one conversation take turns (a lock); a
        job finding nothing to send ends at once.
        """
        return delay(self, channel=JOB_CHANNEL_SEND, eta=eta,
                     description=f"WhatsApp: send the queued messages of conversation {channel.id}",
                     max_retries=0)._job_send_conversation(channel.id)

    @api.model
    def _job_send_conversation(self, channel_id):
        """Send the conversation's queued messages, oldest first, committing after each send.

        A rate limit or a transient failure postpones the job (``RetryableJobError``): the message
        keeps its place and holds back its successors. Whatever happens, a message is never sent
        twice: each send's outcome is committed before the next step, and a send whose answer was
        lost is left uncertain for a human to decide.
        """
        cr = self.env.cr
        # A session lock, held across the commits below: the next job of this conversation
        # starts its transaction only after this one is done, so it sees every send recorded.
        cr.execute("SELECT pg_advisory_lock(hashtext(%s))", [SEND_LOCK % channel_id])
        try:
            commit_step(self.env)
            while message := self._next_outgoing(channel_id):
                wait = (message.next_attempt_at - fields.Datetime.now()).total_seconds() \
                    if message.next_attempt_at else 0
                if wait > 0:
                    raise RetryableJobError(f"message {message.id} waits {wait:.0f} s for its retry",
                                            seconds=max(int(wait), 1))
                message._send()
                commit_step(self.env)
        finally:
            cr.execute("SELECT pg_advisory_unlock(hashtext(%s))", [SEND_LOCK % channel_id])

    @api.model
    def _next_outgoing(self, channel_id):
        return self.search([("channel_id", "=", channel_id), ("state", "=", "outgoing")], order="id", limit=1)

    def _send(self):
        """One attempt to hand the message to Meta."""
        self.ensure_one()
        try:
            # Building a file's payload uploads it (a template's header file too). An upload sent
            # nothing to the customer: even one whose answer was lost is simply retried.
            payload = self._build_outbound_payload()
        except MediaRejected as error:
            self._set_failed(None, error.reason, str(error))
            return
        except GraphError as error:
            self._handle_send_error(error, reached_customer_maybe=False)
            return
        if isinstance(payload, str):  # a reason we cannot send at all
            self._set_failed(None, payload, self.env._("Not sent"))
            return
        # Meta echoes this in every status of the message: a send whose answer is lost can still
        # be recognised when its statuses arrive (whatsapp.message.status._receive).
        payload["biz_opaque_callback_data"] = self._callback_data()
        try:
            wamid, wa_id = parse_send_response(self.account_id._graph_client().send_message(payload))
        except GraphError as error:
            self._handle_send_error(error)
            return
        self.write({"state": "accepted", "wamid": wamid, "send_attempts": self.send_attempts + 1})
        if wa_id and self.partner_id:
            self.partner_id._whatsapp_set_canonical_wa_id(wa_id)
        self.env["whatsapp.message.status"]._apply_pending(self)
        self._notify_state()

    def _callback_data(self):
        return f"{CALLBACK_DATA_PREFIX}{self.id}"

    @api.model
    def _from_callback_data(self, account, callback_data):
        """The outbound message a status's ``biz_opaque_callback_data`` names, on that account."""
        if not isinstance(callback_data, str) or not callback_data.startswith(CALLBACK_DATA_PREFIX):
            return self
        message_id = callback_data[len(CALLBACK_DATA_PREFIX):]
        if not message_id.isascii() or not message_id.isdigit():
            return self
        return self.search([("id", "=", int(message_id)), ("account_id", "=", account.id),
                            ("direction", "=", "out")], limit=1)

    @api.model
    def _enqueue_typing(self):
        """Show the customers whose attendant is typing a "typing…" indicator (one job for all)."""
        delay(self, channel=JOB_CHANNEL_SEND, identity_key="whatsapp_crm.typing",
              description="WhatsApp: typing indicators")._job_send_typing()

    @api.model
    def _job_send_typing(self):
        # Typing indicators older than Meta's 25 s display are pointless: skip them.
        self.env["discuss.channel"]._whatsapp_send_typing_indicators(fields.Datetime.now() - timedelta(seconds=25))

    def _mark_read(self, typing_indicator=False):
        """Blue ticks on the customer's phone (and "typing…"). Best effort: never retried."""
        try:
            self.account_id._graph_client().mark_read(self.wamid, typing_indicator=typing_indicator)
        except GraphError as error:
            _logger.info("WhatsApp mark-read of message %s failed: %s", self.id, error.category)

    def _build_outbound_payload(self):
        """The Graph payload, or the error category explaining why there is none."""
        if self.message_type == "template":
            return self._build_template_payload()
        mail_message = self.mail_message_id
        partner = self.partner_id
        to, recipient = partner.whatsapp_wa_id or False, partner.whatsapp_user_id or False
        if not to and not recipient:
            return "no_recipient"
        if self.message_type in PART_TYPES:
            return self._build_outbound_part_payload(to or None, None if to else recipient)
        body = html2plaintext(mail_message.body or "").strip()
        if len(body) > MAX_TEXT_LENGTH:
            return "too_long"
        return text_payload(to or None, body, recipient=None if to else recipient,
                            reply_to=self.reply_to_wamid or None)

    def _handle_send_error(self, error, reached_customer_maybe=True):
        """``reached_customer_maybe=False`` for calls that send nothing to the customer (a file
        upload): even one whose answer was lost is simply retried."""
        if self._outbound_forget_stale_media(error):
            return
        attempts = self.send_attempts + 1
        if error.category == "auth":
            self.account_id._mark_auth_error(error)
        if error.outcome_unknown and reached_customer_maybe:
            # The request left and no answer came back: Meta may have delivered it. Sending again
            # could make the customer read it twice: an attendant decides (action_whatsapp_resend),
            # and the statuses of the first attempt, if they come, settle it.
            _logger.warning("WhatsApp send %s: outcome unknown (%s), left for a human", self.id, error.message)
            self.write({"state": "uncertain", "send_attempts": attempts, "next_attempt_at": False,
                        "error_category": "uncertain", "error_message": (error.message or "")[:500]})
            self._notify_state()
            return
        if error.retryable and attempts < MAX_SEND_ATTEMPTS:
            retry_in = meta_errors.next_retry_delay(attempts, seed=self.id)
            _logger.info("WhatsApp send %s: %s (code %s), retry in %ss", self.id, error.category, error.code,
                         retry_in)
            self.write({
                "send_attempts": attempts,
                "next_attempt_at": fields.Datetime.now() + timedelta(seconds=retry_in),
            })
            return
        self.write({"send_attempts": attempts})
        # Meta's detail says what is wrong (e.g. which file type it refused); its message is generic.
        self._set_failed(error.code, error.category, error.details or error.message)

    # ------------------------------------------------------------
    # UNCERTAIN SENDS
    # ------------------------------------------------------------

    @api.model
    def whatsapp_resend(self, mail_message_id):
        """"Reenviar": the attendant saw "delivery uncertain" and decided to send it again.

        Called from the thread (with a confirmation): the caller must be an attendant who can read
        the message. The customer may receive it twice; that is the decision being made.
        """
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise UserError(self.env._("Only WhatsApp attendants can resend messages."))
        mail_message = self.env["mail.message"].browse(int(mail_message_id)).exists()
        if not mail_message:
            raise UserError(self.env._("This message no longer exists."))
        mail_message.check_access("read")
        # sudo: whatsapp.message - attendants read the send queue; the requeue is this action's own write
        messages_sudo = self.sudo().search([("mail_message_id", "=", mail_message.id), ("direction", "=", "out"),
                                            ("state", "=", "uncertain")])
        if not messages_sudo:
            raise UserError(self.env._("This message is not waiting for a decision any more."))
        messages_sudo.write({"state": "outgoing", "next_attempt_at": fields.Datetime.now(),
                             "error_category": False, "error_message": False})
        messages_sudo._notify_state()
        for channel in messages_sudo.channel_id:
            self._enqueue_send(channel)
        return True

    def _reconcile_uncertain(self, wamid):
        """A status of a send whose answer was lost arrived (found by its callback data): the
        message did reach Meta, and this is its wamid. Its state follows from the statuses."""
        self.ensure_one()
        _logger.info("WhatsApp message %s: its uncertain send reached WhatsApp (%s)", self.id, wamid)
        self.write({"state": "accepted", "wamid": wamid, "error_category": False, "error_message": False})

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
    # WINDOW, TEMPLATES AND BILLING
    # ------------------------------------------------------------

    @api.model
    def _prepare_outbound_window(self, channel):
        """What the 24-hour window says about a message being queued in ``channel``: a free-form
        message on a closed window is refused here, before it is queued (every send path queues
        through :meth:`_enqueue_outbound`); a template is what a closed window needs. Answering an
        ad-started conversation opens Meta's free entry point. Returns the billing values to store.

        A template send carries its choice in the context key ``whatsapp_template_send``
        (``{"template_id", "values", "attachment_id"}``, see ``discuss.channel.whatsapp_send_template``).
        """
        template_send = self.env.context.get("whatsapp_template_send")
        window_open = channel._whatsapp_window_is_open()
        if not template_send:
            channel._whatsapp_check_free_form_allowed()
        channel._whatsapp_register_reply()
        values = {
            "billing_category": "service",
            "free_entry_point": channel._whatsapp_free_entry_point_active(),
            "cost_country_id": self._whatsapp_market(channel.whatsapp_partner_id).id,
        }
        if template_send:
            template = self.env["whatsapp.template"].browse(template_send["template_id"])
            values.update({
                "message_type": "template",
                "template_id": template.id,
                "template_values": template_send["values"],
                "template_header_attachment_id": template_send.get("attachment_id") or False,
                "billing_category": template.category or "utility",
                "template_window_closed": not window_open,
            })
        return values

    @api.model
    def _whatsapp_market(self, partner):
        """The market Meta prices a message to ``partner`` in: the country of their WhatsApp number,
        else the partner's country."""
        number = f"+{partner.whatsapp_wa_id}" if partner.whatsapp_wa_id else partner.phone_sanitized
        region = phone_validation.phone_get_region_data_for_number(number)["code"] if number else ""
        country = self.env["res.country"].search([("code", "=", region)], limit=1) if region else None
        return country or partner.country_id

    def _build_template_payload(self):
        """The template send of this message; uploads the header file first (once: the media id is
        kept for retries). Raises GraphError when the upload fails (handled as a send failure)."""
        template = self.template_id
        if not template:
            return "template"
        spec = template._whatsapp_spec(raise_if_invalid=False)
        partner = self.partner_id
        to, recipient = partner.whatsapp_wa_id or False, partner.whatsapp_user_id or False
        if not to and not recipient:
            return "no_recipient"
        if not spec:
            return "template"
        media = None
        if spec.media_header:
            attachment = self.template_header_attachment_id
            if not attachment:
                return "media"
            if not self.template_header_media_id:
                # sudo: ir.attachment - the file the attendant chose, read by the send job
                attachment_sudo = attachment.sudo()
                media_id = self.account_id._graph_client().upload_media(
                    attachment_sudo.raw, attachment_sudo.mimetype, attachment_sudo.name)
                self.write({"template_header_media_id": media_id})
            media = {"id": self.template_header_media_id, "filename": attachment.sudo().name}
        try:
            template_block = template_object(template.name, template.language, spec, self.template_values or {},
                                             media=media)
        except TemplateError:
            return "parameter"
        return template_payload(to or None, template_block, recipient=None if to else recipient)

    @api.model
    def _whatsapp_reprice(self, categories, since):
        """Estimated costs again after the rate table changed (outbound messages of those categories
        from ``since`` on)."""
        if not categories:
            return
        domain = [("direction", "=", "out"), "|", ("billing_category", "in", list(categories)),
                  ("pricing_category", "in", list(categories))]
        if since:
            domain.append(("create_date", ">=", fields.Datetime.to_datetime(since)))
        # sudo: whatsapp.message - costs are recomputed for every message, whoever edits a rate
        messages = self.sudo().search(domain)
        self.env.add_to_compute(self._fields["estimated_cost"], messages)
        self.env.add_to_compute(self._fields["cost_currency_id"], messages)
        messages.flush_recordset(["estimated_cost", "cost_currency_id"])

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
