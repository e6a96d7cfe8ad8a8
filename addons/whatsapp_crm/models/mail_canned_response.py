from odoo import api, fields, models


class MailCannedResponse(models.Model):
    """Discuss's canned responses ("::" in the composer) as the attendants' quick replies.

    Who sees one is Discuss's own rule (its author, or the members of its groups); the scope says it
    in the attendants' words and sets those groups: "everyone" shares it with every WhatsApp
    attendant, "personal" keeps it to its author. A department scope (issue 16) adds a selection
    value and a department field without changing these two.

    In a WhatsApp conversation the variables of the text are filled when it is inserted
    (``discuss.channel.whatsapp_render_quick_reply``) and its files are attached to the message.
    """

    _inherit = "mail.canned.response"

    whatsapp_scope = fields.Selection(
        [("everyone", "Every attendant"), ("personal", "Only me")], "Shared With",
        compute="_compute_whatsapp_scope", inverse="_inverse_whatsapp_scope", store=True, readonly=False,
        help="Every attendant: all WhatsApp attendants can use it. Only me: the author only.")
    whatsapp_attachment_ids = fields.Many2many(
        "ir.attachment", "mail_canned_response_whatsapp_attachment_rel", "canned_response_id", "attachment_id",
        "Files", help="Sent with the text when the quick reply is used in a WhatsApp conversation.")

    @api.depends("group_ids")
    def _compute_whatsapp_scope(self):
        # Computed for existing responses at installation, before the group exists.
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant", raise_if_not_found=False)
        for response in self:
            response.whatsapp_scope = "everyone" if attendants and attendants in response.group_ids else "personal"

    def _inverse_whatsapp_scope(self):
        attendants = self.env.ref("whatsapp_crm.group_whatsapp_attendant")
        for response in self:
            if response.whatsapp_scope == "everyone" and attendants not in response.group_ids:
                response.group_ids = [fields.Command.link(attendants.id)]
            elif response.whatsapp_scope == "personal" and response.group_ids:
                response.group_ids = [fields.Command.clear()]

    @api.model_create_multi
    def create(self, vals_list):
        responses = super().create(vals_list)
        responses._whatsapp_own_attachments()
        return responses

    def write(self, vals):
        result = super().write(vals)
        if "whatsapp_attachment_ids" in vals:
            self._whatsapp_own_attachments()
        return result

    def _whatsapp_own_attachments(self):
        """Files uploaded in the form belong to the quick reply (and follow its access rules)."""
        for response in self:
            response.whatsapp_attachment_ids.filtered(lambda a: not a.res_id).write(
                {"res_model": self._name, "res_id": response.id})
