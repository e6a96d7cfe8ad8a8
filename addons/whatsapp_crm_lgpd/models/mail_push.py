from odoo import api, models

from ..tools.identifiers import like_patterns


class MailPush(models.Model):
    """Web-push payloads still queued for attendants' devices (the customer's name and message preview)."""

    _name = "mail.push"
    _inherit = ["mail.push", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 96

    @api.model
    def _lgpd_erase(self, subject, limit):
        channel_ids = subject.channel_ids_regex
        self.env.cr.execute(r"""
            DELETE FROM mail_push
             WHERE (payload ~ '"model":\s*"discuss\.channel"' AND payload ~ %s) OR payload LIKE ANY(%s)
        """, [rf'"res_id":\s*({channel_ids})\M', like_patterns(subject.content_needles)])
        return 0
