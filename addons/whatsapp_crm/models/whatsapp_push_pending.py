from odoo import fields, models


class WhatsAppPushPending(models.Model):
    """Each conversation's web push state: its newest customer message waiting for a push, and when
    it last alerted (a conversation alerts at most once per interval, ``whatsapp.push``).

    Processing batches write here after their commit; one push job at a time takes what is due
    (``discuss.channel._job_whatsapp_web_push``), and another waits, with a date, for what the interval
    holds back. So pushes follow the conversations and the push job's pace, not the number of messages
    or of processing batches.
    """

    _name = "whatsapp.push.pending"
    _description = "WhatsApp Web Push Waiting"
    _log_access = False

    channel_id = fields.Many2one("discuss.channel", required=True, ondelete="cascade", readonly=True)
    message_id = fields.Many2one("mail.message", ondelete="cascade", readonly=True,
                                 help="The newest customer message not pushed yet; empty when none waits.")
    pushed_at = fields.Datetime(readonly=True, help="When this conversation last alerted the attendants.")

    _channel_unique = models.UniqueIndex("(channel_id)")
