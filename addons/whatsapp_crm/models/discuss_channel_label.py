from odoo import api, fields, models

from odoo.addons.mail.tools.discuss import Store

from .discuss_channel import is_whatsapp_channel

# The attendant's label filter of the queue lists, passed in the context of the queue fetch.
QUEUE_LABEL_CONTEXT_KEY = "whatsapp_queue_label_ids"


class DiscussChannel(models.Model):
    """Coloured labels on conversations; the queue and the board filter by them."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_label_ids = fields.Many2many("whatsapp.label", "discuss_channel_whatsapp_label_rel", "channel_id",
                                          "label_id", "Labels")

    def whatsapp_set_labels(self, label_ids):
        """Give the conversation exactly these labels (any attendant may label any conversation)."""
        self._whatsapp_check_reader()
        labels = self.env["whatsapp.label"].browse([int(label_id) for label_id in label_ids or []]).exists()
        # sudo: discuss.channel - labels are written through this action, whoever answers the conversation
        self.sudo().whatsapp_label_ids = [fields.Command.set(labels.ids)]
        self._whatsapp_notify_queue([self._whatsapp_label_store_field()])
        return True

    def _whatsapp_label_store_field(self):
        return Store.Many("whatsapp_label_ids", ["name", "color"], predicate=is_whatsapp_channel)

    def _whatsapp_store_fields(self):
        return [*super()._whatsapp_store_fields(), self._whatsapp_label_store_field()]

    @api.model
    def _whatsapp_queue_domain(self, queue_filter):
        domain = super()._whatsapp_queue_domain(queue_filter)
        label_ids = self.env.context.get(QUEUE_LABEL_CONTEXT_KEY)
        if label_ids and isinstance(label_ids, list):
            domain = [*domain, ("whatsapp_label_ids", "in", [int(label_id) for label_id in label_ids])]
        return domain
