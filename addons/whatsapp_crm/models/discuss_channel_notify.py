"""Who is alerted of a customer's message, and the web push that alerts them with the tab closed.

Discuss would push a channel's messages to its members, inside ``message_post``: a search with a
large domain and up to 4 synchronous HTTP requests per message, in the transaction that processes
the customer's message. Here a customer's message is posted without recipients (the assignee, its
member, still gets it live on the bus); after the processing batch commits, its conversations wait
for their push (``whatsapp.push.pending``) and one job at a time sends the pushes: to the attendant
who answers the conversation, or while nobody does, to the attendants who may take it. Attendants'
replies, notes and notices are never pushed.
"""
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import html2plaintext
from odoo.tools.translate import LazyTranslate

from ..const import ATTENDANT_GROUP, JOB_CHANNEL_PUSH
from ..tools.web_push_request import shorten
from .discuss_channel import is_whatsapp_channel
from .whatsapp_job import after_commit, commit_step, delay, job_waiting

_lt = LazyTranslate(__name__)

# The ids of a transaction's customer messages awaiting their web push job (cursor postcommit data).
PUSH_BATCH_KEY = "whatsapp_crm.web_push"
# At most one push job waits for what is due now, and one for what an interval holds back
# (queue_job's identity keys): each takes everything due when it runs.
PUSH_IDENTITY = "whatsapp_crm.web_push"
PUSH_LATER_IDENTITY = "whatsapp_crm.web_push.later"
PREVIEW_TEXT_LIMIT = 120
# What the notification says of a message that is not (only) text, by WhatsApp message kind.
PUSH_PREVIEWS = {
    "image": _lt("📷 Photo"),
    "video": _lt("🎥 Video"),
    "audio": _lt("🎵 Audio"),
    "voice": _lt("🎤 Voice message"),
    "document": _lt("📄 Document"),
    "sticker": _lt("💟 Sticker"),
    "location": _lt("📍 Location"),
    "contacts": _lt("👤 Contact"),
    "order": _lt("🛒 Order"),
}
# Odoo's presence statuses an attendant chooses to say "not now": nobody pushes them a queue message.
UNAVAILABLE_STATUSES = ("busy", "away")


