from odoo import api, models


class MailPresence(models.Model):
    """An attendant coming online may receive the conversations waiting in their departments."""

    _inherit = "mail.presence"

    @api.model_create_multi
    def create(self, vals_list):
        presences = super().create(vals_list)
        presences._whatsapp_came_online()
        return presences

    def write(self, vals):
        was_online = {presence.id for presence in self if presence.status == "online"}
        result = super().write(vals)
        if vals.get("status") == "online":
            self.filtered(lambda presence: presence.id not in was_online)._whatsapp_came_online()
        return result

    def _whatsapp_came_online(self):
        users = self.filtered(lambda presence: presence.status == "online").user_id
        if users:
            self.env["whatsapp.department"]._whatsapp_schedule_for_users(users)
