from odoo import api, models


class PhoneBlacklist(models.Model):
    """A number blacklisted for SMS/WhatsApp marketing is the person's number: it goes with them (its
    tracked history too, which mail.thread deletes with the record)."""

    _name = "phone.blacklist"
    _inherit = ["phone.blacklist", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 88

    @api.model
    def _lgpd_erase(self, subject, limit):
        # The number's search method sanitizes every value (slow); numbers are stored in E.164.
        self.flush_model(["number"])
        self.env.cr.execute("SELECT id FROM phone_blacklist WHERE number = ANY(%s)",
                            [[f"+{digits}" for digits in subject.phones]])
        self.browse(row[0] for row in self.env.cr.fetchall()).unlink()
        return 0
