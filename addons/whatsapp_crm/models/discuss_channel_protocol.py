from odoo import api, fields, models

from odoo.addons.mail.tools.discuss import Store

from .discuss_channel import is_whatsapp_channel

PROTOCOL_SEQUENCE_CODE = "whatsapp_crm.protocol"


class DiscussChannel(models.Model):
    """The protocol number of a conversation ("2026-000123"), what customers quote on the phone.

    Drawn from the company's sequence when the conversation opens; a conversation never changes
    number, and a customer writing after it was closed opens a new conversation, hence a new number.
    The year prefixes a number that keeps growing (no yearly date ranges: see the sequence's data);
    a company that wants its own numbering adds a sequence with the same code for itself
    (``ir.sequence.next_by_code`` prefers the company's).
    """

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_protocol = fields.Char("Protocol", readonly=True, copy=False, index="btree_not_null",
                                    help="The number the customer can quote to refer to this conversation.")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("channel_type") == "whatsapp" and not vals.get("whatsapp_protocol"):
                # sudo: whatsapp.account - the company whose sequence numbers the conversation
                account = self.env["whatsapp.account"].sudo().browse(vals.get("whatsapp_account_id"))
                vals["whatsapp_protocol"] = self._whatsapp_next_protocol(account.company_id)
        return super().create(vals_list)

    @api.model
    def _whatsapp_next_protocol(self, company):
        company = company or self.env.company
        # sudo: ir.sequence - every conversation gets a number, whoever opens it (the processing user)
        return self.env["ir.sequence"].sudo().with_company(company).next_by_code(PROTOCOL_SEQUENCE_CODE)

    def _whatsapp_protocol(self):
        return self.whatsapp_protocol or super()._whatsapp_protocol()

    def _whatsapp_store_fields(self):
        return [*super()._whatsapp_store_fields(), Store.Attr("whatsapp_protocol", predicate=is_whatsapp_channel)]
