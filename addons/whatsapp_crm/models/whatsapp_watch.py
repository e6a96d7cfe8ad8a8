from odoo import fields, models


class WhatsAppWatch(models.Model):
    """"Espiar": a supervisor opened a conversation to follow it without taking it. Kept so that
    watching is never secret: managers see who watched which conversation, and when."""

    _name = "whatsapp.watch"
    _description = "WhatsApp Conversation Watched by a Supervisor"
    _order = "id desc"
    _rec_name = "channel_id"

    channel_id = fields.Many2one("discuss.channel", "Conversation", required=True, index=True,
                                 ondelete="cascade", readonly=True)
    user_id = fields.Many2one("res.users", "Supervisor", required=True, index=True, ondelete="cascade",
                              readonly=True)
    watched_at = fields.Datetime("Watched At", required=True, readonly=True, default=fields.Datetime.now)
    protocol = fields.Char(related="channel_id.whatsapp_protocol")
    assignee_id = fields.Many2one("res.users", "Attendant at the Time", readonly=True, ondelete="set null")
