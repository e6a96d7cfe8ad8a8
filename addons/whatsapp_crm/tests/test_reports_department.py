from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .department_common import TUESDAY_AFTERNOON, DepartmentCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestReportsByDepartment(DepartmentCase):
    """The managers' reports by department: where a conversation entered, where it ended, its costs,
    and response times counted in the department's business hours."""

    def report(self, model, groupby, measures):
        self.env.flush_all()  # the manager reads in a request of their own, after the work was committed
        rows = self.env[model].with_user(self.manager).formatted_read_group([], groupby, measures)
        return {row[groupby[0]][0] if row[groupby[0]] else False: {measure: row[measure] for measure in measures}
                for row in rows}

    def test_transferred_conversation_counts_for_the_department_that_closed_it(self):
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact("Oi")
            maria.text("1")  # Bilheteria
            self.process_inbox()
            channel.with_user(self.bia).action_whatsapp_take()
            self.attendant_writes(channel, "Vou passar para o Educativo.", user=self.bia)
            channel.with_user(self.bia).action_whatsapp_transfer_department(self.educativo.id)
            channel.with_user(self.edu).action_whatsapp_take()
            self.attendant_writes(channel, "Olá, aqui é o Educativo.", user=self.edu)
            channel.with_user(self.edu).action_whatsapp_close()
            self.send_outgoing()
        record = self.env["whatsapp.service.record"].search([("channel_id", "=", channel.id)])
        self.assertEqual((record.first_department_id, record.department_id, record.transfer_count,
                          record.first_attendant_id, record.attendant_id, record.outcome),
                         (self.bilheteria, self.educativo, 1, self.bia, self.edu, "closed"))
        self.assertEqual(self.report("whatsapp.report.conversation", ["department_id"], ["__count"]),
                         {self.educativo.id: {"__count": 1}})
        self.assertEqual(self.report("whatsapp.report.conversation", ["first_department_id"], ["__count"]),
                         {self.bilheteria.id: {"__count": 1}})
        # The menu went out before any department; Bia's message from the box office; Edu's answer
        # and the farewell from the education programme.
        costs = self.report("whatsapp.report.cost", ["department_id"], ["message_count:sum"])
        self.assertEqual(costs, {False: {"message_count:sum": 1}, self.bilheteria.id: {"message_count:sum": 1},
                                 self.educativo.id: {"message_count:sum": 2}})
        per_attendant = self.report("whatsapp.report.cost", ["attendant_id"], ["message_count:sum"])
        self.assertEqual(per_attendant, {False: {"message_count:sum": 1}, self.bia.id: {"message_count:sum": 1},
                                         self.edu.id: {"message_count:sum": 2}})
        # A closed conversation keeps its department, whatever happens to the conversation after.
        channel.sudo().whatsapp_department_id = self.imprensa
        self.assertEqual(record.department_id, self.educativo)

    def test_response_times_in_business_hours(self):
        (self.educativo | self.imprensa).active = False  # one department: no menu
        self.bilheteria.resource_calendar_id = self.calendar  # Mon-Fri 9-12, 13-18 in São Paulo (UTC-3)
        with freeze_time(datetime(2026, 12, 1, 20, 30)):  # Tuesday 17:30 in São Paulo
            _maria, channel = self.first_contact("Oi")
        with freeze_time(datetime(2026, 12, 2, 12, 30)):  # Wednesday 09:30
            channel.with_user(self.bia).action_whatsapp_take()
            self.attendant_writes(channel, "Bom dia! Como posso ajudar?", user=self.bia)
        with freeze_time(datetime(2026, 12, 2, 16, 30)):  # Wednesday 13:30
            channel.with_user(self.bia).action_whatsapp_close()
        record = self.env["whatsapp.service.record"].search([("channel_id", "=", channel.id)])
        self.assertEqual(record.department_id, self.bilheteria)
        # First answer: 16 h on the clock; in business hours Tuesday 17:30-18:00 and Wednesday 09:00-09:30.
        self.assertAlmostEqual(record.first_response_hours, 16)
        self.assertAlmostEqual(record.first_response_business_hours, 1)
        # Closing: 20 h on the clock; 30 min on Tuesday, 09:00-12:00 and 13:00-13:30 on Wednesday.
        self.assertAlmostEqual(record.close_hours, 20)
        self.assertAlmostEqual(record.close_business_hours, 4)
        figures = self.report("whatsapp.report.conversation", ["department_id"], [
            "first_response_hours:avg", "first_response_business_hours:avg",
            "first_response_business_median:median", "close_business_hours:avg"])[self.bilheteria.id]
        self.assertAlmostEqual(figures["first_response_hours:avg"], 16)
        self.assertAlmostEqual(figures["first_response_business_hours:avg"], 1)
        self.assertAlmostEqual(figures["first_response_business_median:median"], 1)
        self.assertAlmostEqual(figures["close_business_hours:avg"], 4)

    def test_without_a_calendar_business_hours_are_every_hour(self):
        (self.educativo | self.imprensa).active = False
        with freeze_time(datetime(2026, 12, 1, 20, 30)):
            _maria, channel = self.first_contact("Oi")
        with freeze_time(datetime(2026, 12, 2, 12, 30)):
            channel.with_user(self.bia).action_whatsapp_take()
            self.attendant_writes(channel, "Bom dia!", user=self.bia)
        record = self.env["whatsapp.service.record"].search([("channel_id", "=", channel.id)])
        self.assertEqual((record.first_response_hours, record.first_response_business_hours), (16, 16))
