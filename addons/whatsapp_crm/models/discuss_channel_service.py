from odoo import api, fields, models

from .discuss_channel import is_whatsapp_channel


class DiscussChannel(models.Model):
    """The service record of each conversation (``whatsapp.service.record``) follows it as things
    happen: opened, taken, transferred, returned to the queue (by hand or when idle), closed.
    The assignment actions themselves stay in discuss_channel.py; this file only records them."""

    # One concern per file, while several branches extend this model at once (the lead may fold them).
    _inherit = "discuss.channel"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        channels = super().create(vals_list)
        if conversations := channels.filtered(is_whatsapp_channel):
            # sudo: whatsapp.service.record - the service record is written by the product, whoever acts
            self.env["whatsapp.service.record"].sudo()._open_for(conversations)
        return channels

    def write(self, vals):
        result = super().write(vals)
        if "whatsapp_department_id" in vals and (conversations := self.filtered(is_whatsapp_channel)):
            # sudo: whatsapp.service.record - the record follows the conversation's department
            self.env["whatsapp.service.record"].sudo()._follow_department(conversations)
        return result

    def action_whatsapp_take(self):
        had_assignee = bool(self.whatsapp_assignee_id)
        result = super().action_whatsapp_take()
        if not had_assignee and self.whatsapp_assignee_id == self.env.user:
            self._whatsapp_service_event("taken", self.env.user)
        return result

    def action_whatsapp_release(self):
        previous = self.whatsapp_assignee_id
        result = super().action_whatsapp_release()
        if previous and not self.whatsapp_assignee_id:
            self._whatsapp_service_event("released", previous)
        return result

    def action_whatsapp_transfer(self, user_id, note=None):
        previous = self.whatsapp_assignee_id
        result = super().action_whatsapp_transfer(user_id, note=note)
        self._whatsapp_service_event("transferred", previous, target=self.whatsapp_assignee_id)
        return result

    def action_whatsapp_transfer_department(self, department_id, note=None):
        previous = self.whatsapp_assignee_id
        result = super().action_whatsapp_transfer_department(department_id, note=note)
        self._whatsapp_service_event("transferred", previous)
        return result

    def _whatsapp_release_memberships_in_sql(self, released):
        """The idle conversations ``released`` (``[(channel id, user id)]``) went back to the queue."""
        result = super()._whatsapp_release_memberships_in_sql(released)
        # sudo: whatsapp.service.record - the auto-release job records what it did
        records_sudo = self.env["whatsapp.service.record"].sudo().search(
            [("channel_id", "in", [channel_id for channel_id, _user_id in released])])
        record_of = {record.channel_id.id: record for record in records_sudo}
        now = fields.Datetime.now()
        self.env["whatsapp.service.event"].sudo().create([{
            "record_id": record_of[channel_id].id, "kind": "auto_released", "attendant_id": user_id, "at": now,
        } for channel_id, user_id in released if channel_id in record_of])
        records_sudo._add_counts(records_sudo.channel_id.ids, auto_release_count=1)
        return result

    def _whatsapp_after_close(self, reason, closed_by, attendant, farewell=True, survey=True):
        # sudo: whatsapp.service.record - closing is recorded whoever (or whatever) closes
        record_sudo = self.env["whatsapp.service.record"].sudo()._of(self)
        if record_sudo:
            record_sudo.write({
                "closed_at": fields.Datetime.now(),
                "outcome": "closed" if closed_by else "auto_closed",
                "close_reason_id": reason.id if reason else False,
                "attendant_id": (attendant or record_sudo.attendant_id).id,
            })
        return super()._whatsapp_after_close(reason, closed_by, attendant, farewell=farewell, survey=survey)

    def _whatsapp_service_event(self, kind, attendant, target=None):
        """Record a change of hands; the record's attendant becomes whoever now answers."""
        self.ensure_one()
        # sudo: whatsapp.service.record - the service record is written by the product, whoever acts
        record_sudo = self.env["whatsapp.service.record"].sudo()._of(self)
        if not record_sudo:
            return
        self.env["whatsapp.service.event"].sudo().create({
            "record_id": record_sudo.id, "kind": kind, "attendant_id": attendant.id,
            "target_id": target.id if target else False,
        })
        if kind == "transferred":
            record_sudo._add_counts(self.id, transfer_count=1)
        if self.whatsapp_assignee_id:
            record_sudo.attendant_id = self.whatsapp_assignee_id
