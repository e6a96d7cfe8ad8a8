from odoo import api, fields, models

from ..const import DEFAULT_OPT_OUT_KEYWORDS, FIRST_MESSAGE_LEGAL_BASIS, MARKETING_STOPPED_ERROR, OPT_OUT_KEYWORDS_PARAM
from ..tools.keywords import matching_keyword, parse_keywords

NO_CONSENT = "lgpd_no_consent"


class WhatsAppMessage(models.Model):
    """Consent as messages come and go: the first message records it, a keyword or Meta's error
    131050 withdraws it, and a marketing template never leaves without it. Erasure of the WhatsApp
    side of the contact's messages (payloads, ids) with their statistics kept."""

    _name = "whatsapp.message"
    _inherit = ["whatsapp.message", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 60

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    def _compute_failure_reason(self):
        res = super()._compute_failure_reason()
        for message in self.filtered(lambda m: m.state == "failed" and m.error_category == NO_CONSENT):
            message.failure_reason = self.env._(
                "Not sent: the customer has not consented to marketing messages (LGPD).")
        return res

    # ------------------------------------------------------------
    # CONSENT
    # ------------------------------------------------------------

    @api.model
    def _receive_inbound(self, account, event):
        message = super()._receive_inbound(account, event)
        if message and message.partner_id:
            message.with_context(lang=account._conversation_lang())._lgpd_record_inbound_consent(event)
        return message

    def _lgpd_record_inbound_consent(self, event):
        """A customer who writes first consents to the conversation (source "mensagem iniciada pelo
        cliente"); a message that is only an opt-out keyword withdraws marketing consent."""
        partner = self.partner_id
        at = min(self.meta_timestamp or fields.Datetime.now(), fields.Datetime.now())
        if partner.whatsapp_consent_status == "unknown":
            partner._whatsapp_consent_record("opted_in", "customer_initiated", FIRST_MESSAGE_LEGAL_BASIS, at=at)
        if event.type != "text" or not event.text:
            return
        # sudo: ir.config_parameter - the keywords are a setting the processing job reads
        setting = self.env["ir.config_parameter"].sudo().get_param(OPT_OUT_KEYWORDS_PARAM, DEFAULT_OPT_OUT_KEYWORDS)
        keyword = matching_keyword(event.text, parse_keywords(setting))
        if keyword and partner._whatsapp_consent_record("opted_out", "keyword", at=at) and self.channel_id:
            self.channel_id._whatsapp_post_notice(self.env._(
                "The customer sent %(keyword)s: they no longer receive marketing messages.", keyword=keyword))

    def _set_failed(self, code, category, meta_message, at=None):
        res = super()._set_failed(code, category, meta_message, at=at)
        if code == MARKETING_STOPPED_ERROR:
            for message in self.filtered("partner_id"):
                message.partner_id._whatsapp_consent_record("opted_out", "meta_error", at=at)
        return res

    def _build_outbound_payload(self):
        if self.partner_id and self._whatsapp_is_marketing() and not self.partner_id._whatsapp_can_receive_marketing():
            return NO_CONSENT
        return super()._build_outbound_payload()

    def _whatsapp_is_marketing(self):
        """Whether this outbound message is a marketing template.

        The template model is read through the fields it is expected to carry (a ``template_id``
        whose ``category`` is MARKETING); without them (no template model yet) nothing is marketing.
        The template's send path should also call ``res.partner._whatsapp_check_marketing_allowed``
        to refuse before queueing, with the reason.
        """
        self.ensure_one()
        for field_name in ("template_id", "whatsapp_template_id"):
            if field_name in self._fields:
                template = self[field_name]
                category = template and "category" in template._fields and template.category
                return str(category or "").lower() == "marketing"
        return False

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_export(self, subject, archive):
        # SQL: reading 10,000 rows through the ORM (JSON fields are deep-copied) took seconds.
        self.flush_model()
        self.env.cr.execute("""
            SELECT id, channel_id, mail_message_id, direction, message_type, state, wamid, reply_to_wamid,
                   meta_timestamp, sent_at, delivered_at, read_at, failed_at, error_code, pricing, payload
              FROM whatsapp_message WHERE id = ANY(%s) ORDER BY id
        """, [subject.whatsapp_messages.ids])
        rows = self.env.cr.fetchall()
        labels = dict(self._fields["state"]._description_selection(self.env))
        reasons = {message.id: message.failure_reason
                   for message in self.browse(row[0] for row in rows if row[5] == "failed")}
        exported = [{
            "id": message_id,
            "conversation_id": channel_id,
            "message_id": mail_message_id,
            "direction": direction,
            "type": message_type,
            "state": state,
            "state_label": labels.get(state),
            "whatsapp_message_id": wamid,
            "reply_to": reply_to,
            "sent_by_customer_at": meta_timestamp,
            "sent_at": sent_at,
            "delivered_at": delivered_at,
            "read_at": read_at,
            "failed_at": failed_at,
            "error_code": error_code or None,
            "failure_reason": reasons.get(message_id),
            "pricing": pricing,
            "payload": payload,
        } for (message_id, channel_id, mail_message_id, direction, message_type, state, wamid, reply_to,
               meta_timestamp, sent_at, delivered_at, read_at, failed_at, error_code, pricing, payload) in rows]
        archive.add_rows("whatsapp_messages", exported)
        archive.add_rows("templates_sent", [row for row in exported if row["type"] == "template"])

    @api.model
    def _lgpd_erase(self, subject, limit):
        """What identifies the person goes (Meta's payload — the customer's edits and deletions too —,
        wamids, which embed the number, error texts, Meta's conversation id); direction, type, states,
        times, error codes and pricing stay."""
        message_ids = subject.whatsapp_messages.ids
        if not message_ids:
            return 0
        self.flush_model()
        self.env.cr.execute("""
            UPDATE whatsapp_message
               SET payload = NULL, wamid = NULL, reply_to_wamid = NULL, target_wamid = NULL, error_message = NULL,
                   conversation_info = CASE WHEN jsonb_typeof(conversation_info) = 'object'
                                            THEN conversation_info - 'id' END
             WHERE id = ANY(%s)
               AND (payload IS NOT NULL OR wamid IS NOT NULL OR reply_to_wamid IS NOT NULL OR target_wamid IS NOT NULL
                    OR error_message IS NOT NULL OR conversation_info ? 'id')
        """, [message_ids])
        self.invalidate_model(["payload", "wamid", "reply_to_wamid", "target_wamid", "error_message",
                               "conversation_info"])
        return 0
