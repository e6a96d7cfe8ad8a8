from odoo import api, fields, models
from odoo.exceptions import ValidationError


class WhatsAppLocation(models.Model):
    """A place attendants send from the composer's "Location" menu (the hall, the box office…).

    Sent as a WhatsApp ``location`` message: the customer's phone opens it in their map app.
    Managers keep the list; attendants only pick from it.
    """

    _name = "whatsapp.location"
    _description = "WhatsApp Location Preset"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    address = fields.Char()
    latitude = fields.Float(required=True, digits=(10, 7))
    longitude = fields.Float(required=True, digits=(10, 7))
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.constrains("latitude", "longitude")
    def _check_coordinates(self):
        for location in self:
            if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
                raise ValidationError(self.env._(
                    "%(name)s: the latitude must be between -90 and 90 and the longitude between -180 and 180.",
                    name=location.name))

    def _whatsapp_card(self):
        """What the thread shows (the same card as a customer's location) and what is sent."""
        self.ensure_one()
        return {"latitude": self.latitude, "longitude": self.longitude, "name": self.name or "",
                "address": self.address or ""}
