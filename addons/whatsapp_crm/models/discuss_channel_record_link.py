from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .discuss_channel import is_whatsapp_channel


class DiscussChannel(models.Model):
    """From a conversation to Odoo's records: the customer's contact, a CRM opportunity (when CRM is
    installed - no dependency on it), a follow-up activity, a PDF of any report sent as a document."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    def _whatsapp_check_reader(self):
        """The current user is an attendant who may read this WhatsApp conversation (open or closed):
        the check of the conversation's tools (quick replies, labels, read receipts, record links)."""
        self.ensure_one()
        if not is_whatsapp_channel(self):
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise AccessError(self.env._("Only WhatsApp attendants can do this."))
        self.check_access("read")

    def _whatsapp_conversation_url(self):
        return f"/odoo/discuss?active_id=discuss.channel_{self.id}"

    def action_whatsapp_open_contact(self):
        """The customer's contact form (created with the conversation, from their WhatsApp profile)."""
        self._whatsapp_check_reader()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.whatsapp_partner_id.id,
            "views": [[False, "form"]],
            "target": "current",
        }

    def action_whatsapp_new_lead(self):
        """A new CRM opportunity for the customer, pre-filled with the conversation's protocol."""
        self._whatsapp_check_reader()
        if "crm.lead" not in self.env:
            raise UserError(self.env._("Install the CRM app to create opportunities from conversations."))
        customer = self.whatsapp_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New Opportunity"),
            "res_model": "crm.lead",
            "views": [[False, "form"]],
            "target": "current",
            "context": {
                "default_type": "opportunity",
                "default_partner_id": customer.id,
                "default_name": self.env._("WhatsApp: %(customer)s", customer=customer.name),
                "default_phone": customer.phone,
                "default_description": Markup('<p>%s <a href="%s">%s</a></p>') % (
                    self.env._("From the WhatsApp conversation"), self._whatsapp_conversation_url(),
                    self.whatsapp_protocol or self.name),
            },
        }

    def action_whatsapp_schedule_activity(self):
        """A follow-up activity for the current attendant on the customer's contact (what a
        helpdesk ticket's next step would be), opened so they can set its date and note.

        Attendants may read contacts but not edit them (Odoo's "Contact Creation" right), which
        posting an activity on one requires: it is created on their behalf, for themselves, on the
        customer of a conversation they can read; they then edit it as their own activity.
        """
        self._whatsapp_check_reader()
        protocol = self.whatsapp_protocol or self.name
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        # sudo: mail.activity - the attendant's own follow-up on the customer of this conversation
        activity = self.env["mail.activity"].sudo().create({
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.whatsapp_partner_id.id,
            "activity_type_id": activity_type.id if activity_type else False,
            "summary": self.env._("Follow-up of WhatsApp conversation %(protocol)s", protocol=protocol),
            "note": Markup('<p><a href="%s">%s</a></p>') % (self._whatsapp_conversation_url(), protocol),
            "user_id": self.env.uid,
            "date_deadline": fields.Date.context_today(self) + timedelta(days=1),
        })
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow-up"),
            "res_model": "mail.activity",
            "res_id": activity.id,
            "views": [[False, "form"]],
            "target": "new",
        }

    def action_whatsapp_send_report(self):
        """The dialog that sends the PDF of a report (an invoice, a ticket…) as a document."""
        self._whatsapp_check_reader()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send a PDF"),
            "res_model": "whatsapp.report.send",
            "views": [[False, "form"]],
            "target": "new",
            "context": {"default_channel_id": self.id},
        }
