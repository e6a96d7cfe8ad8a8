import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import plaintext2html

from .discuss_channel import is_whatsapp_channel
from .res_config_settings_conversation import conversation_setting

_logger = logging.getLogger(__name__)


class DiscussChannel(models.Model):
    """How a conversation ends: "Finalizar" with an optional reason and a farewell message, or the
    automatic closing of a conversation whose customer stopped answering (a few nudges first).

    The customer only ever receives the farewell and the nudges inside Meta's 24-hour window: outside
    it they would need an approved template, and a conversation closed then is closed silently.
    ``action_whatsapp_close`` itself (rights, state, members) stays where it is; this file adds what
    happens around it.
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_close_reason_id = fields.Many2one("whatsapp.close.reason", "Closing Reason", readonly=True,
                                               ondelete="set null")
    whatsapp_closed_at = fields.Datetime("Closed At", readonly=True)
    whatsapp_closed_by_id = fields.Many2one(
        "res.users", "Closed By", readonly=True, ondelete="set null",
        help="Empty when the conversation was closed automatically.")
    whatsapp_closing_attendant_id = fields.Many2one(
        "res.users", "Answered By", readonly=True, ondelete="set null",
        help="The attendant answering the conversation when it was closed (rated by the survey).")
    whatsapp_nudge_count = fields.Integer("Nudges Sent", readonly=True)
    whatsapp_nudge_due_at = fields.Datetime(
        "Next Nudge", readonly=True, index="btree_not_null",
        help="The customer has not answered the attendant's last message: when to remind them (or close).")

    # ------------------------------------------------------------
    # CLOSING
    # ------------------------------------------------------------

    def action_whatsapp_close(self, reason_id=False, farewell=True):
        """"Finalizar", with an optional reason; the customer gets the farewell message (with the
        protocol) and, when enabled, the satisfaction survey."""
        self.ensure_one()
        attendant = self.whatsapp_assignee_id or self.env.user
        reason = self.env["whatsapp.close.reason"].browse(int(reason_id)).exists() if reason_id else None
        result = super().action_whatsapp_close()
        self._whatsapp_after_close(reason, self.env.user, attendant, farewell=farewell)
        return result

    def _whatsapp_after_close(self, reason, closed_by, attendant, farewell=True, survey=True):
        """Once closed: what ended it and who answered, then the farewell and the survey."""
        self.ensure_one()
        # sudo: discuss.channel - conversation state is only written through the closing actions
        self.sudo().write({
            "whatsapp_close_reason_id": reason.id if reason else False,
            "whatsapp_closed_at": fields.Datetime.now(),
            "whatsapp_closed_by_id": closed_by.id if closed_by else False,
            "whatsapp_closing_attendant_id": attendant.id if attendant else False,
            "whatsapp_nudge_count": 0,
            "whatsapp_nudge_due_at": False,
        })
        if reason:
            self._whatsapp_post_notice(self.env._("Closing reason: %(reason)s", reason=reason.name))
        author = closed_by.partner_id if closed_by else self.env.ref("base.partner_root")
        if farewell:
            self._whatsapp_send_farewell(author, attendant)
        if survey and closed_by:
            self._whatsapp_send_survey()

    def _whatsapp_send_farewell(self, author, attendant=None):
        """The farewell message, unless Settings skip it or the window is closed."""
        if conversation_setting(self.env, "farewell_skip") or not self._whatsapp_window_open():
            return self.env["mail.message"]
        text = conversation_setting(self.env, "farewell_message") or self.with_context(
            lang=self._whatsapp_customer_lang()).env._(
            "Thank you for contacting us! This conversation is now closed. Your protocol number is {{protocolo}}.")
        return self._whatsapp_post_automatic(self._whatsapp_fill(text, attendant), author)

    def _whatsapp_window_open(self):
        expires_at = self.whatsapp_window_expires_at
        return bool(expires_at) and expires_at > fields.Datetime.now()

    def _whatsapp_post_automatic(self, text, author, **kwargs):
        """Post a message the system writes to the customer (sent like an attendant's reply)."""
        # sudo: discuss.channel - the system writes to the customer on behalf of the team
        return self.sudo().with_context(whatsapp_automatic=True).message_post(
            body=plaintext2html(text), author_id=author.id, message_type="comment",
            subtype_xmlid="mail.mt_comment", **kwargs)

    # ------------------------------------------------------------
    # NUDGES AND AUTOMATIC CLOSING
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        """An attendant's reply waits for the customer: the first nudge is due one interval later."""
        result = super()._message_post_after_hook(message, msg_vals)
        if (is_whatsapp_channel(self) and self.whatsapp_status == "open"
                and not self.env.context.get("whatsapp_inbound")
                and not self.env.context.get("whatsapp_automatic")
                and message.message_type == "comment"
                and not message.subtype_id.internal
                and message.author_id != self.whatsapp_partner_id):
            count = conversation_setting(self.env, "nudge_count")
            due_at = fields.Datetime.now() + self._whatsapp_nudge_interval() if count else False
            if due_at or self.whatsapp_nudge_due_at:
                # sudo: discuss.channel - scheduling follows the attendant's reply, whoever it is
                self.sudo().write({"whatsapp_nudge_count": 0, "whatsapp_nudge_due_at": due_at})
        return result

    def _whatsapp_register_inbound(self, meta_timestamp):
        """Any message from the customer cancels the nudges."""
        result = super()._whatsapp_register_inbound(meta_timestamp)
        if self.whatsapp_nudge_due_at or self.whatsapp_nudge_count:
            # sudo: discuss.channel - the customer's message cancels the scheduler's reminders
            self.sudo().write({"whatsapp_nudge_count": 0, "whatsapp_nudge_due_at": False})
        return result

    def _whatsapp_nudge_interval(self):
        return timedelta(minutes=max(conversation_setting(self.env, "nudge_interval_minutes"), 1))

    @api.model
    def _cron_whatsapp_nudge(self, batch_size=200):
        """Remind customers who stopped answering, then close their conversations, in committed batches."""
        while channels := self._whatsapp_nudge_batch(batch_size):
            more = 1 if len(channels) == batch_size else 0
            if self.env["ir.cron"]._commit_progress(len(channels), remaining=more) <= 0:
                return

    @api.model
    def _whatsapp_nudge_batch(self, batch_size=200):
        """One batch of due conversations, each in its own savepoint: one failing is logged and
        tried again at the next run, the others go on."""
        channels = self.search([
            ("channel_type", "=", "whatsapp"),
            ("whatsapp_status", "=", "open"),
            ("whatsapp_nudge_due_at", "<=", fields.Datetime.now()),
        ], order="whatsapp_nudge_due_at, id", limit=batch_size)
        for channel in channels:
            try:
                with self.env.cr.savepoint():
                    channel._whatsapp_nudge_step()
            except Exception:
                _logger.exception("WhatsApp nudge of conversation %s failed", channel.id)
                # sudo: discuss.channel - the scheduler postpones its own step
                channel.sudo().write({"whatsapp_nudge_due_at": fields.Datetime.now() + timedelta(minutes=5)})
        return channels

    def _whatsapp_nudge_step(self):
        """One due step: the next nudge, or closing after the last one (silently outside the window)."""
        self.ensure_one()
        # sudo: discuss.channel - the scheduler closes conversations whoever answers them
        channel_sudo = self.sudo()
        root = self.env.ref("base.user_root")
        if not self._whatsapp_window_open():
            # Nothing can reach the customer any more without a template: stop waiting for them.
            channel_sudo.with_user(root)._whatsapp_close_automatically(farewell=False)
            return
        if self.whatsapp_nudge_count < conversation_setting(self.env, "nudge_count"):
            text = conversation_setting(self.env, "nudge_message") or self.with_context(
                lang=self._whatsapp_customer_lang()).env._("Are you still there?")
            self._whatsapp_post_automatic(self._whatsapp_fill(text), root.partner_id)
            channel_sudo.write({
                "whatsapp_nudge_count": self.whatsapp_nudge_count + 1,
                "whatsapp_nudge_due_at": fields.Datetime.now() + self._whatsapp_nudge_interval(),
            })
            return
        channel_sudo.with_user(root)._whatsapp_close_automatically(farewell=True)

    def _whatsapp_close_automatically(self, farewell):
        reason = self.env.ref("whatsapp_crm.whatsapp_close_reason_no_answer", raise_if_not_found=False)
        lang_env = self.with_context(lang=self.whatsapp_account_id._conversation_lang()).env
        return self._whatsapp_close_by_system(lang_env._("Closed automatically: the customer did not answer."),
                                              reason=reason, farewell=farewell)

    def _whatsapp_close_by_system(self, notice, reason=None, farewell=False):
        """Closed by the system, not by an attendant: no survey (nobody ends the service to be rated),
        the farewell only if asked; ``notice`` tells the attendants why (and where it goes on)."""
        attendant = self.whatsapp_assignee_id
        result = super().action_whatsapp_close()
        self._whatsapp_post_notice(notice)
        self._whatsapp_after_close(reason, None, attendant, farewell=farewell, survey=False)
        return result
