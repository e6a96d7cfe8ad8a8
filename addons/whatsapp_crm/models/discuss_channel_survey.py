import re
from datetime import timedelta

from odoo import api, fields, models

from ..tools.interactive_payload import reply_of
from .res_config_settings_conversation import conversation_setting

# Reply ids of the survey's buttons/rows: "whatsapp_crm.survey:<rating 1-5>".
SURVEY_REPLY_PREFIX = "whatsapp_crm.survey:"
# Odoo's ratings go 1 (unhappy) - 3 (okay) - 5 (happy): a 3-answer survey uses those three.
SURVEY_SCALES = {"3": (1, 3, 5), "5": (1, 2, 3, 4, 5)}
# A customer typing the number instead of tapping (the "numbered question"), with an optional comment:
# "5", "5 - ótimo atendimento", "4, demorou um pouco".
_TYPED_ANSWER_RE = re.compile(r"\s*([1-5])(?:\s*[-–—.,:;)!]\s*|\s+|$)(.*)", re.S)


def survey_answer_of(event):
    """What of an inbound message may answer a survey (a tap or a text), or None."""
    if event is None or event.type not in ("interactive", "text"):
        return None
    return {
        "type": event.type,
        "text": event.text or "",
        "reply_id": reply_of(event.data)[0] if event.type == "interactive" else None,
        "context_wamid": event.context_wamid,
    }


