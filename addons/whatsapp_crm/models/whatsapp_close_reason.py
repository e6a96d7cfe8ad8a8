from odoo import fields, models


class WhatsAppCloseReason(models.Model):
    """Why a conversation was closed ("Dúvida resolvida", "Sem resposta do cliente"…): chosen by the
    attendant when closing (optional), set by the automatic closing; managers count them."""

    _name = "whatsapp.close.reason"
    _description = "WhatsApp Closing Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
