from datetime import timedelta
from itertools import groupby
from operator import itemgetter

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.mail.tools.discuss import Store

from ..const import ATTENDANT_GROUP, DEFAULT_AUTO_RELEASE_MINUTES, MANAGER_GROUP, PROCESSING_GROUP
from ..tools import outbound_media
from ..tools.inbound_render import render_location
from ..tools.template_payload import TemplateError, check_values

# Meta's customer-service window: free-form messages are accepted for 24 h after the
# customer's last inbound message.
WINDOW = timedelta(hours=24)
# Meta's free entry point: answer a conversation a click-to-WhatsApp ad started within the
# window, and everything sent for the next 72 h is free (free-form still needs the 24 h window).
FREE_ENTRY_POINT = timedelta(hours=72)
# The attendants' shared queue: a bus subchannel of the attendant group (as im_livechat's
# "looking for help"), one per company (the updates carry customers' names), so every attendant
# sees new conversations and assignments of their companies live.
QUEUE_SUBCHANNEL = "WHATSAPP_QUEUE"
# Helpdesk fields (whatsapp_*) are written by the product's code only, in superuser mode, which no
# RPC can reach; these few are the exceptions an attendant may write directly.
ATTENDANT_WRITABLE_FIELDS = frozenset()
AUTO_RELEASE_PARAM = "whatsapp_crm.auto_release_minutes"  # set in Settings (res_config_settings.py)
# Typing pings refresh the activity clock at most this often (typing fires many times a minute).
ACTIVITY_WRITE_THROTTLE = timedelta(seconds=60)
# Meta shows a typing indicator for up to 25 s: asking again sooner is wasted Graph calls.
TYPING_INDICATOR_THROTTLE = timedelta(seconds=20)


def is_whatsapp_channel(channel):
    """The one predicate that says a channel is a WhatsApp conversation.

    The technical value 'whatsapp' is deliberate: Community's mail already treats it like a chat
    (channel_fetched "seen" notifications, message notifications), so Discuss behaves for our
    conversations as it does for direct messages. It is also why this addon cannot be installed
    next to Odoo Enterprise's `whatsapp` module: they are two answers to the same need.
    """
    return channel.channel_type == "whatsapp"


