from odoo import api, models
from odoo.tools import email_normalize


class MailBlacklist(models.Model):
    """The contact's e-mail address, when it was blacklisted."""

    _name = "mail.blacklist"
    _inherit = ["mail.blacklist", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 89

    @api.model
    def _lgpd_erase(self, subject, limit):
        emails = [email_normalize(email) for email in subject.emails]
        if emails:
            self.with_context(active_test=False).search([("email", "in", emails)]).unlink()
        return 0
