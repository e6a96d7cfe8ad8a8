from odoo import fields, models

from odoo.addons.mail.tools.discuss import Store


class ResUsers(models.Model):
    """An attendant's notification preferences (My Preferences), and what their client needs of them."""

    _inherit = "res.users"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_push_enabled = fields.Boolean(
        "WhatsApp Notifications", default=True,
        help="Alert me of customers' messages with the browser closed (web push), once the browser allows it.")
    whatsapp_sound_enabled = fields.Boolean(
        "Sound on a New WhatsApp Conversation", default=True,
        help="Play a sound when a customer starts a new conversation in the queue.")
    whatsapp_notify_all_unassigned = fields.Boolean(
        "Every Unassigned WhatsApp Message",
        help="Managers: be alerted of every message of a conversation nobody answers yet, whether or not "
             "you are available.")

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "whatsapp_push_enabled", "whatsapp_sound_enabled",
                "whatsapp_notify_all_unassigned"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "whatsapp_push_enabled", "whatsapp_sound_enabled",
                "whatsapp_notify_all_unassigned"]

    def _init_store_data(self, store: Store):
        result = super()._init_store_data(store)
        user = self.env.user
        if user._is_internal() and user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            store.add_global_values(whatsappNotify={
                "push": user.whatsapp_push_enabled,
                "sound": user.whatsapp_sound_enabled,
            })
        return result
