from odoo import models
from odoo.exceptions import AccessError


class PrivacyLookupWizardLine(models.TransientModel):
    """The DPO may look people up; deleting or archiving the records found (as superuser) stays an
    administrator's action, as privacy_lookup intends. The DPO anonymises instead."""

    _inherit = "privacy.lookup.wizard.line"

    def _check_can_change_records(self):
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators can archive or delete the records found."))

    def _onchange_is_active(self):
        self._check_can_change_records()
        return super()._onchange_is_active()

    def action_unlink(self):
        self._check_can_change_records()
        return super().action_unlink()
