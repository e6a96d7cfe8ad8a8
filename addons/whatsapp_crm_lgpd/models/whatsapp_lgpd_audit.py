from odoo import api, fields, models
from odoo.exceptions import AccessError


class WhatsAppLgpdAudit(models.Model):
    """Who did what with a contact's personal data, and when (LGPD Art. 37).

    Entries name the operator, the request and the contact record (by id), and say what happened in
    words and counts — never the person's name, number or messages, so the log itself holds nothing
    to erase. Written by the system only; nobody edits or deletes an entry.
    """

    _name = "whatsapp.lgpd.audit"
    _description = "LGPD Audit Entry"
    _order = "id desc"
    _rec_name = "action"

    ACTIONS = [
        ("request_created", "Request filed"),
        ("request_closed", "Request answered"),
        ("request_refused", "Request refused"),
        ("request_cancelled", "Request cancelled"),
        ("lookup", "Lookup by phone"),
        ("consent_changed", "Consent changed"),
        ("hold_set", "Legal hold placed"),
        ("hold_lifted", "Legal hold lifted"),
        ("export_queued", "Export started"),
        ("export_built", "Export ready"),
        ("export_downloaded", "Export downloaded"),
        ("export_link_refused", "Export link refused"),
        ("export_deleted", "Expired export deleted"),
        ("erasure_queued", "Anonymisation started"),
        ("erasure_failed", "Anonymisation step failed"),
        ("erasure_done", "Anonymisation finished"),
    ]

    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    action = fields.Selection(ACTIONS, required=True, readonly=True)
    operator_id = fields.Many2one("res.users", "Operator", readonly=True, ondelete="set null")
    request_id = fields.Many2one("whatsapp.lgpd.request", "Request", readonly=True, index="btree_not_null",
                                 ondelete="set null")
    partner_id = fields.Many2one("res.partner", "Contact", readonly=True, index="btree_not_null", ondelete="set null",
                                 help="The contact record concerned (its data is not copied here).")
    details = fields.Char(readonly=True, help="What happened, in counts and states: never personal data.")

    @api.model
    def _log(self, action, partner=None, request=None, details=None, operator=None):
        """Append one entry. Callers pass counts and states only (see the class docstring)."""
        # sudo: whatsapp.lgpd.audit - the log is written by the system, whoever acted
        return self.sudo().create({
            "action": action,
            "operator_id": (operator or self.env.user).id,
            "partner_id": partner.id if partner else (request.partner_id.id if request else False),
            "request_id": request.id if request else False,
            "details": (details or "")[:250] or False,
        })

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("The LGPD audit log cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_by_the_system(self):
        if not self.env.su:
            raise AccessError(self.env._("The LGPD audit log cannot be changed."))
