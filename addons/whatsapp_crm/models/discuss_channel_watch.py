from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .discuss_channel import is_whatsapp_channel


class DiscussChannel(models.Model):
    """"Espiar": a supervisor follows a conversation without taking it; each time is recorded."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_watch_ids = fields.One2many("whatsapp.watch", "channel_id", "Watched by Supervisors",
                                         groups="whatsapp_crm.group_whatsapp_manager")
    whatsapp_watch_count = fields.Integer("Times Watched", compute="_compute_whatsapp_watch_count",
                                          groups="whatsapp_crm.group_whatsapp_manager")

    def _compute_whatsapp_watch_count(self):
        watches = self.env["whatsapp.watch"]
        counts = dict(watches._read_group(domain=[("channel_id", "in", self.ids)], groupby=["channel_id"],
                                          aggregates=["__count"]))
        for channel in self:
            channel.whatsapp_watch_count = counts.get(channel, 0)

    def action_whatsapp_watch(self):
        """Record that the current supervisor watches this conversation and open it in Discuss.

        Watching takes nothing: the conversation stays with its attendant (or in the queue), and the
        supervisor does not join it. Only managers may watch.
        """
        self.ensure_one()
        if not is_whatsapp_channel(self):
            raise UserError(self.env._("This is not a WhatsApp conversation."))
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_manager"):
            raise AccessError(self.env._("Only WhatsApp managers can watch conversations."))
        self.check_access("read")
        # sudo: whatsapp.watch - the log is written by the system, never edited by the supervisor
        self.env["whatsapp.watch"].sudo().create({
            "channel_id": self.id,
            "user_id": self.env.uid,
            "watched_at": fields.Datetime.now(),
            "assignee_id": self.whatsapp_assignee_id.id,
        })
        return {
            "type": "ir.actions.client",
            "tag": "mail.action_discuss",
            "params": {"active_id": f"discuss.channel_{self.id}"},
        }

    def action_whatsapp_watch_log(self):
        """The board's "watched" count: who watched this conversation, and when."""
        self.ensure_one()
        title = self.env._("Watched by Supervisors")
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": "whatsapp.watch",
            "view_mode": "list",
            "domain": [("channel_id", "=", self.id)],
        }
