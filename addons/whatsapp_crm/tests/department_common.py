"""Departments for the front-door tests: the Filarmônica's box office, education programme and
press office, attendants of each, and shortcuts for their presence and leave."""
from datetime import datetime

from odoo.tests import new_test_user

from .common import WhatsAppCase

# A Tuesday, 15:00 in São Paulo (UTC-3): every department of the calendars below is open.
TUESDAY_AFTERNOON = datetime(2026, 12, 1, 18, 0)


class DepartmentCase(WhatsAppCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.lang = "en_US"
        group = "whatsapp_crm.group_whatsapp_attendant"
        cls.bia = new_test_user(cls.env, "bia", groups=group, name="Bia Bilheteria")
        cls.bruno = new_test_user(cls.env, "bruno_b", groups=group, name="Bruno Bilheteria")
        cls.edu = new_test_user(cls.env, "edu_e", groups=group, name="Edu Educativo")
        cls.calendar = cls.env["resource.calendar"].create({
            "name": "Escritório (seg-sex 9h-18h, almoço 12h-13h)",
            "tz": "America/Sao_Paulo",
            "attendance_ids": [(5, 0, 0)] + [
                command for day in "01234" for command in [
                    (0, 0, {"name": "Manhã", "dayofweek": day, "hour_from": 9, "hour_to": 12, "day_period": "morning"}),
                    (0, 0, {"name": "Almoço", "dayofweek": day, "hour_from": 12, "hour_to": 13, "day_period": "lunch"}),
                    (0, 0, {"name": "Tarde", "dayofweek": day, "hour_from": 13, "hour_to": 18,
                            "day_period": "afternoon"}),
                ]],
        })
        Department = cls.env["whatsapp.department"]
        cls.bilheteria = Department.create({
            "name": "Bilheteria", "sequence": 1, "member_ids": [(6, 0, (cls.bia | cls.bruno).ids)],
        })
        cls.educativo = Department.create({
            "name": "Educativo", "sequence": 2, "member_ids": [(6, 0, cls.edu.ids)], "is_default": True,
        })
        cls.imprensa = Department.create({"name": "Imprensa", "sequence": 3})

    def first_contact(self, body="Oi", wa_id="5511987654321", name="Maria Souza"):
        customer = self.customer(wa_id, name)
        delivery = customer.text(body)
        self.process_inbox()
        return customer, self.whatsapp_message(delivery.wamid).channel_id

    def automatic_texts(self, channel):
        """What the system wrote to the customer in ``channel``, oldest first (plain text)."""
        root = self.env.ref("base.partner_root")
        messages = channel.message_ids.filtered(
            lambda m: m.author_id == root and m.message_type == "comment").sorted("id")
        return [" ".join(message.preview.split()) for message in messages]

    def set_online(self, *users, status="online"):
        for user in users:
            presence = self.env["mail.presence"].search([("user_id", "=", user.id)])
            if presence:
                presence.status = status
            else:
                self.env["mail.presence"].create({"user_id": user.id, "status": status})
        users[0].invalidate_model(["im_status"])

    def run_assignment(self):
        """What the waiting assignment jobs do, in the test transaction."""
        for department in self.env["whatsapp.department"].search([]):
            department.with_user(self.processing_user)._job_whatsapp_assign()
