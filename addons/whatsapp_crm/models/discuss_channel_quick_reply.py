import pytz

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.mail.tools.discuss import Store

from ..tools import quick_reply


class DiscussChannel(models.Model):
    """Quick replies (Discuss's canned responses) and automatic messages, filled for a conversation."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    def whatsapp_render_quick_reply(self, canned_response_id):
        """"::atalho" in a WhatsApp conversation: the quick reply's text with this conversation's
        variables filled, and copies of its files ready to be posted by the current attendant.

        :return: ``{"text", "attachment_ids", "store_data"}`` (the files as the composer's uploads)
        """
        self._whatsapp_check_reader()
        # Discuss's rules decide which quick replies the user may use (own, or shared with their groups).
        response = self.env["mail.canned.response"].browse(int(canned_response_id)).exists()
        if not response:
            raise UserError(self.env._("This quick reply no longer exists."))
        response.check_access("read")
        text = quick_reply.fill(response.substitution, self._whatsapp_template_values(self.env.user))
        # sudo: ir.attachment - copies of the quick reply's files, as pending uploads of the user who
        # inserts it (the composer posts them with their ownership tokens, as any upload)
        attachments = response.sudo().whatsapp_attachment_ids
        copies = attachments and self.env["ir.attachment"].sudo().create([{
            "name": attachment.name,
            "raw": attachment.raw,
            "mimetype": attachment.mimetype,
            "res_model": "mail.compose.message",
            "res_id": 0,
        } for attachment in attachments])
        store = Store()
        if copies:
            store.add(copies, extra_fields=self.env["ir.attachment"]._get_store_ownership_fields())
        return {"text": text, "attachment_ids": copies.ids if copies else [], "store_data": store.get_result()}

    def _whatsapp_template_values(self, attendant=None):
        """The values of ``{{nome}}``, ``{{primeiro_nome}}``, ``{{protocolo}}``, ``{{atendente}}``,
        ``{{setor}}`` and ``{{saudacao}}`` for this conversation, in its customer's language.

        :param attendant: the user who speaks (inserting a quick reply, closing); empty: the assignee
        """
        self.ensure_one()
        # sudo: res.partner - the customer's name, for a conversation the user can read
        customer = self.sudo().whatsapp_partner_id
        name = customer.name or customer.whatsapp_profile_name or ""
        # sudo: res.users - the attendant's name is shown to the customer they answer
        speaker = (attendant or self.sudo().whatsapp_assignee_id).sudo()
        return {
            "nome": name,
            "primeiro_nome": quick_reply.first_name(name),
            "protocolo": self.whatsapp_protocol or "",
            "atendente": speaker.name or "",
            "setor": self._whatsapp_department_name(),
            "saudacao": self._whatsapp_greeting(),
        }

    def _whatsapp_department_name(self):
        """The conversation's department ("setor"): none until departments exist (issue 16)."""
        return ""

    def _whatsapp_greeting(self, at=None):
        """"bom dia", "boa tarde" or "boa noite" by the clock of the company answering."""
        company = self.whatsapp_account_id.company_id or self.env.company
        tz_name = company.partner_id.tz or self.env.user.tz or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        local = pytz.utc.localize(at or fields.Datetime.now()).astimezone(tz)
        env = self.with_context(lang=self._whatsapp_customer_lang()).env
        return {
            "morning": env._("good morning"),
            "afternoon": env._("good afternoon"),
            "evening": env._("good evening"),
        }[quick_reply.greeting_period(local)]

    def _whatsapp_customer_lang(self):
        """The language of what the system writes to the customer: the company's."""
        return self.whatsapp_account_id._conversation_lang() if self.whatsapp_account_id else self.env.lang

    def _whatsapp_fill(self, text, attendant=None):
        return quick_reply.fill(text, self._whatsapp_template_values(attendant))
