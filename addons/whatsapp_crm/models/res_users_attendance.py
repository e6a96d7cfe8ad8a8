from odoo import models

from odoo.addons.mail.tools.discuss import Store


class ResUsers(models.Model):
    """What the attendant's client needs to know once: whether CRM is there (the conversation's
    "New opportunity" action is offered only then - CRM is not a dependency)."""

    _inherit = "res.users"

    def _init_store_data(self, store: Store):
        result = super()._init_store_data(store)
        store.add_global_values(whatsappHasCrm="crm.lead" in self.env)
        return result
