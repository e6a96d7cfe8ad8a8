from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .attendance_common import AttendanceCase

# Tuesday 1 December 2026, 13:00 UTC. Every figure below is computed by hand from these moments.
T0 = datetime(2026, 12, 1, 13, 0)
NOW = T0 + timedelta(minutes=60)


def minutes(count):
    return T0 + timedelta(minutes=count)


class ReportCase(AttendanceCase):
    """A seeded morning of work, built through the product's own actions:

    - Maria writes at T0 and sends a photo at T0+1; Ana takes it at T0+2, answers at T0+10 and
      T0+12 and closes it "Resolved" at T0+30 (the farewell is sent);
    - João writes at T0+5; Ana takes it at T0+6 and transfers it to Bruno at T0+7, who answers at T0+35;
    - Carla wrote at T0-26h (her 24 h window closed); Bruno takes it at T0, forgets it, and it
      returns to the queue automatically at T0+31; Ana takes it at T0+40 and can only send a
      template (T0+41);
    - Pedro writes at T0+50 and nobody has taken it yet at T0+60 (NOW).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bruno = new_test_user(cls.env, "bruno", groups="whatsapp_crm.group_whatsapp_attendant",
                                  name="Bruno Atendente")
        brazil = cls.env.ref("base.br")
        cls.env["whatsapp.pricing.rate"].create([
            {"category": "utility", "country_id": brazil.id, "price": 0.008, "date_from": "2025-07-01"},
            {"category": "service", "price": 0.0, "date_from": "2025-07-01"},
        ])

    def setUp(self):
        super().setUp()
        self.sandbox.state.add_template("lembrete", category="UTILITY", body="Olá {{1}}, podemos continuar?")
        self.env["whatsapp.template"]._whatsapp_sync_account(self.account)
        self.resolved = self.env.ref("whatsapp_crm.whatsapp_close_reason_resolved")
        with freeze_time(T0 - timedelta(hours=26)):
            _carla, _delivery, self.carla = self.open_conversation("Bom dia", wa_id="5521911112222", name="Carla")
        with freeze_time(T0):
            maria, _delivery, self.maria = self.open_conversation("Olá", wa_id="5511987654321", name="Maria")
            self.carla.with_user(self.bruno).action_whatsapp_take()
        with freeze_time(minutes(1)):
            maria.image(caption="O comprovante")
            self.process_inbox()
        with freeze_time(minutes(2)):
            self.maria.with_user(self.attendant).action_whatsapp_take()
        with freeze_time(minutes(5)):
            _joao, _delivery, self.joao = self.open_conversation("Oi", wa_id="5531933334444", name="João")
        with freeze_time(minutes(6)):
            self.joao.with_user(self.attendant).action_whatsapp_take()
        with freeze_time(minutes(7)):
            self.joao.with_user(self.attendant).action_whatsapp_transfer(self.bruno.id)
        with freeze_time(minutes(10)):
            self.attendant_writes(self.maria, "Recebi, obrigada!")
        with freeze_time(minutes(12)):
            self.attendant_writes(self.maria, "Já está tudo certo.")
        with freeze_time(minutes(30)):
            self.maria.with_user(self.attendant).action_whatsapp_close(reason_id=self.resolved.id)
        with freeze_time(minutes(31)):
            self.env["discuss.channel"].with_user(self.processing_user)._whatsapp_release_idle()
        with freeze_time(minutes(35)):
            self.attendant_writes(self.joao, "Olá João, em que posso ajudar?", user=self.bruno)
        with freeze_time(minutes(40)):
            self.carla.with_user(self.attendant).action_whatsapp_take()
        with freeze_time(minutes(41)):
            template = self.env["whatsapp.template"].search([("name", "=", "lembrete")])
            self.carla.with_user(self.attendant).whatsapp_send_template(template.id, {"body.1": "Carla"})
        with freeze_time(minutes(50)):
            _pedro, _delivery, self.pedro = self.open_conversation("Alguém aí?", wa_id="5541955556666", name="Pedro")
        with freeze_time(NOW):
            self.send_outgoing()

    def report(self, model, groupby, measures, user=None, domain=()):
        """``{group: {measure: value}}`` as the pivot reads it, at NOW (in a request of its own: after
        the work was written)."""
        self.env.flush_all()
        with freeze_time(NOW):
            rows = self.env[model].with_user(user or self.manager).formatted_read_group(
                list(domain), groupby, measures)
        result = {}
        for row in rows:
            key = tuple(row[name][0] if isinstance(row[name], tuple) else row[name] for name in groupby)
            result[key[0] if len(key) == 1 else key] = {measure: row[measure] for measure in measures}
        return result


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestConversationReport(ReportCase):

    def test_service_records_follow_what_happened(self):
        records = self.env["whatsapp.service.record"].search([], order="opened_at")
        by_channel = {record.channel_id: record for record in records}
        self.assertEqual(len(records), 4)
        maria = by_channel[self.maria]
        self.assertEqual(
            (maria.opened_at, maria.first_response_at, maria.closed_at, maria.outcome, maria.close_reason_id,
             maria.attendant_id, maria.first_attendant_id, maria.answered_in_window),
            (T0, minutes(10), minutes(30), "closed", self.resolved, self.attendant, self.attendant, True))
        self.assertEqual((maria.messages_in, maria.media_in, maria.messages_out, maria.media_out,
                          maria.templates_sent, maria.transfer_count, maria.auto_release_count),
                         (2, 1, 3, 0, 0, 0, 0), "two replies and the farewell")
        self.assertAlmostEqual(maria.first_response_hours, 10 / 60)
        self.assertAlmostEqual(maria.close_hours, 0.5)
        joao = by_channel[self.joao]
        self.assertEqual((joao.attendant_id, joao.first_attendant_id, joao.first_response_at, joao.transfer_count,
                          joao.outcome, joao.messages_in, joao.messages_out), (self.bruno, self.bruno, minutes(35), 1,
                                                                               "open", 1, 1))
        carla = by_channel[self.carla]
        self.assertEqual((carla.opened_at, carla.first_response_at, carla.answered_in_window, carla.templates_sent,
                          carla.auto_release_count, carla.attendant_id),
                         (T0 - timedelta(hours=26), minutes(41), False, 1, 1, self.attendant))
        self.assertAlmostEqual(carla.first_response_hours, 26 + 41 / 60)
        pedro = by_channel[self.pedro]
        self.assertEqual((pedro.first_response_at, pedro.attendant_id, pedro.messages_in), (False, self.env["res.users"], 1))
        events = self.env["whatsapp.service.event"].search([], order="at, id")
        self.assertEqual([(event.kind, event.attendant_id.name, event.target_id.name) for event in events], [
            ("taken", "Bruno Atendente", False),
            ("taken", "Ana Atendente", False),
            ("taken", "Ana Atendente", False),
            ("transferred", "Ana Atendente", "Bruno Atendente"),
            ("auto_released", "Bruno Atendente", False),
            ("taken", "Ana Atendente", False),
        ])

    def test_first_answer_average_median_and_90th_percentile(self):
        fast, middle, slow = 10 / 60, 35 / 60 - 5 / 60, 26 + 41 / 60
        overall = self.report("whatsapp.report.conversation", [], [
            "__count", "answered:sum", "first_response_hours:avg", "first_response_median:median",
            "first_response_p90:p90", "close_hours:avg", "answered_in_window:sum", "needed_template:sum",
            "messages_in:sum", "messages_out:sum", "media_in:sum", "templates_sent:sum", "transfer_count:sum",
            "auto_release_count:sum"])[()]
        self.assertEqual((overall["__count"], overall["answered:sum"], overall["answered_in_window:sum"],
                          overall["needed_template:sum"]), (4, 3, 2, 1))
        self.assertAlmostEqual(overall["first_response_hours:avg"], (fast + middle + slow) / 3)
        self.assertAlmostEqual(overall["first_response_median:median"], middle)
        # PostgreSQL's percentile_cont: 90 % of the way between the 2nd and 3rd of 3 sorted values.
        self.assertAlmostEqual(overall["first_response_p90:p90"], middle + 0.8 * (slow - middle))
        self.assertAlmostEqual(overall["close_hours:avg"], 0.5, msg="only Maria's is closed")
        self.assertEqual((overall["messages_in:sum"], overall["messages_out:sum"], overall["media_in:sum"],
                          overall["templates_sent:sum"], overall["transfer_count:sum"],
                          overall["auto_release_count:sum"]), (5, 5, 1, 1, 1, 1))
        per_first = self.report("whatsapp.report.conversation", ["first_attendant_id"], [
            "__count", "first_response_median:median"])
        self.assertEqual(set(per_first), {self.attendant.id, self.bruno.id, False})
        self.assertEqual(per_first[self.attendant.id]["__count"], 2)
        self.assertAlmostEqual(per_first[self.attendant.id]["first_response_median:median"], (fast + slow) / 2)
        self.assertAlmostEqual(per_first[self.bruno.id]["first_response_median:median"], middle)
        self.assertEqual(per_first[False]["__count"], 1, "Pedro, not answered")

    def test_volume_per_attendant_hour_and_weekday(self):
        per_attendant = self.report("whatsapp.report.conversation", ["attendant_id"], ["__count"])
        self.assertEqual({key: value["__count"] for key, value in per_attendant.items()},
                         {self.attendant.id: 2, self.bruno.id: 1, False: 1})
        self.env.user.tz = self.manager.tz = "UTC"
        per_hour = self.report("whatsapp.report.conversation", ["opened_at:hour_number"], ["__count"])
        self.assertEqual({key: value["__count"] for key, value in per_hour.items()}, {11: 1, 13: 4 - 1})
        per_day = self.report("whatsapp.report.conversation", ["opened_at:day_of_week"], ["__count"])
        self.assertEqual({key: value["__count"] for key, value in per_day.items()}, {1: 1, 2: 3},
                         "Monday 30 November (Carla), Tuesday 1 December")

    def test_waiting_now_and_oldest_wait(self):
        waiting = self.report("whatsapp.report.conversation", [], ["waiting_count:sum", "wait_hours:max"])[()]
        self.assertEqual(waiting["waiting_count:sum"], 1, "Pedro; João and Carla were answered last")
        self.assertAlmostEqual(waiting["wait_hours:max"], 10 / 60)

    def test_automatic_returns_and_transfers_per_attendant(self):
        events = self.report("whatsapp.service.event", ["attendant_id", "kind"], ["__count"])
        self.assertEqual(events[(self.bruno.id, "auto_released")]["__count"], 1)
        self.assertEqual(events[(self.attendant.id, "transferred")]["__count"], 1)
        self.assertNotIn((self.attendant.id, "auto_released"), events)

    def test_attendants_see_only_their_own_figures(self):
        mine = self.env["whatsapp.report.conversation"].with_user(self.attendant).search([])
        self.assertEqual(mine.channel_id, self.maria | self.carla)
        self.assertEqual(self.env["whatsapp.report.conversation"].with_user(self.bruno).search([]).channel_id,
                         self.joao)
        self.assertEqual(len(self.env["whatsapp.report.conversation"].with_user(self.manager).search([])), 4)
        self.assertEqual(self.env["whatsapp.service.event"].with_user(self.bruno).search([]).mapped("kind"),
                         ["auto_released", "taken"])
        with self.assertRaises(AccessError):
            self.env["whatsapp.report.cost"].with_user(self.attendant).search([])
        with self.assertRaises(AccessError):
            self.env["whatsapp.health"].with_user(self.manager).search([])


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestCostReport(ReportCase):

    def test_cost_per_category_attendant_template_and_month(self):
        per_category = self.report("whatsapp.report.cost", ["category"], ["message_count:sum", "estimated_cost:sum"])
        self.assertEqual(set(per_category), {"service", "utility"})
        self.assertEqual(per_category["service"]["message_count:sum"], 4, "Maria's 2 replies + farewell, João's")
        self.assertEqual(per_category["service"]["estimated_cost:sum"], 0.0)
        self.assertEqual(per_category["utility"]["message_count:sum"], 1)
        self.assertAlmostEqual(per_category["utility"]["estimated_cost:sum"], 0.008)
        per_attendant = self.report("whatsapp.report.cost", ["attendant_id"], ["message_count:sum",
                                                                                "estimated_cost:sum"])
        self.assertEqual({key: value["message_count:sum"] for key, value in per_attendant.items()},
                         {self.attendant.id: 4, self.bruno.id: 1})
        self.assertAlmostEqual(per_attendant[self.attendant.id]["estimated_cost:sum"], 0.008)
        per_template = self.report("whatsapp.report.cost", ["template_id"], ["estimated_cost:sum"])
        template = self.env["whatsapp.template"].search([("name", "=", "lembrete")])
        self.assertEqual(set(per_template), {template.id, False})
        self.assertAlmostEqual(per_template[template.id]["estimated_cost:sum"], 0.008)
        per_month = self.report("whatsapp.report.cost", ["date:month"], ["estimated_cost:sum"])
        self.assertEqual(list(per_month), ["2026-12-01"])
        self.assertAlmostEqual(per_month["2026-12-01"]["estimated_cost:sum"], 0.008)

    def test_cost_lines_fold_and_stay_exact(self):
        """The report sums a few lines per day, not the messages; folding them changes no figure,
        and a message failing afterwards takes its cost back."""
        measures = ["message_count:sum", "estimated_cost:sum"]
        before = self.report("whatsapp.report.cost", ["attendant_id", "category"], measures)
        self.env.flush_all()
        lines = self.env["whatsapp.report.cost.line"]
        lines._cron_compact()
        folded = lines.search([])
        # All on 1 December, to Brazil: Ana's service messages (Maria's 2 replies and farewell), Ana's
        # utility template (Carla), Bruno's service message (João).
        self.assertEqual(sorted((line.attendant_id.name, line.category, line.message_count) for line in folded),
                         [("Ana Atendente", "service", 3), ("Ana Atendente", "utility", 1),
                          ("Bruno Atendente", "service", 1)])
        self.assertTrue(all(folded.mapped("compacted")))
        self.assertEqual(self.report("whatsapp.report.cost", ["attendant_id", "category"], measures), before)
        template_message = self.env["whatsapp.message"].search([("message_type", "=", "template")])
        template_message._set_failed(131026, "unknown", "Message undeliverable")
        self.env.flush_all()
        after = self.report("whatsapp.report.cost", ["category"], measures)
        self.assertEqual(set(after), {"service"})
        self.assertEqual(after["service"]["message_count:sum"], 4)
