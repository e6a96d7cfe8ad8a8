from odoo import fields, models


class WhatsAppServiceEvent(models.Model):
    """One change of hands of a conversation (taken, transferred, returned, returned automatically),
    with the attendant it concerns: what the "automatic returns per attendant" report counts.
    No personal data of the customer."""

    _name = "whatsapp.service.event"
    _description = "WhatsApp Assignment Event"
    _order = "at desc, id desc"

    KINDS = [
        ("taken", "Taken"),
        ("transferred", "Transferred"),
        ("released", "Returned to the queue"),
        ("auto_released", "Returned automatically (idle)"),
    ]

    record_id = fields.Many2one("whatsapp.service.record", "Service Record", required=True, readonly=True,
                                index=True, ondelete="cascade")
    account_id = fields.Many2one(related="record_id.account_id", store=True)
    company_id = fields.Many2one(related="record_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    attendant_id = fields.Many2one("res.users", "Attendant", readonly=True, index="btree_not_null",
                                   ondelete="set null", help="Who took it, or who lost it.")
    target_id = fields.Many2one("res.users", "Transferred To", readonly=True, ondelete="set null")
    at = fields.Datetime("When", required=True, readonly=True, default=fields.Datetime.now, index=True)
