from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.models.whatsapp_department import ASSIGN_AFTER_COMMIT
from odoo.addons.whatsapp_crm.tools.department_menu import reply_id

from .department_common import TUESDAY_AFTERNOON, DepartmentCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestGreetingMenu(DepartmentCase):
    """First contact: the menu of departments, the customer's answer, the default department."""

    def test_first_contact_gets_buttons_and_a_tap_routes(self):
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact("Oi, boa tarde")
            self.assertEqual(channel.whatsapp_routing_state, "menu")
            self.assertFalse(channel.whatsapp_department_id)
            self.send_outgoing()
            menu = self.sandbox.state.sent[-1].payload["interactive"]
            self.assertEqual(menu["type"], "button", "three departments fit in reply buttons")
            self.assertEqual([button["reply"]["title"] for button in menu["action"]["buttons"]],
                             ["Bilheteria", "Educativo", "Imprensa"])
            self.assertEqual(menu["action"]["buttons"][1]["reply"]["id"], reply_id(self.educativo.id))
            maria.button_reply(reply_id(self.educativo.id), "Educativo")
            self.process_inbox()
        self.assertEqual(channel.whatsapp_department_id, self.educativo)
        self.assertEqual(channel.whatsapp_routing_state, "routed")
        self.assertIn("The customer chose Educativo.", channel.message_ids.mapped("preview"))

    def test_typed_number_or_name_routes_and_everything_stays_in_the_thread(self):
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact("Quero ingressos para sábado")
            maria.text("2")
            self.process_inbox()
            self.assertEqual(channel.whatsapp_department_id, self.educativo)
            joao, other = self.first_contact("Oi", wa_id="5521988887777", name="João")
            joao.text("  bilhetéria! ")
            self.process_inbox()
        self.assertEqual(other.whatsapp_department_id, self.bilheteria)
        customer_texts = channel.message_ids.filtered(lambda m: m.author_id == channel.whatsapp_partner_id)
        self.assertEqual(sorted(customer_texts.mapped("preview")), ["2", "Quero ingressos para sábado"])

    def test_list_above_three_departments(self):
        self.env["whatsapp.department"].create({"name": "Patrocínio", "sequence": 4})
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact()
            self.send_outgoing()
            menu = self.sandbox.state.sent[-1].payload["interactive"]
            self.assertEqual(menu["type"], "list")
            rows = menu["action"]["sections"][0]["rows"]
            self.assertEqual(len(rows), 4)
            maria.list_reply(rows[2]["id"], rows[2]["title"])
            self.process_inbox()
        self.assertEqual(channel.whatsapp_department_id, self.imprensa)

    def test_more_than_ten_departments_is_a_numbered_text(self):
        self.env["whatsapp.department"].create([{"name": f"Setor {n}", "sequence": 10 + n} for n in range(8)])
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact()
            self.send_outgoing()
            menu = self.sandbox.state.sent[-1].payload["text"]["body"]
            self.assertIn("1 - Bilheteria\n2 - Educativo\n3 - Imprensa", menu)
            self.assertIn("11 - Setor 7", menu)
            maria.text("11")
            self.process_inbox()
        self.assertEqual(channel.whatsapp_department_id.name, "Setor 7")

    def test_invalid_answers_repeat_the_menu_twice_then_the_default(self):
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact()
            for attempt in ("talvez", "9"):
                maria.text(attempt)
                self.process_inbox()
                self.assertEqual(channel.whatsapp_routing_state, "menu")
            maria.text("não sei")
            self.process_inbox()
        self.assertEqual(channel.whatsapp_department_id, self.educativo, "the default department")
        texts = self.automatic_texts(channel)
        self.assertEqual(sum("Sorry, I did not understand." in text for text in texts), 2)
        self.assertIn("No valid answer to the menu: sent to Educativo.", channel.message_ids.mapped("preview"))

    def test_a_customer_who_ignores_the_menu_goes_to_the_default_after_the_timeout(self):
        self.env["ir.config_parameter"].sudo().set_param("whatsapp_crm.menu_timeout_minutes", "15")
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
        cron = self.env["discuss.channel"].with_user(self.processing_user)
        with freeze_time(TUESDAY_AFTERNOON + timedelta(minutes=14)):
            cron._cron_whatsapp_menu_timeout()
            self.assertEqual(channel.whatsapp_routing_state, "menu")
        with freeze_time(TUESDAY_AFTERNOON + timedelta(minutes=16)):
            cron._cron_whatsapp_menu_timeout()
        self.assertEqual(channel.whatsapp_department_id, self.educativo)
        self.assertIn("No answer to the menu: sent to Educativo.", channel.message_ids.mapped("preview"))

    def test_single_department_skips_the_menu(self):
        (self.educativo | self.imprensa).active = False
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
            self.send_outgoing()
        self.assertEqual(channel.whatsapp_department_id, self.bilheteria)
        self.assertFalse([sent for sent in self.sandbox.state.sent if sent.type == "interactive"])

    def test_no_department_keeps_one_queue(self):
        self.env["whatsapp.department"].search([]).active = False
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
            self.send_outgoing()
        self.assertFalse(channel.whatsapp_routing_state)
        self.assertFalse(self.sandbox.state.sent, "nothing is sent to the customer")

    def test_writing_again_after_closing_gets_the_menu_again(self):
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact()
            maria.text("1")
            self.process_inbox()
            channel.with_user(self.bia).action_whatsapp_close(farewell=False)
            again = maria.text("Voltei")
            self.process_inbox()
        reopened = self.whatsapp_message(again.wamid).channel_id
        self.assertNotEqual(reopened, channel)
        self.assertEqual(reopened.whatsapp_routing_state, "menu")

    def test_menu_conversations_are_seen_but_not_waiting(self):
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
        result = self.env["discuss.channel"].with_user(self.bia).whatsapp_queue_fetch("all")
        self.assertIn(channel.id, result["channel_ids"])
        self.assertEqual(result["counts"]["unassigned"], 0)
        self.assertEqual(result["counts"]["all"], 1)

    def test_department_greeting_is_sent_after_the_choice(self):
        self.educativo.greeting = "Aqui é o Educativo, {{primeiro_nome}}!"
        with freeze_time(TUESDAY_AFTERNOON):
            maria, channel = self.first_contact()
            maria.text("2")
            self.process_inbox()
        self.assertEqual(self.automatic_texts(channel)[-1], "Aqui é o Educativo, Maria!")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestBusinessHours(DepartmentCase):
    """Outside hours the customer is told, once per conversation, when the department opens."""

    def setUp(self):
        super().setUp()
        (self.educativo | self.imprensa).active = False  # one department: no menu in the way
        self.bilheteria.resource_calendar_id = self.calendar

    def absence_texts(self, channel):
        return [text for text in self.automatic_texts(channel) if "closed" in text]

    def test_absence_message_once_per_conversation_with_the_next_opening(self):
        friday_night = datetime(2026, 12, 4, 23, 30)  # 20:30 in São Paulo, Friday
        with freeze_time(friday_night):
            maria, channel = self.first_contact("Oi")
            for body in ("Alguém aí?", "Preciso de ajuda", "Olá?"):
                maria.text(body)
            self.process_inbox()
        self.assertEqual(self.absence_texts(channel), [
            "We are closed right now. We open again on Monday, 07/12 at 09:00, and will answer you then."])
        self.assertEqual(channel.whatsapp_queue_state, "unassigned", "it waits in the queue")

    def test_lunch_break_is_closed_and_the_custom_message_is_filled(self):
        self.bilheteria.absence_message = "Estamos em horário de almoço. Voltamos {{abertura}}."
        with freeze_time(datetime(2026, 12, 1, 15, 30)):  # Tuesday 12:30 in São Paulo
            _maria, channel = self.first_contact()
        self.assertEqual(self.automatic_texts(channel), ["Estamos em horário de almoço. Voltamos Tuesday, 01/12 at 13:00."])

    def test_open_hours_send_nothing(self):
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
        self.assertFalse(self.automatic_texts(channel))
        self.assertFalse(channel.whatsapp_absence_sent_at)

    def test_a_holiday_is_closed(self):
        self.env["resource.calendar.leaves"].create({
            "name": "Feriado municipal", "calendar_id": self.calendar.id,
            "date_from": datetime(2026, 12, 1, 3, 0), "date_to": datetime(2026, 12, 2, 2, 59, 59),
        })
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
        self.assertEqual(len(self.absence_texts(channel)), 1)
        self.assertIn("Wednesday, 02/12 at 09:00", self.absence_texts(channel)[0])

    def test_business_seconds_skip_the_night(self):
        seconds = self.bilheteria._whatsapp_business_seconds(datetime(2026, 12, 1, 20, 30), datetime(2026, 12, 2, 12, 30))
        # Tuesday 17:30-18:00 and Wednesday 09:00-09:30 in São Paulo
        self.assertEqual(seconds, 3600)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAutomaticAssignment(DepartmentCase):

    def setUp(self):
        super().setUp()
        (self.educativo | self.imprensa).active = False
        self.bilheteria.write({"assignment_mode": "round_robin", "capacity": 2})

    def conversations(self, count, start=0):
        channels = self.env["discuss.channel"]
        with freeze_time(TUESDAY_AFTERNOON):
            for n in range(start, start + count):
                channels |= self.first_contact(wa_id=f"55119876500{n:02d}", name=f"Cliente {n}")[1]
        return channels

    def test_round_robin_among_online_members_under_capacity(self):
        self.set_online(self.bia, self.bruno)
        channels = self.conversations(5)
        self.run_assignment()
        self.assertEqual([channel.whatsapp_assignee_id.name for channel in channels[:4]],
                         ["Bia Bilheteria", "Bruno Bilheteria", "Bia Bilheteria", "Bruno Bilheteria"])
        self.assertFalse(channels[4].whatsapp_assignee_id, "both attendants are at capacity: it waits")
        self.assertIn(self.bia.partner_id, channels[0].channel_member_ids.partner_id)

    def test_least_busy_and_the_attendants_own_capacity(self):
        self.bilheteria.assignment_mode = "least_busy"
        self.bruno.whatsapp_capacity = 1
        self.set_online(self.bia, self.bruno)
        manual = self.conversations(1)
        manual.with_user(self.bia).action_whatsapp_take()
        channels = self.conversations(3, start=10)
        self.run_assignment()
        self.assertEqual(channels.mapped("whatsapp_assignee_id"), self.bruno | self.bia)
        self.assertEqual(channels[0].whatsapp_assignee_id, self.bruno, "Bia already answers one")
        self.assertFalse(channels[2].whatsapp_assignee_id)

    def test_offline_and_on_leave_members_get_nothing(self):
        self.set_online(self.bia)
        self.set_online(self.bruno, status="away")
        resource = self.env["resource.resource"].create({"name": "Bia", "user_id": self.bia.id})
        self.env["resource.calendar.leaves"].create({
            "name": "Férias", "resource_id": resource.id,
            "date_from": TUESDAY_AFTERNOON - timedelta(days=1), "date_to": TUESDAY_AFTERNOON + timedelta(days=1),
        })
        channels = self.conversations(1)
        with freeze_time(TUESDAY_AFTERNOON):
            self.run_assignment()
        self.assertFalse(channels.whatsapp_assignee_id)

    def test_assigned_on_coming_online_and_on_a_freed_slot(self):
        self.bilheteria.capacity = 1
        channels = self.conversations(2)
        self.run_assignment()
        self.assertFalse(channels.whatsapp_assignee_id, "nobody online")
        self.env.cr.postcommit.data.pop(ASSIGN_AFTER_COMMIT, None)
        self.set_online(self.bia)
        self.assertEqual(self.env.cr.postcommit.data.get(ASSIGN_AFTER_COMMIT), {self.bilheteria.id},
                         "coming online asks for an assignment, once the transaction has committed")
        self.run_assignment()
        self.assertEqual(channels[0].whatsapp_assignee_id, self.bia)
        self.assertFalse(channels[1].whatsapp_assignee_id)
        channels[0].with_user(self.bia).action_whatsapp_close(farewell=False)
        self.run_assignment()
        self.assertEqual(channels[1].whatsapp_assignee_id, self.bia, "the freed slot is used")

    def test_auto_release_goes_back_through_assignment(self):
        self.set_online(self.bia, self.bruno)
        channel = self.conversations(1)
        with freeze_time(TUESDAY_AFTERNOON):
            self.run_assignment()
        first = channel.whatsapp_assignee_id
        with freeze_time(TUESDAY_AFTERNOON + timedelta(minutes=45)):
            self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_release_idle()
            self.assertFalse(channel.whatsapp_assignee_id)
            self.run_assignment()
        self.assertTrue(channel.whatsapp_assignee_id)
        self.assertNotEqual(channel.whatsapp_assignee_id, first, "round robin moves on")

    def test_manual_mode_assigns_nothing(self):
        self.bilheteria.assignment_mode = "manual"
        self.set_online(self.bia)
        channels = self.conversations(1)
        self.run_assignment()
        self.assertFalse(channels.whatsapp_assignee_id)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestDepartmentQueues(DepartmentCase):

    def routed(self, department_position, wa_id):
        with freeze_time(TUESDAY_AFTERNOON):
            customer, channel = self.first_contact(wa_id=wa_id, name=f"Cliente {wa_id[-2:]}")
            customer.text(str(department_position))
            self.process_inbox()
        return channel

    def test_attendants_see_and_take_only_their_departments(self):
        box_office = self.routed(1, "5511900000001")
        education = self.routed(2, "5511900000002")
        queue = self.env["discuss.channel"].with_user(self.bia).whatsapp_queue_fetch("unassigned")
        self.assertIn(box_office.id, queue["channel_ids"])
        self.assertNotIn(education.id, queue["channel_ids"])
        self.assertEqual(queue["counts"]["unassigned"], 1)
        with self.assertRaisesRegex(AccessError, "Educativo"):
            education.with_user(self.bia).action_whatsapp_take()
        manager_queue = self.env["discuss.channel"].with_user(self.manager).whatsapp_queue_fetch("unassigned")
        self.assertEqual(manager_queue["counts"]["unassigned"], 2, "managers see every queue")
        education.with_user(self.manager).action_whatsapp_take()

    def test_transfer_to_a_department_returns_to_its_queue(self):
        channel = self.routed(1, "5511900000003")
        channel.with_user(self.bia).action_whatsapp_take()
        self.assertIn({"id": self.educativo.id, "name": "Educativo"},
                      channel.with_user(self.bia).whatsapp_transfer_departments())
        channel.with_user(self.bia).action_whatsapp_transfer_department(self.educativo.id, note="Escola")
        self.assertEqual(channel.whatsapp_department_id, self.educativo)
        self.assertFalse(channel.whatsapp_assignee_id)
        self.assertNotIn(self.bia.partner_id, channel.channel_member_ids.partner_id)
        self.assertIn("Bia Bilheteria transferred the conversation to Educativo.", channel.message_ids[0].body)
        channel.with_user(self.edu).action_whatsapp_take()
        self.assertEqual(channel.whatsapp_assignee_id, self.edu)

    def test_department_attendants_for_notifications(self):
        channel = self.routed(2, "5511900000004")
        self.assertEqual(channel._whatsapp_department_attendants(), self.edu)
        self.assertEqual(channel._whatsapp_department_name(), "Educativo")
        self.set_online(self.bia, self.bruno, self.edu)
        self.assertEqual(channel._whatsapp_push_recipients(), self.edu,
                         "only the department's attendants are alerted of its unassigned conversations")
        self.assertEqual(channel.with_user(self.bia).whatsapp_attention_counts()["unassigned"], 0)
        self.assertEqual(channel.with_user(self.edu).whatsapp_attention_counts()["unassigned"], 1)

    def test_nobody_is_alerted_while_the_customer_chooses(self):
        with freeze_time(TUESDAY_AFTERNOON):
            _maria, channel = self.first_contact()
        self.set_online(self.bia, self.bruno, self.edu)
        self.assertEqual(channel.whatsapp_routing_state, "menu")
        self.assertFalse(channel._whatsapp_push_recipients())
