import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

from odoo.addons.mail.tools.discuss import Store

from ..const import DEFAULT_AUTO_RELEASE_MINUTES, JOB_CHANNEL_SEND
from .whatsapp_job import delay

_logger = logging.getLogger(__name__)

# Meta's customer-service window: free-form messages are accepted for 24 h after the
# customer's last inbound message.
WINDOW = timedelta(hours=24)
# The attendants' shared queue: a bus subchannel of the attendant group (as im_livechat's
# "looking for help"), so every attendant sees new conversations and assignments live.
QUEUE_SUBCHANNEL = "WHATSAPP_QUEUE"
AUTO_RELEASE_PARAM = "whatsapp_crm.auto_release_minutes"  # set in Settings (res_config_settings.py)
# The ids of a transaction's customer messages awaiting their web push job (cursor postcommit data).
PUSH_BATCH_KEY = "whatsapp_crm.web_push"
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


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"

    channel_type = fields.Selection(
        selection_add=[("whatsapp", "WhatsApp Conversation")], ondelete={"whatsapp": "cascade"})
    whatsapp_account_id = fields.Many2one("whatsapp.account", "WhatsApp Account", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    whatsapp_partner_id = fields.Many2one("res.partner", "WhatsApp Customer", index="btree_not_null",
                                          ondelete="cascade", readonly=True)
    whatsapp_status = fields.Selection([("open", "Open"), ("closed", "Closed")], "Conversation Status",
                                       readonly=True)
    whatsapp_last_inbound_at = fields.Datetime("Customer's Last Message", readonly=True)
    whatsapp_window_expires_at = fields.Datetime(
        "Reply Window Ends", compute="_compute_whatsapp_window_expires_at", store=True,
        help="WhatsApp accepts free-form replies until then; after it, only approved templates.")
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
            for name in ("whatsapp_window_expires_at", "whatsapp_status", "whatsapp_queue_state",
                         "whatsapp_assigned_at", "whatsapp_last_activity_at")
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
        """What an attendant writes in a WhatsApp conversation goes to the customer."""
        res = super()._message_post_after_hook(message, msg_vals)
        if (is_whatsapp_channel(self)
                and not self.env.context.get("whatsapp_inbound")
                and message.message_type == "comment"
                and message.author_id != self.whatsapp_partner_id):
            # sudo: whatsapp.message - the send queue is written on behalf of the attendant
            self.env["whatsapp.message"].sudo()._enqueue_outbound(self.sudo(), message)
            # sudo: discuss.channel - an attendant's reply is activity, whoever is assigned
            self.sudo().write({"whatsapp_last_direction": "out",
                               "whatsapp_last_activity_at": fields.Datetime.now()})
            self._whatsapp_notify_queue()
        return res

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_get_or_open(self, account, partner):
        """The open conversation of ``partner`` on ``account``, created on first contact.

        An advisory lock per (account, partner) makes ten parallel first messages open one
        conversation; the unique index is the backstop if anything bypasses it.
        """
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                            [f"whatsapp_crm.channel:{account.id}:{partner.id}"])
        # sudo: discuss.channel - a plain lookup by key; evaluating Discuss's membership rules on
        # every inbound message was a third of the processing time. Access is checked on use.
        channel = self.sudo().search([
            ("channel_type", "=", "whatsapp"),
            ("whatsapp_account_id", "=", account.id),
            ("whatsapp_partner_id", "=", partner.id),
            ("whatsapp_status", "=", "open"),
        ], limit=1)
        if channel:
            return channel.sudo(False)
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant").all_user_ids.filtered(
            lambda user: user.active and not user.share
        ) - self.env.ref("whatsapp_crm.user_whatsapp_processing")
        channel = self.create({
            "name": partner.name,
            "channel_type": "whatsapp",
            "whatsapp_account_id": account.id,
            "whatsapp_partner_id": partner.id,
            "whatsapp_status": "open",
            "channel_member_ids": [Command.create({"partner_id": pid})
                                   for pid in (partner | attendants.partner_id).ids],
        })
        # Discuss adds the creator as a member; the processing user is not a participant.
        channel.channel_member_ids.filtered(
            lambda member: member.partner_id == self.env.user.partner_id
            and member.partner_id not in attendants.partner_id).unlink()
        return channel

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
            self.write(values)
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
        now = fields.Datetime.now()
        self.env.cr.execute("""
            UPDATE discuss_channel
               SET whatsapp_assignee_id = %s, whatsapp_assigned_at = %s, whatsapp_last_activity_at = %s
             WHERE id = %s AND whatsapp_assignee_id IS NULL AND whatsapp_status = 'open'
         RETURNING id
        """, [self.env.uid, now, now, self.id])
        taken = bool(self.env.cr.fetchone())
        self._whatsapp_assignment_changed_in_sql()
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

    def action_whatsapp_release(self):
        """"Liberar": back to the queue, for anyone to take."""
        self.ensure_one()
        self._whatsapp_check_can_reassign()
        if not self.whatsapp_assignee_id:
            return True
        # sudo: discuss.channel - assignment fields are only written through these actions
        self.sudo().write({"whatsapp_assignee_id": False, "whatsapp_assigned_at": False})
        self._whatsapp_post_notice(self.env._("%(attendant)s returned the conversation to the queue.",
                                              attendant=self.env.user.name))
        self._whatsapp_notify_queue()
        return True

    def action_whatsapp_transfer(self, user_id, note=None):
        """"Transferir": hand the conversation to another attendant, with an optional note."""
        self.ensure_one()
        self._whatsapp_check_can_reassign()
        target = self.env["res.users"].browse(int(user_id)).exists()
        if not target or not target.has_group("whatsapp_crm.group_whatsapp_attendant") or target.share:
            raise UserError(self.env._("Conversations can only be transferred to a WhatsApp attendant."))
        now = fields.Datetime.now()
        # sudo: discuss.channel - assignment fields are only written through these actions
        self.sudo().write({"whatsapp_assignee_id": target.id, "whatsapp_assigned_at": now,
                           "whatsapp_last_activity_at": now})
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
        self.sudo().channel_member_ids.filtered(lambda member: member.partner_id.user_ids).unlink()
        return True

    @api.model
    def _whatsapp_queue_domain(self, queue_filter):
        """"Minhas" (mine), "Não atribuídas" (unassigned) or "Todas" (all): open conversations."""
        domain = [("channel_type", "=", "whatsapp"), ("whatsapp_status", "=", "open")]
        if queue_filter == "mine":
            return [*domain, ("whatsapp_assignee_id", "=", self.env.uid)]
        if queue_filter == "unassigned":
            return [*domain, ("whatsapp_assignee_id", "=", False)]
        return domain

    @api.model
    def whatsapp_queue_fetch(self, queue_filter="all", limit=50):
        """One page of a queue list for the Discuss sidebar, with the three live counts."""
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise AccessError(self.env._("Only WhatsApp attendants can see the queue."))
        # sudo: discuss.channel - attendants may read every WhatsApp conversation (record rule) and the
        # domain is limited to them; Discuss's membership rule, evaluated per query, embeds the ids of
        # every channel the user belongs to and made this list take seconds
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

    @api.model
    def whatsapp_transfer_candidates(self):
        """The attendants a conversation can be handed to: ``[{"id", "name"}]``."""
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise AccessError(self.env._("Only WhatsApp attendants can transfer conversations."))
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        # sudo: res.users - attendants' names, for any attendant choosing whom to transfer to
        users = group.sudo().all_user_ids.filtered(lambda user: user.active and not user.share) \
            - self.env.ref("whatsapp_crm.user_whatsapp_processing")
        return [{"id": user.id, "name": user.name} for user in users.sorted("name")]

    def _whatsapp_assignment_changed_in_sql(self):
        """After an atomic UPDATE of the assignment: drop the stale cache and let the ORM recompute
        the queue state (one definition of it: ``_compute_whatsapp_queue_state``)."""
        self.invalidate_recordset(["whatsapp_assignee_id", "whatsapp_assigned_at", "whatsapp_last_activity_at"])
        self.env.add_to_compute(self._fields["whatsapp_queue_state"], self)
        self.flush_recordset(["whatsapp_queue_state"])

    def _whatsapp_check_attendant(self):
        if not is_whatsapp_channel(self):
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise AccessError(self.env._("Only WhatsApp attendants can do this."))
        if self.whatsapp_status != "open":
            raise UserError(self.env._("This conversation is closed."))

    def _whatsapp_check_can_reassign(self, allow_unassigned=False):
        """The assignee hands over their own conversation; managers reassign anyone's."""
        self._whatsapp_check_attendant()
        user = self.env.user
        if user.has_group("whatsapp_crm.group_whatsapp_manager"):
            return
        assignee = self.whatsapp_assignee_id
        if assignee == user or (allow_unassigned and not assignee):
            return
        if not assignee:
            raise UserError(self.env._("Nobody is answering this conversation."))
        raise AccessError(self.env._("Only %(attendant)s or a manager can do this.", attendant=assignee.name))

    def _whatsapp_join(self, user):
        if user.partner_id not in self.channel_member_ids.partner_id:
            # sudo: discuss.channel.member - the assignee joins the conversation they answer
            self.sudo()._add_members(users=user, post_joined_message=False)

    def _whatsapp_post_notice(self, body):
        """A discreet line in the thread, never sent to the customer (only comments are)."""
        # sudo: discuss.channel - notices are written by the system, whoever triggered them
        self.sudo().message_post(body=body, message_type="notification", subtype_xmlid="mail.mt_note")

    def _whatsapp_notify_queue(self, fields=None):
        """Every attendant's queue shows the change, member of the conversation or not."""
        group = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        # sudo: discuss.channel - the queue lists conversations every attendant may read
        Store(bus_channel=group, bus_subchannel=QUEUE_SUBCHANNEL).add(
            self.sudo(), fields or self._whatsapp_queue_store_fields(),
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
        channels.write({"whatsapp_typing_requested_at": False})

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
            UPDATE discuss_channel
               SET whatsapp_assignee_id = NULL, whatsapp_assigned_at = NULL
             WHERE id IN (SELECT id FROM discuss_channel
                           WHERE whatsapp_assignee_id IS NOT NULL AND whatsapp_status = 'open'
                             AND channel_type = 'whatsapp'
                             AND (whatsapp_last_activity_at IS NULL OR whatsapp_last_activity_at < %s)
                           LIMIT %s FOR UPDATE SKIP LOCKED)
         RETURNING id
        """, [cutoff, batch_size])
        channels = self.browse(row[0] for row in self.env.cr.fetchall())
        if channels:
            channels._whatsapp_assignment_changed_in_sql()
            channels._whatsapp_post_auto_release_notices()
            # Only what changed: a thousand full conversation payloads weighed 420 kB per batch.
            channels._whatsapp_notify_queue(["whatsapp_queue_state", "whatsapp_assigned_at",
                                             Store.One("whatsapp_assignee_id", [])])
        return channels

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

    # ------------------------------------------------------------
    # WEB PUSH (out of the posting transaction)
    # ------------------------------------------------------------

    # Discuss computes the members to notify (a search with a large domain) and sends web push to up to 4
    # devices synchronously, inside ``message_post``: for a customer's message that was a third of the cost of
    # processing it. Here a customer's message is posted without recipients (members still get it live on
    # the bus), and one job per committed processing batch sends the pushes afterwards, Discuss's own way,
    # only to the conversations whose members have a push device. (Issue 14, push notifications, builds on it.)

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        if not self.env.context.get("whatsapp_inbound"):
            return super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        # One job per transaction (a drain job's batch), created once it is committed: precommit hooks
        # run at every savepoint, and the job must not exist without its messages.
        postcommit = self.env.cr.postcommit
        if PUSH_BATCH_KEY not in postcommit.data:
            postcommit.data[PUSH_BATCH_KEY] = []
            postcommit.add(self._whatsapp_enqueue_web_push_after_commit)
        postcommit.data[PUSH_BATCH_KEY].append(message.id)
        return []

    def _whatsapp_enqueue_web_push_after_commit(self):
        message_ids = self.env.cr.postcommit.data.pop(PUSH_BATCH_KEY, [])
        if not message_ids:
            return
        try:
            with self.env.registry.cursor() as cr:
                channels = self.env(cr=cr)["discuss.channel"]
                delay(channels, channel=JOB_CHANNEL_SEND,
                      description=f"WhatsApp: web push for {len(message_ids)} customer message(s)",
                      )._job_whatsapp_web_push(message_ids)
        except Exception:  # the messages are posted; a lost push is not worth failing for
            _logger.exception("WhatsApp: could not enqueue the web push of %s messages", len(message_ids))

    @api.model
    def _job_whatsapp_web_push(self, message_ids):
        """Send Discuss's web push for these customers' messages (to members with a push device)."""
        # sudo: mail.message - the customers' messages this job was created for, posted by the processing user
        messages_sudo = self.env["mail.message"].sudo().browse(message_ids).exists()
        channel_ids = set(messages_sudo.filtered(lambda message: message.model == "discuss.channel").mapped("res_id"))
        if not channel_ids:
            return
        self.env.cr.execute("""
            SELECT DISTINCT member.channel_id FROM discuss_channel_member member
              JOIN mail_push_device device ON device.partner_id = member.partner_id
             WHERE member.channel_id = ANY(%s)
        """, [list(channel_ids)])
        with_devices = {row[0] for row in self.env.cr.fetchall()}
        for message_sudo in messages_sudo.filtered(lambda message: message.res_id in with_devices):
            # sudo: discuss.channel - the conversation of a message posted by the processing user
            channel_sudo = self.sudo().browse(message_sudo.res_id)
            recipients = channel_sudo._notify_get_recipients(message_sudo)
            channel_sudo._notify_thread_by_web_push(message_sudo, recipients)
