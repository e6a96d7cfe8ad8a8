from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.safe_eval import safe_eval, time

from .discuss_channel import is_whatsapp_channel


class WhatsAppReportSend(models.TransientModel):
    """Send the PDF of a report the attendant can print (an invoice, a ticket…) in a conversation.

    The PDF is rendered as the attendant (their access to the record and the report is what counts),
    attached to a message they post in the conversation; the send queue sends it as a document.
    """

    _name = "whatsapp.report.send"
    _description = "Send a Report as PDF on WhatsApp"

    channel_id = fields.Many2one("discuss.channel", "Conversation", required=True, readonly=True,
                                 domain=[("channel_type", "=", "whatsapp")])
    record_ref = fields.Reference(selection="_selection_record_models", string="Document", required=True)
    res_model = fields.Char("Document Model", compute="_compute_res_model")
    report_id = fields.Many2one(
        "ir.actions.report", "Report",
        domain="[('model', '=', res_model), ('report_type', '=', 'qweb-pdf')]",
        compute="_compute_report_id", store=True, readonly=False)

    @api.model
    def _selection_record_models(self):
        """Models with a PDF report the user may read."""
        # sudo: ir.actions.report - which models have PDF reports (the list is filtered by the user's rights)
        reports = self.env["ir.actions.report"].sudo().search([("report_type", "=", "qweb-pdf")])
        names = {}
        for model_name in set(reports.mapped("model")):
            if model_name in self.env and self.env[model_name].has_access("read"):
                names[model_name] = self.env["ir.model"]._get(model_name).name
        return sorted(names.items(), key=lambda item: item[1])

    @api.depends("record_ref")
    def _compute_res_model(self):
        for wizard in self:
            wizard.res_model = wizard.record_ref._name if wizard.record_ref else False

    @api.depends("res_model")
    def _compute_report_id(self):
        for wizard in self:
            if wizard.report_id.model != wizard.res_model:
                wizard.report_id = self._allowed_reports(wizard.res_model)[:1]

    def _allowed_reports(self, model_name):
        if not model_name:
            return self.env["ir.actions.report"]
        # sudo: ir.actions.report - the reports of a model, filtered by the user's groups below
        reports = self.env["ir.actions.report"].sudo().search(
            [("model", "=", model_name), ("report_type", "=", "qweb-pdf")])
        user_groups = self.env.user.all_group_ids
        return reports.filtered(lambda report: not report.group_ids or report.group_ids & user_groups).sudo(False)

    def action_send(self):
        self.ensure_one()
        channel = self.channel_id
        if not is_whatsapp_channel(channel) or channel.whatsapp_status != "open":
            raise UserError(self.env._("Documents can only be sent in an open WhatsApp conversation."))
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            raise AccessError(self.env._("Only WhatsApp attendants can do this."))
        channel.check_access("read")
        record, report = self.record_ref, self.report_id
        if not record or report not in self._allowed_reports(record._name):
            raise UserError(self.env._("Choose a report of this document."))
        record.check_access("read")
        content, _report_type = self.env["ir.actions.report"]._render_qweb_pdf(report, record.ids)
        name = report.print_report_name and safe_eval(report.print_report_name, {"object": record, "time": time})
        filename = f"{name or report.name}.pdf".replace("/", "_")
        # sudo: ir.attachment - the PDF the attendant rendered, attached to their message (as Discuss does)
        attachment = self.env["ir.attachment"].sudo().create({
            "name": filename,
            "raw": content,
            "mimetype": "application/pdf",
            "res_model": "discuss.channel",
            "res_id": channel.id,
        })
        # sudo: discuss.channel - posted by the attendant in a conversation they can read
        # The document speaks for itself: no text (it would be sent as its caption).
        channel.sudo().message_post(body=Markup(), author_id=self.env.user.partner_id.id, attachment_ids=attachment.ids,
                                    message_type="comment", subtype_xmlid="mail.mt_comment")
        return {"type": "ir.actions.act_window_close"}