def queue_subchannel(company):
    """The bus subchannel (of the attendant group) of ``company``'s queue."""
    return f"{QUEUE_SUBCHANNEL}:{company.id}"


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    channel_type = fields.Selection(
        selection_add=[("whatsapp", "WhatsApp Conversation")], ondelete={"whatsapp": "cascade"})
    whatsapp_account_id = fields.Many2one("whatsapp.account", "WhatsApp Account", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    whatsapp_partner_id = fields.Many2one("res.partner", "WhatsApp Customer", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    # Stored for Odoo's multi-company record rule (security/whatsapp_crm_rules.xml).
    whatsapp_company_id = fields.Many2one(related="whatsapp_account_id.company_id", store=True,
                                          index="btree_not_null", string="WhatsApp Company")
    whatsapp_status = fields.Selection([("open", "Open"), ("closed", "Closed")], "Conversation Status",
                                       readonly=True)
    whatsapp_last_inbound_at = fields.Datetime("Customer's Last Message", readonly=True)
    whatsapp_window_expires_at = fields.Datetime(
        "Reply Window Ends", compute="_compute_whatsapp_window_expires_at", store=True,
        help="WhatsApp accepts free-form replies until then; after it, only approved templates.")
    whatsapp_entry_point_at = fields.Datetime(
        "Ad Message Received", readonly=True,
        help="The customer's last message that came from a click-to-WhatsApp ad (Meta's free entry point).")
    whatsapp_free_entry_until = fields.Datetime(
        "Free Until", readonly=True,
        help="Meta charges nothing for messages until then: the ad-started conversation was answered in time.")
    whatsapp_assignee_id = fields.Many2one("res.users", "Attendant", index="btree_not_null", readonly=True,
                                           ondelete="set null")
    whatsapp_assigned_at = fields.Datetime("Assigned At", readonly=True)
    whatsapp_last_activity_at = fields.Datetime(
        "Attendant's Last Activity", readonly=True,
        help="Last reply or typing by an attendant; an assigned conversation idle for too long returns to the queue.")
    # Indexed: every run of the send cron looks for these (almost always none).
    whatsapp_typing_requested_at = fields.Datetime(
        readonly=True, index="btree_not_null",
        help="An attendant is typing: the send cron shows the customer a typing indicator.")
    whatsapp_last_direction = fields.Selection(
        [("in", "Customer"), ("out", "Attendant")], "Last Message From", readonly=True)
    whatsapp_queue_state = fields.Selection([
        ("unassigned", "Waiting"),
        ("assigned", "In progress"),
        ("waiting_customer", "Waiting for the customer"),
        ("closed", "Closed"),
    ], "Queue State", compute="_compute_whatsapp_queue_state", store=True, index=True)

    # One open conversation per (account, customer), whatever the concurrency.
    _whatsapp_open_unique = models.UniqueIndex(
        "(whatsapp_account_id, whatsapp_partner_id) WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'")
    # The queue lists: "Não atribuídas" and "Minhas", newest activity first.
    _whatsapp_queue_index = models.Index(
        "(whatsapp_assignee_id, last_interest_dt DESC) WHERE channel_type = 'whatsapp' AND whatsapp_status = 'open'")
    _whatsapp_idle_index = models.Index(
        "(whatsapp_last_activity_at) WHERE whatsapp_assignee_id IS NOT NULL AND whatsapp_status = 'open'")

    @api.depends("whatsapp_last_inbound_at")
    def _compute_whatsapp_window_expires_at(self):
        for channel in self:
            last = channel.whatsapp_last_inbound_at
            channel.whatsapp_window_expires_at = last + WINDOW if last else False

    @api.depends("channel_type", "whatsapp_status", "whatsapp_assignee_id", "whatsapp_last_direction")
    def _compute_whatsapp_queue_state(self):
        for channel in self:
            if channel.channel_type != "whatsapp":
                channel.whatsapp_queue_state = False
            elif channel.whatsapp_status == "closed":
                channel.whatsapp_queue_state = "closed"
            elif not channel.whatsapp_assignee_id:
                channel.whatsapp_queue_state = "unassigned"
            elif channel.whatsapp_last_direction == "out":
                channel.whatsapp_queue_state = "waiting_customer"
            else:
                channel.whatsapp_queue_state = "assigned"

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Only the product opens conversations (``_whatsapp_get_or_open``, in superuser mode):
        whatever a client sends, over RPC or a Discuss route, it cannot make one."""
        if not self.env.su and any(
                vals.get("channel_type") == "whatsapp" or any(vals.get(name) for name in self._whatsapp_protected(vals))
                for vals in vals_list):
            raise AccessError(self.env._("WhatsApp conversations are opened by WhatsApp, when a customer writes."))
        return super().create(vals_list)

    def write(self, vals):
        """Helpdesk state (who answers, status, account, customer, window…) moves only through the
        actions that check rights; a direct write, even by a manager, is refused."""
        if not self.env.su and (protected := self._whatsapp_protected(vals)):
            raise AccessError(self.env._(
                "%(fields)s of a WhatsApp conversation change only through Take, Release, Transfer or Close.",
                fields=", ".join(self._fields[name]._description_string(self.env) for name in protected)))
        return super().write(vals)

    @api.model
    def _whatsapp_protected(self, vals):
        return [name for name in vals if name.startswith("whatsapp_") and name not in ATTENDANT_WRITABLE_FIELDS]

    # ------------------------------------------------------------
    # STORE (client data)
    # ------------------------------------------------------------

    def _to_store_defaults(self, target: Store.Target):
        return super()._to_store_defaults(target) + [
            *self._whatsapp_store_fields(),
            # sudo: res.partner - the customer of a conversation the user can read
            Store.One("whatsapp_partner_id", ["name", "phone", "whatsapp_profile_name"],
                      predicate=is_whatsapp_channel, sudo=True),
        ]

    def _sync_field_names(self):
        field_names = super()._sync_field_names()
        field_names[None].extend(self._whatsapp_store_fields())
        return field_names

    def _whatsapp_store_fields(self):
        """The helpdesk state every attendant's screen shows, sent again whenever it changes."""
        return [
            Store.Attr(name, predicate=is_whatsapp_channel)
            for name in ("whatsapp_window_expires_at", "whatsapp_free_entry_until", "whatsapp_status",
                         "whatsapp_queue_state", "whatsapp_assigned_at", "whatsapp_last_activity_at")
        ] + [
            # sudo: res.users - the name of the attendant answering a conversation the user can read
            # (the client reads a user's name from their partner)
            Store.One("whatsapp_assignee_id", [Store.One("partner_id", ["name"])],
                      predicate=is_whatsapp_channel, sudo=True),
        ]

    def _whatsapp_queue_store_fields(self):
        """What a queue list needs of a conversation the user may not be a member of."""
        return ["name", "channel_type", "last_interest_dt", *self._whatsapp_store_fields(),
                # sudo: res.partner - the customer of a conversation every attendant may read
                Store.One("whatsapp_partner_id", ["name", "phone"], sudo=True)]

    # ------------------------------------------------------------
    # MAILING
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        """What an attendant writes for the customer goes to WhatsApp; notes and notices stay here."""
        res = super()._message_post_after_hook(message, msg_vals)
        if (is_whatsapp_channel(self)
                and not self.env.context.get("whatsapp_inbound")
                and message._whatsapp_is_for_customer()
                and message.author_id != self.whatsapp_partner_id):
            # sudo: whatsapp.message - the send queue is written on behalf of the attendant
            self.env["whatsapp.message"].sudo()._enqueue_outbound(self.sudo(), message)
            # sudo: discuss.channel - an attendant's reply is activity, whoever is assigned
            self.sudo().write({"whatsapp_last_direction": "out",
                               "whatsapp_last_activity_at": fields.Datetime.now()})
            self._whatsapp_notify_queue()
        return res

    # ------------------------------------------------------------
    # MEMBERSHIP
    # ------------------------------------------------------------

    def _find_or_create_member_for_self(self):
        """Discuss makes whoever types, mutes or calls in a channel a member of it. In a WhatsApp
        conversation only the assignee is a member (it joins when taking it): an attendant who merely
        looks at one, from the queue, reads it and follows it live without joining it."""
        if is_whatsapp_channel(self):
            return self.self_member_id
        return super()._find_or_create_member_for_self()

    # ------------------------------------------------------------
    # WINDOW
    # ------------------------------------------------------------

    def whatsapp_window_status(self):
        """Where the customer-service window stands, for the UI and integrations.

        ``{"open", "expires_at", "seconds_left", "template_required", "entry_point"}``; the entry
        point is ``False`` or ``{"received_at", "reply_before", "free_until", "free_now"}`` for a
        conversation a click-to-WhatsApp ad started (Meta's 72 h free entry point). Dates are UTC
        strings.
        """
        self.ensure_one()
        self._whatsapp_check_attendant(allow_closed=True)
        now = fields.Datetime.now()
        expires_at = self.whatsapp_window_expires_at
        entry_point = False
        if self.whatsapp_entry_point_at:
            entry_point = {
                "received_at": fields.Datetime.to_string(self.whatsapp_entry_point_at),
                "reply_before": fields.Datetime.to_string(self.whatsapp_entry_point_at + WINDOW),
                "free_until": fields.Datetime.to_string(self.whatsapp_free_entry_until),
                "free_now": self._whatsapp_free_entry_point_active(),
            }
        is_open = self._whatsapp_window_is_open()
        return {
            "open": is_open,
            "expires_at": fields.Datetime.to_string(expires_at),
            "seconds_left": max(int((expires_at - now).total_seconds()), 0) if expires_at else 0,
            "template_required": not is_open,
            "entry_point": entry_point,
        }

    def _whatsapp_window_is_open(self):
        """Free-form messages are possible until 24 h after the customer's last message."""
        self.ensure_one()
        expires_at = self.whatsapp_window_expires_at
        return bool(expires_at) and fields.Datetime.now() < expires_at

    def _whatsapp_free_entry_point_active(self):
        self.ensure_one()
        return bool(self.whatsapp_free_entry_until) and fields.Datetime.now() < self.whatsapp_free_entry_until

    def _whatsapp_check_free_form_allowed(self):
        """Refuse a free-form message (text, media, location, reaction…) once the window is closed:
        WhatsApp would refuse it (131047). Every outbound path calls this before queueing."""
        self.ensure_one()
        if not self._whatsapp_window_is_open():
            raise UserError(self.env._(
                "More than 24 hours have passed since %(customer)s last wrote: WhatsApp only delivers an "
                "approved template until the customer writes again. Use “Send template”.",
                customer=self.whatsapp_partner_id.name or self.name))

    def _whatsapp_register_entry_point(self, meta_timestamp):
        """The customer wrote from a click-to-WhatsApp ad: answering within 24 h opens Meta's free
        entry point."""
        now = fields.Datetime.now()
        moment = min(meta_timestamp, now) if meta_timestamp else now
        if not self.whatsapp_entry_point_at or moment > self.whatsapp_entry_point_at:
            # sudo: discuss.channel - the window's fields are written by the system
            self.sudo().whatsapp_entry_point_at = moment

    def _whatsapp_register_reply(self):
        """We answer: the first answer within 24 h of an ad message starts 72 free hours (not while
        a free entry point is running, nor twice for the same ad message)."""
        self.ensure_one()
        now = fields.Datetime.now()
        entry_at, free_until = self.whatsapp_entry_point_at, self.whatsapp_free_entry_until
        if not entry_at or not entry_at <= now < entry_at + WINDOW:
            return
        if free_until and (now < free_until or free_until - FREE_ENTRY_POINT >= entry_at):
            return
        # sudo: discuss.channel - the window's fields are written by the system
        self.sudo().whatsapp_free_entry_until = now + FREE_ENTRY_POINT
        self._whatsapp_notify_queue(["whatsapp_free_entry_until"])

    # ------------------------------------------------------------
    # TEMPLATES
    # ------------------------------------------------------------

    def whatsapp_template_picker(self, search="", limit=50):
        """The templates the send dialog offers for this conversation (approved, in the customer's
        language when it exists), filtered by ``search`` on name and text."""
        self.ensure_one()
        self._whatsapp_check_attendant()
        offered = self.env["whatsapp.template"]._whatsapp_offered(self, (search or "").strip())
        return {
            "templates": [template._whatsapp_picker_item() for template in offered[:min(int(limit), 200)]],
            "total": len(offered),
            "window": self.whatsapp_window_status(),
        }

    def whatsapp_template_form(self, template_id):
        """The send form of one template: variables with their defaults, stored header file, preview."""
        self.ensure_one()
        self._whatsapp_check_attendant()
        template = self._whatsapp_sendable_template(template_id)
        return template._whatsapp_form(self)

    def whatsapp_template_preview(self, template_id, values, media_name=None):
        """HTML of the message as the customer will see it with these values."""
        self.ensure_one()
        self._whatsapp_check_attendant()
        template = self._whatsapp_sendable_template(template_id)
        return template._whatsapp_preview(self._whatsapp_clean_template_values(template, values), media_name)

    def whatsapp_send_template(self, template_id, values, attachment_id=None):
        """Send an approved template: posted in the conversation (rendered, marked "Template") and
        queued for WhatsApp. ``values``: variable key → text; ``attachment_id``: the header file (an
        upload of this user or the template's stored file). Returns the Discuss message id."""
        self.ensure_one()
        self._whatsapp_check_attendant()
        template = self._whatsapp_sendable_template(template_id)
        self._whatsapp_check_template_allowed(self.whatsapp_partner_id, template)
        values = self._whatsapp_clean_template_values(template, values)
        attachment = self._whatsapp_template_header_file(template, attachment_id)
        spec = template._whatsapp_spec()
        try:
            check_values(spec, dict(values, **({"header.media": attachment.name} if attachment else {})))
        except TemplateError as error:
            key = error.key
            if key in ("body", "header"):
                raise UserError(self.env._("The template is too long for WhatsApp once filled in: shorten "
                                           "the values.")) from None
            variable = template.variable_ids.filtered(lambda row: row.key == key)
            raise UserError(self.env._("The template cannot be sent: %(field)s is missing or invalid.",
                                       field=variable.display_name or key)) from None
        body = template._whatsapp_preview_html(spec, values, attachment.name if attachment else None)
        message = self.with_context(whatsapp_template_send={
            "template_id": template.id, "values": values, "attachment_id": attachment.id,
        }).message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_comment",
                        attachment_ids=attachment.ids)
        return message.id

    def _whatsapp_check_template_allowed(self, partner, template):
        """May ``template`` be sent to ``partner``? Raise UserError if not. The place where other
        rules plug in (e.g. the LGPD addon's marketing consent)."""
        template._whatsapp_check_sendable(self)

    def _whatsapp_sendable_template(self, template_id):
        template = self.env["whatsapp.template"].browse(int(template_id)).exists()
        if not template:
            raise UserError(self.env._("This template no longer exists. Sync the templates and try again."))
        template._whatsapp_check_sendable(self)
        return template

    def _whatsapp_clean_template_values(self, template, values):
        """Only the template's own variables, as stripped strings (no header file: that is an attachment)."""
        keys = set(template.variable_ids.mapped("key")) - {"header.media"}
        values = values if isinstance(values, dict) else {}
        return {key: str(values[key]).strip() for key in keys if values.get(key) not in (None, False)}

    def _whatsapp_template_header_file(self, template, attachment_id):
        """The header file of a media template: an upload of this user for this conversation, or
        the template's stored file, copied into the conversation (what the thread shows)."""
        if template.header_format not in template.HEADER_MIMETYPES:
            return self.env["ir.attachment"]
        if not attachment_id:
            stored_sudo = template._whatsapp_stored_header_file()
            # sudo: ir.attachment - the template's stored file, copied into the conversation it is sent to
            attachment = stored_sudo and stored_sudo.copy({
                "res_model": "discuss.channel", "res_id": self.id, "res_field": False, "name": stored_sudo.name,
            }).sudo(False)
        else:
            attachment = self.env["ir.attachment"].browse(int(attachment_id)).exists()
            # sudo: ir.attachment - the user's own pending upload (mail's composer does the same check)
            pending = attachment.sudo()
            if not pending or pending.res_model != "mail.compose.message" or pending.create_uid != self.env.user:
                raise AccessError(self.env._("This file cannot be sent from here."))
        template._whatsapp_check_header_file(attachment)
        return attachment

    def _whatsapp_template_default_values(self):
        """The values a template variable's default may come from (see whatsapp.template.variable)."""
        self.ensure_one()
        # sudo: res.partner - the customer of a conversation the attendant answers
        partner = self.whatsapp_partner_id.sudo()
        company = self.whatsapp_account_id.company_id or self.env.company
        name = partner.name or partner.whatsapp_profile_name or ""
        return {
            "partner_name": name,
            "partner_first_name": name.split()[0] if name.split() else "",
            "partner_phone": partner.phone or (f"+{partner.whatsapp_wa_id}" if partner.whatsapp_wa_id else ""),
            "attendant_name": self.env.user.name,
            "company_name": company.name,
            "protocol": self._whatsapp_protocol(),
            "privacy_policy_url": company.whatsapp_privacy_policy_url or "",
        }

    def _whatsapp_protocol(self):
        """The conversation's reference for the customer (its protocol number: discuss_channel_protocol.py)."""
        self.ensure_one()
        return str(self.id)

    # ------------------------------------------------------------
    # OUTBOUND MEDIA
    # ------------------------------------------------------------

    def message_post(self, *, message_type="notification", **kwargs):
        """Files WhatsApp would refuse never get posted: the composer shows why (the upload route
        checks them first; this also covers files attached by any other way)."""
        if (is_whatsapp_channel(self) and message_type == "comment" and kwargs.get("attachment_ids")
                and not self.env.context.get("whatsapp_inbound")):
            self._whatsapp_check_outbound_attachments(kwargs["attachment_ids"])
        return super().message_post(message_type=message_type, **kwargs)

    def _whatsapp_check_outbound_attachments(self, attachment_ids):
        whatsapp_messages = self.env["whatsapp.message"]
        # sudo: ir.attachment - the files the attendant is posting (ownership is checked by Discuss)
        for attachment_sudo in self.env["ir.attachment"].sudo().browse(attachment_ids).exists():
            plan = whatsapp_messages._outbound_plan(attachment_sudo)
            if isinstance(plan, outbound_media.Refusal):
                raise UserError(whatsapp_messages._outbound_refusal_text(plan, attachment_sudo.name))

    def whatsapp_post_location(self, location_id):
        """"Localização": post one of the preset places; it goes to the customer as a map pin
        and shows in the thread as the same card as a customer's location."""
        self.ensure_one()
        self._whatsapp_check_attendant()
        location = self.env["whatsapp.location"].browse(int(location_id)).exists()
        if not location or not location.active:
            raise UserError(self.env._("This place is no longer offered."))
        body = render_location(location._whatsapp_card(),
                               self.with_context(lang=self.whatsapp_account_id._conversation_lang()).env._)
        message = self.with_context(whatsapp_location_id=location.id).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment")
        return message.id

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_get_or_open(self, account, partner, event=None):
        """The open conversation of ``partner`` on ``account``, created on first contact.

        ``event`` is the parsed inbound message that asks for it, if any (a survey answer goes to the
        closed conversation it rates: discuss_channel_survey.py).

        An advisory lock per (account, partner) makes ten parallel first messages open one
        conversation; the unique index is the backstop if anything bypasses it.

        Nobody is a member of a new conversation: it waits in the queue (a bus subchannel every
        attendant listens to) and its assignee joins it when taking it. Neither is the customer:
        their messages are authored by their partner, and nothing of the conversation (notes,
        notices, other customers' names) may reach a login they might have.
        """
        self._whatsapp_lock_conversation(account, partner)
        # A plain lookup by key, in SQL: evaluating Discuss's membership rules on every inbound message
        # was a third of the processing time, and compiling the domain was still 4 % of it. Access is
        # checked on use.
        self.flush_model(["channel_type", "whatsapp_account_id", "whatsapp_partner_id", "whatsapp_status"])
        self.env.cr.execute("""
            SELECT id FROM discuss_channel
             WHERE channel_type = 'whatsapp' AND whatsapp_account_id = %s AND whatsapp_partner_id = %s
               AND whatsapp_status = 'open'
             LIMIT 1
        """, [account.id, partner.id])
        row = self.env.cr.fetchone()
        if row:
            return self.browse(row[0])
        # sudo: discuss.channel - the product's own code opens conversations (create() refuses others)
        channel_sudo = self.sudo().create({
            "name": partner.name,
            "channel_type": "whatsapp",
            "whatsapp_account_id": account.id,
            "whatsapp_partner_id": partner.id,
            "whatsapp_status": "open",
        })
        # Discuss adds the creator as a member; the processing user is not a participant.
        channel_sudo.channel_member_ids.unlink()
        return channel_sudo.sudo(False)

    @api.model
    def _whatsapp_lock_conversation(self, account, partner):
        """Serialise whatever opens or moves an open conversation of ``partner`` on ``account``."""
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"whatsapp_crm.channel:{account.id}:{partner.id}"])

    def _whatsapp_register_inbound(self, meta_timestamp):
        """The customer wrote: the 24 h window restarts from their message.

        A timestamp in the future (a wrong clock, a forged 2099) is capped at now. A customer's
        message is not attendant activity: it does not keep an assignment alive.
        """
        now = fields.Datetime.now()
        moment = min(meta_timestamp, now) if meta_timestamp else now
        values = {}
        if self.whatsapp_last_direction != "in":
            values["whatsapp_last_direction"] = "in"
        if not self.whatsapp_last_inbound_at or moment > self.whatsapp_last_inbound_at:
            values["whatsapp_last_inbound_at"] = moment
        if values:
            queue_state = self.whatsapp_queue_state
            # sudo: discuss.channel - the window and direction follow the customer's messages
            self.sudo().write(values)
            # The queue only hears of what changes its lists; members get the message itself.
            if self.whatsapp_queue_state != queue_state or "whatsapp_last_direction" in values:
                self._whatsapp_notify_queue()

    # ------------------------------------------------------------
    # ASSIGNMENT
    # ------------------------------------------------------------

    def action_whatsapp_take(self):
        """"Assumir": the current attendant answers this conversation.

        Atomic: the UPDATE only matches an unassigned conversation, so when two attendants click
        at once exactly one row is updated and the other attendant is told who was faster.
        """
        self.ensure_one()
        self._whatsapp_check_attendant()
        taken = self._whatsapp_assign_if_unassigned(self.env.user)
        if not taken:
            if self.whatsapp_assignee_id == self.env.user:
                return True
            raise UserError(self.env._(
                "%(attendant)s is already answering this conversation.",
                attendant=self.sudo().whatsapp_assignee_id.name or self.env._("Someone")))
        self._whatsapp_join(self.env.user)
        self._whatsapp_post_notice(self.env._("%(attendant)s is now answering.", attendant=self.env.user.name))
        self._whatsapp_notify_queue()
        return True

    def _whatsapp_assign_if_unassigned(self, user):
        """Give the conversation to ``user`` in one UPDATE that only matches it open and unassigned:
        of two concurrent assignments exactly one succeeds. True when this one did."""
        self.ensure_one()
        now = fields.Datetime.now()
        self.env.cr.execute("""
            UPDATE discuss_channel
               SET whatsapp_assignee_id = %s, whatsapp_assigned_at = %s, whatsapp_last_activity_at = %s
             WHERE id = %s AND whatsapp_assignee_id IS NULL AND whatsapp_status = 'open'
         RETURNING id
        """, [user.id, now, now, self.id])
        assigned = bool(self.env.cr.fetchone())
        self._whatsapp_assignment_changed_in_sql()
        return assigned

    def action_whatsapp_release(self):
        """"Liberar": back to the queue, for anyone to take."""
        self.ensure_one()
        self._whatsapp_check_can_reassign()
        if not self.whatsapp_assignee_id:
            return True
        assignee = self.whatsapp_assignee_id
        # sudo: discuss.channel - assignment fields are only written through these actions
        self.sudo().write({"whatsapp_assignee_id": False, "whatsapp_assigned_at": False})
        self._whatsapp_leave(assignee)
        self._whatsapp_post_notice(self.env._("%(attendant)s returned the conversation to the queue.",
                                              attendant=self.env.user.name))
        self._whatsapp_notify_queue()
        return True

    def action_whatsapp_transfer(self, user_id, note=None):
        """"Transferir": hand the conversation to another attendant, with an optional note."""
        self.ensure_one()
        self._whatsapp_check_can_reassign()
        target = self.env["res.users"].browse(int(user_id))
        if target not in self._whatsapp_transfer_targets():
            raise UserError(self.env._(
                "Conversations can only be transferred to an active WhatsApp attendant of their company."))
        previous = self.whatsapp_assignee_id
        now = fields.Datetime.now()
        # sudo: discuss.channel - assignment fields are only written through these actions
        self.sudo().write({"whatsapp_assignee_id": target.id, "whatsapp_assigned_at": now,
                           "whatsapp_last_activity_at": now})
        self._whatsapp_leave(previous - target)
        self._whatsapp_join(target)
        notice = self.env._("%(attendant)s transferred the conversation to %(target)s.",
                            attendant=self.env.user.name, target=target.name)
        if note:
            notice = Markup("%s<br/>%s") % (notice, note)
        self._whatsapp_post_notice(notice)
        self._whatsapp_notify_queue()
        return True

    def action_whatsapp_close(self):
        """"Finalizar": the conversation ends; the customer's next message opens a new one."""
        self.ensure_one()
        self._whatsapp_check_can_reassign(allow_unassigned=True)
        # sudo: discuss.channel - conversation state is only written through these actions
        self.sudo().write({"whatsapp_status": "closed", "whatsapp_assignee_id": False})
        self._whatsapp_post_notice(self.env._("%(attendant)s closed the conversation.",
                                              attendant=self.env.user.name))
        self._whatsapp_notify_queue()
        # Attendants leave a closed conversation: Discuss's per-user costs (access rules, bus
        # channels) grow with memberships, and the history stays readable from the board.
        # sudo: discuss.channel.member - the attendants' memberships end with the conversation
        self._whatsapp_leave(self.sudo().channel_member_ids.partner_id.user_ids)
        return True

    @api.model
    def _whatsapp_queue_domain(self, queue_filter):
        """"Minhas" (mine), "Não atribuídas" (unassigned) or "Todas" (all): open conversations of
        the companies the user works in (the multi-company rule, restated for the sudo search)."""
        domain = [("channel_type", "=", "whatsapp"), ("whatsapp_status", "=", "open"),
                  ("whatsapp_company_id", "in", self.env.companies.ids)]
        if queue_filter == "mine":
            return [*domain, ("whatsapp_assignee_id", "=", self.env.uid)]
        if queue_filter == "unassigned":
            return [*domain, ("whatsapp_assignee_id", "=", False)]
        return domain

    @api.model
    def whatsapp_queue_fetch(self, queue_filter="all", limit=50):
        """One page of a queue list for the Discuss sidebar, with the three live counts."""
        if not self.env.user.has_group(ATTENDANT_GROUP):
            raise AccessError(self.env._("Only WhatsApp attendants can see the queue."))
        # sudo: discuss.channel - attendants may read every WhatsApp conversation of their companies
        # (record rules) and the domain is limited to them; Discuss's membership rule, evaluated per
        # query, embeds the ids of every channel the user belongs to
        channels_sudo = self.sudo()
        channels = channels_sudo.search(self._whatsapp_queue_domain(queue_filter),
                                        order="last_interest_dt desc, id desc", limit=min(int(limit), 200))
        store = Store()
        store.add(channels, self._whatsapp_queue_store_fields())
        return {
            "channel_ids": channels.ids,
            "counts": {name: channels_sudo.search_count(self._whatsapp_queue_domain(name))
                       for name in ("mine", "unassigned", "all")},
            "store_data": store.get_result(),
        }

    def whatsapp_transfer_candidates(self):
        """Whom this conversation can be handed to (the transfer dialog): ``[{"id", "name"}]``."""
        self.ensure_one()
        if not self.env.user.has_group(ATTENDANT_GROUP):
            raise AccessError(self.env._("Only WhatsApp attendants can transfer conversations."))
        self.check_access("read")
        return [{"id": user.id, "name": user.name} for user in self._whatsapp_transfer_targets().sorted("name")]

    def _whatsapp_transfer_targets(self):
        """The one rule for transfers, the dialog's list and the server's check: active internal
        attendants of the conversation's company; never the processing user."""
        self.ensure_one()
        company = self.sudo().whatsapp_company_id
        # sudo: res.users - attendants' names and companies, for any attendant choosing whom to transfer to
        attendants_sudo = self.env.ref(ATTENDANT_GROUP).sudo().all_user_ids - \
            self.env.ref(PROCESSING_GROUP).sudo().all_user_ids
        return attendants_sudo.filtered(
            lambda user: user.active and user._is_internal() and company in user.company_ids).sudo(False)

    def _whatsapp_assignment_changed_in_sql(self):
        """After an atomic UPDATE of the assignment: drop the stale cache and let the ORM recompute
        the queue state (one definition of it: ``_compute_whatsapp_queue_state``)."""
        self.invalidate_recordset(["whatsapp_assignee_id", "whatsapp_assigned_at", "whatsapp_last_activity_at"])
        self.env.add_to_compute(self._fields["whatsapp_queue_state"], self)
        self.flush_recordset(["whatsapp_queue_state"])

    def _whatsapp_check_attendant(self, allow_closed=False):
        if not self.env.user.has_group(ATTENDANT_GROUP):
            raise AccessError(self.env._("Only WhatsApp attendants can do this."))
        self.check_access("read")  # their companies' conversations only
        if not is_whatsapp_channel(self):
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        if self.whatsapp_status != "open" and not allow_closed:
            raise UserError(self.env._("This conversation is closed."))

    def _whatsapp_check_can_reassign(self, allow_unassigned=False):
        """The assignee hands over their own conversation; managers reassign anyone's."""
        self._whatsapp_check_attendant()
        user = self.env.user
        if user.has_group(MANAGER_GROUP):
            return
        assignee = self.whatsapp_assignee_id
        if assignee == user or (allow_unassigned and not assignee):
            return
        if not assignee:
            raise UserError(self.env._("Nobody is answering this conversation."))
        raise AccessError(self.env._("Only %(attendant)s or a manager can do this.", attendant=assignee.name))

    def _whatsapp_join(self, user):
        """The assignee is the member of the conversation: Discuss then counts its unread messages,
        notifies them and keeps it in their sidebar and on their websocket."""
        if user.partner_id not in self.channel_member_ids.partner_id:
            # sudo: discuss.channel.member - the assignee joins the conversation they answer
            self.sudo()._add_members(users=user, post_joined_message=False)

    def _whatsapp_leave(self, users):
        """Attendants who no longer answer the conversation stop being members, so an attendant's
        websocket follows the conversations they answer, not every one they ever touched. Their
        clients are told (a conversation on screen stays there, followed as a non-member)."""
        # sudo: discuss.channel.member - memberships follow the assignment, whoever changes it
        members_sudo = self.sudo().channel_member_ids.filtered(lambda member: member.partner_id in users.partner_id)
        for user in users:
            Store(bus_channel=user).delete(members_sudo.filtered(lambda m, u=user: m.partner_id == u.partner_id)) \
                .bus_send()
        members_sudo.unlink()

    def _whatsapp_post_notice(self, body):
        """A discreet line in the thread, never sent to the customer (only comments are)."""
        # sudo: discuss.channel - notices are written by the system, whoever triggered them
        self.sudo().message_post(body=body, message_type="notification", subtype_xmlid="mail.mt_note")

    def _whatsapp_notify_queue(self, fields=None):
        """Every attendant of the company sees the change in their queue, member of the conversation or not."""
        group = self.env.ref(ATTENDANT_GROUP)
        # sudo: discuss.channel - the queue lists conversations every attendant of the company may read
        for company, channels_sudo in self.sudo().grouped("whatsapp_company_id").items():
            Store(bus_channel=group, bus_subchannel=queue_subchannel(company)).add(
                channels_sudo, fields or self._whatsapp_queue_store_fields(),
            ).bus_send()

    # ------------------------------------------------------------
    # AUTO-RELEASE
    # ------------------------------------------------------------

    def _whatsapp_register_typing(self):
        """An attendant typed: the assignment stays alive and the customer sees "typing…".

        Both are throttled: Discuss sends typing pings many times a minute.
        """
        now = fields.Datetime.now()
        values = {}
        last_activity = self.whatsapp_last_activity_at
        if self.whatsapp_assignee_id and (not last_activity or now - last_activity >= ACTIVITY_WRITE_THROTTLE):
            values["whatsapp_last_activity_at"] = now
        last_typing = self.whatsapp_typing_requested_at
        if self.whatsapp_status == "open" and (not last_typing or now - last_typing >= TYPING_INDICATOR_THROTTLE):
            values["whatsapp_typing_requested_at"] = now
            self.env["whatsapp.message"]._enqueue_typing()
        if values:
            # sudo: discuss.channel - typing is activity, for whoever types
            self.sudo().write(values)

    @api.model
    def _whatsapp_send_typing_indicators(self, since):
        """Mark the customer's last message read and show "typing…" (one Graph call each)."""
        channels = self.search([("whatsapp_typing_requested_at", ">=", since), ("whatsapp_status", "=", "open")])
        for channel in channels:
            last_inbound = self.env["whatsapp.message"].search(
                [("channel_id", "=", channel.id), ("direction", "=", "in"), ("message_type", "!=", "reaction")],
                order="id desc", limit=1)
            if last_inbound.wamid:
                last_inbound._mark_read(typing_indicator=True)
        # sudo: discuss.channel - the send job clears the requests it served
        channels.sudo().write({"whatsapp_typing_requested_at": False})

    @api.model
    def _whatsapp_auto_release_minutes(self):
        param = self.env["ir.config_parameter"].sudo().get_param(AUTO_RELEASE_PARAM)
        try:
            return max(int(param), 1) if param else DEFAULT_AUTO_RELEASE_MINUTES
        except ValueError:
            return DEFAULT_AUTO_RELEASE_MINUTES

    @api.model
    def _cron_whatsapp_auto_release(self, batch_size=1000):
        """Return idle assigned conversations to the queue, in committed batches."""
        while released := self._whatsapp_release_idle(batch_size):
            # A full batch means more may wait: Odoo re-runs the job at once if time runs out.
            more = 1 if len(released) == batch_size else 0
            if self.env["ir.cron"]._commit_progress(len(released), remaining=more) <= 0:
                return

    @api.model
    def _whatsapp_release_idle(self, batch_size=1000):
        """One batch: unassign conversations idle past the configured delay, with a notice each."""
        cutoff = fields.Datetime.now() - timedelta(minutes=self._whatsapp_auto_release_minutes())
        self.flush_model(["whatsapp_assignee_id", "whatsapp_last_activity_at", "whatsapp_status"])
        self.env.cr.execute("""
            WITH idle AS (
                SELECT id, whatsapp_assignee_id FROM discuss_channel
                 WHERE whatsapp_assignee_id IS NOT NULL AND whatsapp_status = 'open'
                   AND channel_type = 'whatsapp'
                   AND (whatsapp_last_activity_at IS NULL OR whatsapp_last_activity_at < %s)
                 LIMIT %s FOR UPDATE SKIP LOCKED
            )
            UPDATE discuss_channel channel
               SET whatsapp_assignee_id = NULL, whatsapp_assigned_at = NULL
              FROM idle
             WHERE channel.id = idle.id
         RETURNING channel.id, idle.whatsapp_assignee_id
        """, [cutoff, batch_size])
        released = self.env.cr.fetchall()
        channels = self.browse(row[0] for row in released)
        if channels:
            channels._whatsapp_assignment_changed_in_sql()
            channels._whatsapp_release_memberships_in_sql(released)
            channels._whatsapp_post_auto_release_notices()
            # Only what changed: a thousand full conversation payloads weighed 420 kB per batch.
            channels._whatsapp_notify_queue(["whatsapp_queue_state", "whatsapp_assigned_at",
                                             Store.One("whatsapp_assignee_id", [])])
        return channels

    def _whatsapp_release_memberships_in_sql(self, released):
        """The former assignees of ``released`` (``[(channel id, user id)]``) leave those
        conversations, in one statement per batch, and each client is told once."""
        self.env["discuss.channel.member"].flush_model()
        self.env.cr.execute("""
            DELETE FROM discuss_channel_member member
             USING res_users users, unnest(%s::int[], %s::int[]) AS released(channel_id, user_id)
             WHERE member.channel_id = released.channel_id AND users.id = released.user_id
               AND member.partner_id = users.partner_id
         RETURNING member.id, released.user_id
        """, [[row[0] for row in released], [row[1] for row in released]])
        left = self.env.cr.fetchall()
        self.env["discuss.channel.member"].invalidate_model()
        self.invalidate_recordset(["channel_member_ids", "member_count", "is_member", "self_member_id"])
        self.env["res.partner"].invalidate_model(["channel_ids"])
        members = self.env["discuss.channel.member"]
        for user_id, member_ids in groupby(sorted(left, key=itemgetter(1)), key=itemgetter(1)):
            Store(bus_channel=self.env["res.users"].browse(user_id)).delete(
                members.browse(member_id for member_id, _user in member_ids)).bus_send()

    def _whatsapp_post_auto_release_notices(self):
        """One batched create of notices: posting them one by one would take minutes for thousands.

        The sender and reply-to are computed once for the batch (mail would search them per message,
        two thirds of the time); nobody replies by email to a system notice.
        """
        env = self.with_context(lang=self.env.company.partner_id.lang or self.env.lang).env
        body = Markup("<p>%s</p>") % env._("Returned to the queue after %(minutes)s minutes without activity.",
                                           minutes=self._whatsapp_auto_release_minutes())
        common = {
            "model": "discuss.channel",
            "body": body,
            "message_type": "notification",
            "subtype_id": self.env.ref("mail.mt_note").id,
            "author_id": self.env.ref("base.partner_root").id,
        }
        # sudo: mail.message - system notices on conversations released by the scheduler
        messages_sudo = self.env["mail.message"].sudo()
        common["email_from"] = self.env["mail.thread"]._message_compute_author(common["author_id"])[1]
        common["reply_to"] = messages_sudo._get_reply_to(dict(common, res_id=self[:1].id))
        messages_sudo.create([dict(common, res_id=channel.id) for channel in self])