class DiscussChannel(models.Model):
    """The satisfaction survey (CSAT) sent after an attendant closes a conversation, as an Odoo rating.

    Inside the 24-hour window only, the customer gets an interactive message: three reply buttons,
    or a list for five answers (WhatsApp allows at most three buttons). Their answer - a tap, or the
    number typed - becomes the ``rating.rating`` of the conversation and of the attendant who
    answered it (what managers see in Ratings and on the board); a text written within a few minutes
    after it becomes the rating's comment. Both stay in the closed conversation instead of opening a
    new one. Once the survey expired, an answer is an ordinary message: it opens a new conversation.

    ``rating`` (a small module of mail's) is a dependency for this: its model, smileys, statistics
    fields (``rating.mixin``, as im_livechat adds to the same model) and reports are what managers
    already know from the live chat and helpdesk.
    """

    _name = "discuss.channel"
    _inherit = ["rating.mixin", "discuss.channel"]  # as im_livechat does

    whatsapp_survey_state = fields.Selection(
        [("sent", "Waiting for the answer"), ("answered", "Answered")], "Survey", readonly=True, copy=False)
    whatsapp_survey_sent_at = fields.Datetime("Survey Sent At", readonly=True, copy=False)
    whatsapp_survey_expires_at = fields.Datetime("Survey Expires At", readonly=True, copy=False)
    whatsapp_survey_answered_at = fields.Datetime("Survey Answered At", readonly=True, copy=False)
    whatsapp_survey_message_id = fields.Many2one("whatsapp.message", "Survey Message", readonly=True,
                                                 ondelete="set null", copy=False)
    whatsapp_survey_rating_id = fields.Many2one("rating.rating", "Survey Rating", readonly=True,
                                                ondelete="set null", copy=False)

    # ------------------------------------------------------------
    # RATING MIXIN
    # ------------------------------------------------------------

    def _rating_get_operator(self):
        return self.whatsapp_closing_attendant_id.partner_id or super()._rating_get_operator()

    def _rating_get_partner(self):
        return self.whatsapp_partner_id or super()._rating_get_partner()

    # ------------------------------------------------------------
    # SENDING
    # ------------------------------------------------------------

    def _whatsapp_send_survey(self):
        """Ask the customer to rate the conversation (after closing, inside the window only)."""
        self.ensure_one()
        if not conversation_setting(self.env, "survey_enabled") or not self._whatsapp_window_open():
            return False
        # sudo: rating.rating - the pending rating the customer's answer will fill
        rating = self.env["rating.rating"].sudo().create({
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "partner_id": self._rating_get_partner().id,
            "rated_partner_id": self._rating_get_operator().id,
            "consumed": False,
        })
        message = self._whatsapp_post_interactive(self._whatsapp_survey_spec(), self.env.ref("base.partner_root"),
                                                  automatic=True)
        now = fields.Datetime.now()
        # sudo: discuss.channel - the survey's state is written by the system
        self.sudo().write({
            "whatsapp_survey_state": "sent",
            "whatsapp_survey_sent_at": now,
            "whatsapp_survey_expires_at": now + timedelta(hours=max(conversation_setting(
                self.env, "survey_expiry_hours"), 1)),
            "whatsapp_survey_message_id": message.sudo().whatsapp_message_ids[:1].id,
            "whatsapp_survey_rating_id": rating.id,
        })
        return True

    def _whatsapp_survey_spec(self):
        """The question and its answers, in the customer's language."""
        _ = self.with_context(lang=self._whatsapp_customer_lang()).env._
        labels = {1: _("Very bad"), 2: _("Bad"), 3: _("Okay"), 4: _("Good"), 5: _("Very good")}
        if conversation_setting(self.env, "survey_scale") == "3":
            labels.update({1: _("Bad"), 3: _("Okay"), 5: _("Good")})
        scale = self._whatsapp_survey_scale()
        body = _("How would you rate this conversation?")
        if conversation_setting(self.env, "survey_comment_minutes"):
            body += "\n" + _("After answering, you can write us a comment.")
        options = [{"id": f"{SURVEY_REPLY_PREFIX}{value}", "title": f"{index} - {labels[value]}"}
                   for index, value in enumerate(scale, 1)]
        if len(options) <= 3:
            return {"kind": "buttons", "body": body, "options": options}
        return {"kind": "list", "body": body, "button": _("Rate"), "options": options}

    def _whatsapp_survey_scale(self):
        return SURVEY_SCALES.get(conversation_setting(self.env, "survey_scale"), SURVEY_SCALES["5"])

    # ------------------------------------------------------------
    # RECEIVING
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_get_or_open(self, account, partner, event=None):
        """A survey answer (or its comment) goes to the closed conversation it rates."""
        answer = survey_answer_of(event)
        if answer:
            channel = self._whatsapp_survey_channel_for(account, partner, answer)
            if channel:
                return channel
        return super()._whatsapp_get_or_open(account, partner, event)

    @api.model
    def _whatsapp_survey_channel_for(self, account, partner, answer):
        """The closed conversation whose survey ``answer`` (a customer's text or tap, see
        ``whatsapp_message_survey.py``) answers or comments, if any."""
        now = fields.Datetime.now()
        # sudo: discuss.channel - lookups by key for the processing of an inbound message
        channels_sudo = self.sudo()
        common = [("channel_type", "=", "whatsapp"), ("whatsapp_account_id", "=", account.id),
                  ("whatsapp_partner_id", "=", partner.id), ("whatsapp_status", "=", "closed")]
        pending = [*common, ("whatsapp_survey_state", "=", "sent"), ("whatsapp_survey_expires_at", ">", now)]
        # A second tap (the customer changes their mind) updates the rating while the survey is valid.
        tapped = [*common, ("whatsapp_survey_state", "in", ("sent", "answered")),
                  ("whatsapp_survey_expires_at", ">", now)]
        if answer["type"] == "interactive":
            if not (answer["reply_id"] or "").startswith(SURVEY_REPLY_PREFIX):
                return self.browse()
            domain = tapped
            if answer["context_wamid"]:
                domain = [*tapped, ("whatsapp_survey_message_id.wamid", "=", answer["context_wamid"])]
            return channels_sudo.search(domain, order="id desc", limit=1).sudo(False)
        if answer["type"] != "text" or not self._whatsapp_survey_awaits(account, partner):
            return self.browse()
        # A typed answer or a comment only while the customer has no other conversation open.
        if channels_sudo.search_count([*common[:3], ("whatsapp_status", "=", "open")], limit=1):
            return self.browse()
        if self._whatsapp_survey_typed_answer(answer["text"])[0]:
            channel = channels_sudo.search(pending, order="id desc", limit=1)
            if channel and channel._whatsapp_survey_typed_answer(answer["text"])[0]:
                return channel.sudo(False)
        minutes = conversation_setting(self.env, "survey_comment_minutes")
        if minutes:
            return channels_sudo.search([
                *common, ("whatsapp_survey_state", "=", "answered"),
                ("whatsapp_survey_answered_at", ">", now - timedelta(minutes=minutes)),
                ("whatsapp_survey_rating_id.feedback", "=", False),
            ], order="id desc", limit=1).sudo(False)
        return self.browse()

    @api.model
    def _whatsapp_survey_awaits(self, account, partner):
        """Whether a closed conversation of this customer has a survey sent or answered: one indexed
        probe for every text a customer writes (nearly always no), before the searches that decide."""
        self.flush_model(["whatsapp_account_id", "whatsapp_partner_id", "whatsapp_status", "whatsapp_survey_state"])
        self.env.cr.execute("""
            SELECT 1 FROM discuss_channel
             WHERE channel_type = 'whatsapp' AND whatsapp_account_id = %s AND whatsapp_partner_id = %s
               AND whatsapp_status = 'closed' AND whatsapp_survey_state IN ('sent', 'answered')
             LIMIT 1
        """, [account.id, partner.id])
        return bool(self.env.cr.fetchone())

    def _whatsapp_survey_typed_answer(self, text):
        """``(rating, comment)`` of a typed answer ("5 - ótimo!"), ``(None, None)`` otherwise.

        The number is the position in the scale (1-3 or 1-5); on an empty recordset only the shape
        is checked.
        """
        match = _TYPED_ANSWER_RE.fullmatch(text or "")
        if not match:
            return None, None
        position, comment = int(match.group(1)), match.group(2).strip()
        if not self:
            return position, comment
        scale = self._whatsapp_survey_scale()
        if position > len(scale):
            return None, None
        return scale[position - 1], comment

    def _whatsapp_survey_receive(self, message, answer):
        """The customer's ``message`` arrived in this closed conversation: their rating (a tap, which
        may change an earlier one, or the number typed) or the comment after it."""
        self.ensure_one()
        # sudo: rating.rating - the customer's answer fills the rating created with the survey
        rating_sudo = self.sudo().whatsapp_survey_rating_id
        if answer["type"] == "interactive":
            value = answer["reply_id"].removeprefix(SURVEY_REPLY_PREFIX)
            value, comment = (int(value) if value.isdigit() else None), ""
        elif self.whatsapp_survey_state == "sent":
            value, comment = self._whatsapp_survey_typed_answer(answer["text"])
        else:
            value, comment = None, answer["text"]
        if value in self._whatsapp_survey_scale():
            first_answer = self.whatsapp_survey_state == "sent"
            now = fields.Datetime.now()
            rating_sudo.write({"rating": value, "consumed": True, "rated_on": now,
                               "message_id": message.mail_message_id.id,
                               **({"feedback": comment} if comment else {})})
            # sudo: discuss.channel - the survey's state is written by the system
            self.sudo().write({"whatsapp_survey_state": "answered", "whatsapp_survey_answered_at": now})
            if first_answer:
                _ = self.with_context(lang=self._whatsapp_customer_lang()).env._
                thanks = _("Thank you for your rating!")
                if not comment and conversation_setting(self.env, "survey_comment_minutes"):
                    thanks += " " + _("If you like, write us a comment.")
                self._whatsapp_post_automatic(thanks, self.env.ref("base.partner_root"))
        elif comment and not rating_sudo.feedback:
            rating_sudo.feedback = comment
        else:
            return
        self._whatsapp_post_notice(self.env._("The customer rated the conversation: %(rating)s/5%(comment)s",
                                              rating=int(rating_sudo.rating),
                                              comment=f" - {rating_sudo.feedback}" if rating_sudo.feedback else ""))
