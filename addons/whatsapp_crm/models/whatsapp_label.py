from random import randint

from odoo import fields, models


class WhatsAppLabel(models.Model):
    """A coloured label on conversations ("Ingressos", "Reclamação", "VIP"): attendants filter the
    queue by it, managers the board."""

    _name = "whatsapp.label"
    _description = "WhatsApp Conversation Label"
    _order = "sequence, name"

    name = fields.Char(required=True)
    color = fields.Integer(default=lambda self: randint(1, 11))
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _name_unique = models.UniqueIndex("(name)", "A label with this name already exists.")
