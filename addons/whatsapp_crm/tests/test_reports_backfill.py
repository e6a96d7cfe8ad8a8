import importlib.util
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools.misc import file_path

from .test_reports import T0, ReportCase, minutes


def run_post_migrate():
    """What upgrading the module to 19.0.1.2.0 runs."""
    path = file_path("whatsapp_crm/migrations/19.0.1.2.0/post-migrate.py")
    spec = importlib.util.spec_from_file_location("whatsapp_crm_post_migrate_19_0_1_2_0", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestServiceRecordBackfill(ReportCase):
    """Conversations older than the service records get theirs when the module is upgraded."""

    def forget_the_records(self):
        """The database as it was before 19.0.1.2.0: no records, sent messages without attendant."""
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM whatsapp_service_record")
        self.env.cr.execute("UPDATE whatsapp_message SET attendant_id = NULL, department_id = NULL")
        self.env.invalidate_all()

    def test_upgrade_writes_the_records_of_older_conversations_once(self):
        self.forget_the_records()
        run_post_migrate()(self.env.cr, "19.0.1.1.0")
        records = self.env["whatsapp.service.record"].search([])
        self.assertEqual(len(records), 4)
        by_channel = {record.channel_id: record for record in records}
        fields = ["opened_at", "first_response_at", "closed_at", "outcome", "close_reason_id", "attendant_id",
                  "first_attendant_id", "answered_in_window", "messages_in", "media_in", "messages_out",
                  "templates_sent", "transfer_count", "auto_release_count"]
        no_user = self.env["res.users"]
        expected = {
            # Transfers and automatic returns were not recorded before: 0.
            self.maria: (T0, minutes(10), minutes(30), "closed", self.resolved, self.attendant, self.attendant,
                         True, 2, 1, 3, 0, 0, 0),
            self.joao: (minutes(5), minutes(35), False, "open", self.env["whatsapp.close.reason"], self.bruno,
                        self.bruno, True, 1, 0, 1, 0, 0, 0),
            self.carla: (T0 - timedelta(hours=26), minutes(41), False, "open", self.env["whatsapp.close.reason"],
                         self.attendant, self.attendant, False, 1, 0, 1, 1, 0, 0),
            self.pedro: (minutes(50), False, False, "open", self.env["whatsapp.close.reason"], no_user, no_user,
                         True, 1, 0, 0, 0, 0, 0),
        }
        for channel, values in expected.items():
            self.assertEqual(tuple(by_channel[channel][name] for name in fields), values, channel.name)
        self.assertAlmostEqual(by_channel[self.carla].first_response_hours, 26 + 41 / 60)
        self.assertAlmostEqual(by_channel[self.maria].close_hours, 0.5)
        self.assertAlmostEqual(by_channel[self.maria].close_business_hours, 0.5, msg="no department: every hour")
        # The cost report finds the attendants of the messages sent before.
        per_attendant = self.report("whatsapp.report.cost", ["attendant_id"], ["message_count:sum"])
        self.assertEqual({key: value["message_count:sum"] for key, value in per_attendant.items()},
                         {self.attendant.id: 4, self.bruno.id: 1})
        # Once is enough: a second run (or the next upgrade) adds nothing and changes nothing.
        before = records.read(fields)
        self.assertFalse(self.env["whatsapp.service.record"]._whatsapp_backfill())
        self.assertEqual(self.env["whatsapp.service.record"].search_count([]), 4)
        records.invalidate_recordset()
        self.assertEqual(records.read(fields), before)

    def test_only_the_conversations_without_a_record(self):
        maria_record = self.env["whatsapp.service.record"].search([("channel_id", "=", self.maria.id)])
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM whatsapp_service_record WHERE channel_id != %s", [self.maria.id])
        self.env.invalidate_all()
        created = self.env["whatsapp.service.record"]._whatsapp_backfill()
        self.assertEqual(created.channel_id, self.joao | self.carla | self.pedro)
        self.assertTrue(maria_record.exists(), "the record written as things happened stays")
