from odoo import fields, models

from odoo.addons.mail.tools.discuss import Store


class ResUsers(models.Model):
    """An attendant's own limit of simultaneous conversations, and the departments they belong to."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "res.users"  # pylint: disable=consider-merging-classes-inherited

    whatsapp_capacity = fields.Integer(
        "WhatsApp Conversations at Once",
        help="How many open conversations automatic assignment gives this attendant at most. 0: the limit of "
             "the department.")
    whatsapp_department_ids = fields.Many2many(
        "whatsapp.department", "whatsapp_department_res_users_rel", "user_id", "department_id",
        "WhatsApp Departments")

    def _init_store_data(self, store: Store):
        """The client's queue shows the conversations of the attendant's departments (managers: all)."""
        result = super()._init_store_data(store)
        user = self.env.user
        if user._is_internal() and user.has_group("whatsapp_crm.group_whatsapp_attendant"):
            departments = False if user.has_group("whatsapp_crm.group_whatsapp_manager") else \
                self.env["whatsapp.department"]._whatsapp_user_departments(user).ids
            store.add_global_values(whatsappDepartmentIds=departments)
        return result