class DiscussChannel(models.Model):
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # RECIPIENTS
    # ------------------------------------------------------------

    def _whatsapp_push_recipients(self, audiences=None):
        """The users to alert of a new customer message in this conversation.

        The assignee, unless they muted the conversation or set "Do Not Disturb"; while nobody is
        assigned, the attendants who may take it and are available (not "Away" nor "Do Not
        Disturb" in Odoo's presence), plus the managers who asked for every unassigned message.
        Never the customer's partner, never anyone who turned WhatsApp push off.

        :param dict audiences: who may take an unassigned conversation, by
            :meth:`_whatsapp_push_audience_key`, shared by the conversations of one push job
            (working it out was two searches per conversation, most of the job's ORM time)
        """
        self.ensure_one()
        # sudo: discuss.channel - assignment and members of the conversation, read by the push job
        channel_sudo = self.sudo()
        users = self.env["res.users"]
        if not is_whatsapp_channel(channel_sudo) or channel_sudo.whatsapp_status != "open":
            return users
        if channel_sudo.whatsapp_assignee_id:
            users = channel_sudo.whatsapp_assignee_id
        else:
            audiences = {} if audiences is None else audiences
            key = channel_sudo._whatsapp_push_audience_key()
            if key not in audiences:
                audiences[key] = channel_sudo._whatsapp_unassigned_push_candidates().filtered(
                    lambda user: user.manual_im_status not in UNAVAILABLE_STATUSES and not user.is_out_of_office
                ) | channel_sudo._whatsapp_push_managers_opted_in()
            users = audiences[key]
        muted = channel_sudo.channel_member_ids.filtered(
            lambda member: member.mute_until_dt or member.custom_notifications == "no_notif").partner_id
        return users.filtered(lambda user: (
            user.active and user._is_internal() and user.whatsapp_push_enabled
            and user.manual_im_status != "busy"
            and user.partner_id not in muted
            and user.partner_id != channel_sudo.whatsapp_partner_id))

    def _whatsapp_push_audience_key(self):
        """What decides who is alerted of this unassigned conversation: conversations with the same
        key have the same candidates (:meth:`_whatsapp_unassigned_push_candidates`) and managers."""
        # sudo: discuss.channel - the conversation's company, read by the push job
        return (self.sudo().whatsapp_company_id.id,)

    def _whatsapp_unassigned_push_candidates(self):
        """Who may take this unassigned conversation (and so is alerted of its messages).

        Every active attendant of the conversation's company (the transfer rule); departments narrow
        it down (discuss_channel_routing.py).
        """
        self.ensure_one()
        # sudo: res.users - attendants' availability and settings, read by the push job
        return self._whatsapp_transfer_targets().sudo()

    def _whatsapp_push_managers_opted_in(self):
        """Managers of the conversation's company who asked to be alerted of every unassigned message."""
        # sudo: res.users - managers' opt-in, read by the push job
        users_sudo = self.env["res.users"].sudo()
        if not self.whatsapp_company_id:
            return users_sudo
        return users_sudo.search([
            ("whatsapp_notify_all_unassigned", "=", True),
            ("group_ids", "in", self.env.ref("whatsapp_crm.group_whatsapp_manager").ids),
            ("company_ids", "in", self.whatsapp_company_id.ids),
        ])

    # ------------------------------------------------------------
    # WHAT NEEDS THE ATTENDANT (the tab's "(n)")
    # ------------------------------------------------------------

    @api.model
    def whatsapp_attention_counts(self):
        """The WhatsApp conversations that need the current attendant: theirs with unread customer
        messages, and the unassigned ones they may take (the "Não atribuídas" list). The web client
        shows the sum in the tab title and the app badge."""
        if not self.env.user.has_group(ATTENDANT_GROUP):
            return {"mine_unread": 0, "unassigned": 0}
        self.flush_model(["whatsapp_assignee_id", "whatsapp_status", "whatsapp_partner_id"])
        self.env["discuss.channel.member"].flush_model(["new_message_separator"])
        self.env.cr.execute("""
            SELECT COUNT(*) FROM discuss_channel channel
              JOIN discuss_channel_member member
                ON member.channel_id = channel.id AND member.partner_id = %(partner)s
             WHERE channel.channel_type = 'whatsapp' AND channel.whatsapp_status = 'open'
               AND channel.whatsapp_assignee_id = %(uid)s
               AND EXISTS (SELECT 1 FROM mail_message message
                            WHERE message.model = 'discuss.channel' AND message.res_id = channel.id
                              AND message.id >= member.new_message_separator
                              AND message.author_id = channel.whatsapp_partner_id)
        """, {"partner": self.env.user.partner_id.id, "uid": self.env.uid})
        mine_unread = self.env.cr.fetchone()[0]
        # sudo: discuss.channel - the queue's count, as whatsapp_queue_fetch gives it
        unassigned = self.sudo().search_count(self._whatsapp_queue_domain("unassigned"))
        return {"mine_unread": mine_unread, "unassigned": unassigned}

    # ------------------------------------------------------------
    # PAYLOAD
    # ------------------------------------------------------------

    def _whatsapp_push_payload(self, message_sudo, whatsapp_message_sudo):
        """What the service worker shows (``showNotification(title, options)``), in the env's language.

        One notification per conversation (``tag``): a new message replaces the previous one and
        alerts again (``renotify``); clicking it opens the conversation in Discuss.
        """
        self.ensure_one()
        partner = self.whatsapp_partner_id
        contact = partner.name or partner.whatsapp_profile_name or partner.phone or self.name
        return {
            "title": f"WhatsApp · {contact}",
            "options": {
                "body": self._whatsapp_push_preview(message_sudo, whatsapp_message_sudo),
                "icon": f"/web/image/res.partner/{partner.id}/avatar_128" if partner else
                        "/web/static/img/odoo-icon-192x192.png",
                "tag": self._whatsapp_push_tag(),
                "renotify": True,
                "timestamp": int(message_sudo.create_date.timestamp() * 1000),
                "data": {"model": "discuss.channel", "res_id": self.id, "action": "mail.action_discuss"},
            },
        }

    def _whatsapp_push_tag(self):
        """The notification's tag in the browser and its Topic at the push service (≤ 32 URL-safe chars)."""
        return f"whatsapp-{self.id}"

    def _whatsapp_push_preview(self, message_sudo, whatsapp_message_sudo):
        """"📷 Foto", "🎤 Mensagem de voz", "📄 <file name>" or the text's first 120 characters.

        Media are described from Meta's payload (caption, file name), not from the Discuss body, which
        says "receiving the file…" while the download job works.
        """
        kind = whatsapp_message_sudo.message_type if whatsapp_message_sudo else "text"
        if kind not in PUSH_PREVIEWS:
            text = html2plaintext(message_sudo.body or "", include_references=False)
            return shorten(text, PREVIEW_TEXT_LIMIT) or self.env._("New message")
        raw = whatsapp_message_sudo.payload if isinstance(whatsapp_message_sudo.payload, dict) else {}
        part = raw.get(kind) if isinstance(raw.get(kind), dict) else {}
        media_sudo = whatsapp_message_sudo.media_ids[:1]
        if kind == "audio" and (media_sudo.is_voice or part.get("voice")):
            kind = "voice"
        if kind == "document":
            name = media_sudo.filename or media_sudo.original_filename or part.get("filename")
            return f"📄 {shorten(str(name), PREVIEW_TEXT_LIMIT)}" if name else str(PUSH_PREVIEWS["document"])
        label = str(PUSH_PREVIEWS[kind])
        caption = part.get("caption") if isinstance(part.get("caption"), str) else ""
        # A caption follows the kind, as in WhatsApp's own notifications.
        return f"{label} · {shorten(caption, PREVIEW_TEXT_LIMIT)}" if caption.strip() else label

    # ------------------------------------------------------------
    # DISCUSS'S OWN PUSH
    # ------------------------------------------------------------

    def _notify_get_recipients(self, message, msg_vals=False, **kwargs):
        """A customer's message: nobody now (its push job follows the commit); Discuss's rule otherwise."""
        if not self.env.context.get("whatsapp_inbound"):
            return super()._notify_get_recipients(message, msg_vals=msg_vals, **kwargs)
        # Once per transaction (a drain job's batch), after its commit: precommit hooks run at every
        # savepoint, and no push may be asked for a message that is not committed.
        after_commit(self.browse(), PUSH_BATCH_KEY, [message.id], "_whatsapp_queue_web_push")
        return []

    def _notify_thread_by_web_push(self, message, recipients_data, msg_vals=False, **kwargs):
        """Attendants' replies, notes and notices are never pushed: only customers' messages are, by the job."""
        if any(is_whatsapp_channel(channel) for channel in self):
            return None
        return super()._notify_thread_by_web_push(message, recipients_data, msg_vals=msg_vals, **kwargs)

    # ------------------------------------------------------------
    # THE JOB
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_queue_web_push(self, message_ids):
        """These customers' messages wait for their push (the newest of each conversation), and a push
        job waits to send them: now, or when the conversation's interval since its last alert ends.

        Checked after the messages' commit, as the drain's wake-up is: a pending job has not taken
        the waiting rows yet, so it will see these; a running one has, so another is made.
        """
        cr = self.env.cr
        # Nobody subscribed to push at all: nothing waits (the common case of a desk without it).
        cr.execute("SELECT 1 FROM mail_push_device LIMIT 1")
        if not cr.fetchone():
            return
        cr.execute("""
            INSERT INTO whatsapp_push_pending (channel_id, message_id)
            SELECT res_id, max(id) FROM mail_message
             WHERE id = ANY(%s) AND model = 'discuss.channel' GROUP BY res_id
            ON CONFLICT (channel_id) DO UPDATE
               SET message_id = GREATEST(whatsapp_push_pending.message_id, EXCLUDED.message_id)
            RETURNING whatsapp_push_pending.pushed_at IS NULL OR whatsapp_push_pending.pushed_at <= %s
        """, [message_ids, self._whatsapp_push_interval_start()])
        self._whatsapp_ensure_push_job(due_now=any(row[0] for row in cr.fetchall()))

    @api.model
    def _whatsapp_push_interval_start(self):
        """Conversations that alerted after this moment wait before alerting again."""
        return fields.Datetime.now() - timedelta(seconds=self.env["whatsapp.push"]._interval_seconds())

    @api.model
    def _whatsapp_ensure_push_job(self, due_now):
        """One push job waits for what is due now; another, dated, for what the interval holds back
        (when the first of it is due: a conversation may alert up to one interval late, never lost)."""
        identity = PUSH_IDENTITY if due_now else PUSH_LATER_IDENTITY
        if job_waiting(self.env, identity):
            return
        eta = None
        if not due_now:
            self.env.cr.execute("SELECT min(pushed_at) FROM whatsapp_push_pending WHERE message_id IS NOT NULL")
            first = self.env.cr.fetchone()[0]
            if first is None:
                return
            eta = first + timedelta(seconds=self.env["whatsapp.push"]._interval_seconds())
        delay(self, channel=JOB_CHANNEL_PUSH, identity_key=identity, eta=eta,
              description="WhatsApp: web push of customers' messages")._job_whatsapp_web_push()

    @api.model
    def _job_whatsapp_web_push(self):
        """Take every conversation whose push is due, commit that, then push.

        Committed before sending: a message processed meanwhile waits for the next job, never for
        this one's requests to a slow push service (and a crash here loses alerts, not messages).
        """
        now, interval_start = fields.Datetime.now(), self._whatsapp_push_interval_start()
        cr = self.env.cr
        cr.execute("""
            UPDATE whatsapp_push_pending pending SET message_id = NULL, pushed_at = %(now)s
              FROM (SELECT id, message_id FROM whatsapp_push_pending
                     WHERE message_id IS NOT NULL AND (pushed_at IS NULL OR pushed_at <= %(since)s)
                       FOR UPDATE SKIP LOCKED) due
             WHERE pending.id = due.id
            RETURNING due.message_id
        """, {"now": now, "since": interval_start})
        message_ids = [row[0] for row in cr.fetchall()]
        # Conversations quiet for a whole interval alert at once next time: their rows are not needed.
        cr.execute("DELETE FROM whatsapp_push_pending WHERE message_id IS NULL AND pushed_at <= %s",
                   [interval_start])
        commit_step(self.env)
        self._whatsapp_ensure_push_job(due_now=False)  # what the interval holds back
        commit_step(self.env)
        return self._whatsapp_send_web_push(message_ids)

    @api.model
    def _whatsapp_send_web_push(self, message_ids):
        """Push these customers' messages to the attendants who should see them (one per conversation:
        a later message of the same conversation replaces the earlier one anyway)."""
        # sudo: mail.message - the customers' messages this job was created for, posted by the processing user
        messages_sudo = self.env["mail.message"].sudo().browse(message_ids).exists().filtered(
            lambda message: message.model == "discuss.channel")
        latest = {}
        for message_sudo in messages_sudo.sorted("id"):
            latest[message_sudo.res_id] = message_sudo
        if not latest:
            return {"sent": 0, "failed": 0, "removed": 0}
        # sudo: discuss.channel - the conversations of those messages
        channels_sudo = self.sudo().browse(latest).exists()
        audiences = {}
        recipients = {channel: channel._whatsapp_push_recipients(audiences) for channel in channels_sudo}
        partners = self.env["res.partner"].union(*(users.partner_id for users in recipients.values()))
        # sudo: mail.push.device - the browsers the recipients subscribed
        devices_sudo = self.env["mail.push.device"].sudo().search([("partner_id", "in", partners.ids)])
        if not devices_sudo:
            return {"sent": 0, "failed": 0, "removed": 0}
        devices_by_partner = devices_sudo.grouped("partner_id")
        no_device = self.env["mail.push.device"]
        # sudo: whatsapp.message - the kind of each customer's message (photo, voice note, document…)
        whatsapp_messages_sudo = self.env["whatsapp.message"].sudo().search([
            ("mail_message_id", "in", [message.id for message in latest.values()]), ("direction", "=", "in")])
        whatsapp_by_message = {wa.mail_message_id.id: wa for wa in whatsapp_messages_sudo}
        notifications = []
        for channel_sudo, users in recipients.items():
            message_sudo = latest[channel_sudo.id]
            for lang, lang_users in users.grouped(lambda user: user.lang or "en_US").items():
                devices = no_device.union(
                    *(devices_by_partner.get(partner, no_device) for partner in lang_users.partner_id))
                if not devices:
                    continue
                payload = channel_sudo.with_context(lang=lang)._whatsapp_push_payload(
                    message_sudo, whatsapp_by_message.get(message_sudo.id))
                notifications += [(device, payload, channel_sudo._whatsapp_push_tag()) for device in devices]
        return self.env["whatsapp.push"]._send(notifications)

