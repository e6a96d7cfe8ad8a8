from odoo import api, models


class PhoneBlacklist(models.Model):
    """A number blacklisted for SMS/WhatsApp marketing is the person's number: it goes with them (its
    tracked history too, which mail.thread deletes with the record)."""

    _name = "phone.blacklist"
    _inherit = ["phone.blacklist", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 88

    @api.model
    def _lgpd_erase(self, subject, limit):
        numbers = [f"+{digits}" for digits in subject.phones]
        self.with_context(active_test=False).search([("number", "in", numbers)]).unlink()
        return 0
