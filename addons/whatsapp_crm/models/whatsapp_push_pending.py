from odoo import fields, models


class WhatsAppPushPending(models.Model):
    """The conversations whose newest customer message still waits for its web push: one row per
    conversation, the newest message wins.

    Processing batches write here after their commit; one push job at a time takes every row
    (``discuss.channel._job_whatsapp_web_push``). So the number of push jobs and of pushes follows
    how fast the push job works, not how many batches processing commits: under load a job finds
    several messages of a conversation waiting and alerts once, with the newest (the notification
    replaces the previous one anyway).
    """

    _name = "whatsapp.push.pending"
    _description = "WhatsApp Web Push Waiting"
    _log_access = False

    channel_id = fields.Many2one("discuss.channel", required=True, ondelete="cascade", readonly=True)
    message_id = fields.Many2one("mail.message", required=True, ondelete="cascade", readonly=True)

    _channel_unique = models.UniqueIndex("(channel_id)")
