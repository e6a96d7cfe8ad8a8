from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.lgpd_subject import LgpdSubject


class WhatsAppLgpdAnonymizeWizard(models.TransientModel):
    """"Anonimizar": double confirmation (a checkbox, then the contact's name typed in full) before
    the irreversible erasure is queued. The typed name is not kept."""

    _name = "whatsapp.lgpd.anonymize.wizard"
    _inherit = ["whatsapp.lgpd.concern"]
    _description = "Anonymise a WhatsApp Contact"
    _lgpd_sequence = 86

    partner_id = fields.Many2one("res.partner", "Contact", required=True, readonly=True, ondelete="cascade")
    request_id = fields.Many2one("whatsapp.lgpd.request", "Request", readonly=True, ondelete="cascade",
                                 default=lambda self: self.env.context.get("default_request_id"))
    expected_name = fields.Char("Contact Name", compute="_compute_expected_name")
    summary = fields.Text(compute="_compute_summary")
    understood = fields.Boolean("I understand that this cannot be undone")
    confirmation = fields.Char("Type the contact's name to confirm")

    @api.depends("partner_id")
    def _compute_expected_name(self):
        for wizard in self:
            wizard.expected_name = wizard.partner_id.display_name

    @api.depends("partner_id")
    def _compute_summary(self):
        for wizard in self:
            if not wizard.partner_id:
                wizard.summary = False
                continue
            subject = LgpdSubject(self.env, wizard.partner_id)
            media = subject.env["whatsapp.media"].search_count([("message_id", "in", subject.whatsapp_messages.ids)])
            wizard.summary = self.env._(
                "%(conversations)s conversations, %(messages)s messages and %(files)s files will lose everything "
                "that identifies the person. Counts, dates, attendants and costs stay for the reports.",
                conversations=len(subject.channels), messages=len(subject.mail_message_ids), files=media)

    def action_confirm(self):
        self.ensure_one()
        self.partner_id._whatsapp_lgpd_check_dpo()
        if not self.understood:
            raise UserError(self.env._("Confirm that you understand the anonymisation cannot be undone."))
        if (self.confirmation or "").strip() != (self.partner_id.display_name or "").strip():
            raise UserError(self.env._("The name typed does not match the contact's name."))
        self.partner_id._whatsapp_lgpd_check_erasable()
        request = self.request_id or self.env["whatsapp.lgpd.request"].create({
            "partner_id": self.partner_id.id, "request_type": "anonymization", "channel": "internal"})
        self.write({"confirmation": False})
        request._lgpd_start_erasure()
        return request._get_form_action()

    @api.model
    def _lgpd_erase(self, subject, limit):
        self.search([("partner_id", "=", subject.partner.id)]).unlink()
        return 0
