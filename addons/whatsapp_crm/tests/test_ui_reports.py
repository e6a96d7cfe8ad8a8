"""The reports in a browser, opened from the WhatsApp menu."""
from odoo.tests import tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiReports(AttendanceCase):

    def test_manager_opens_the_reports_and_the_health_of_a_number(self):
        _maria, _delivery, channel = self.open_conversation("Preciso de ajuda")
        channel.with_user(self.attendant).action_whatsapp_take()
        self.attendant_writes(channel, "Claro, em que posso ajudar?")
        self.send_outgoing()
        admin = self.env.ref("base.user_admin")
        admin.group_ids |= self.env.ref("whatsapp_crm.group_whatsapp_manager")
        action = self.env.ref("whatsapp_crm.whatsapp_health_action_open").with_user(admin).run()
        self.assertEqual(action["res_model"], "whatsapp.health")
        self.assertEqual(self.env["whatsapp.health"].with_user(admin).search([]).account_id, self.account)
        self.start_tour("/odoo/action-whatsapp_crm.whatsapp_report_response_action",
                        "whatsapp_crm_reports_tour", login="admin")
        health = self.env["whatsapp.health"].search([("account_id", "=", self.account.id)])
        self.assertEqual((health.quality_rating, health.messaging_limit_tier), ("GREEN", "TIER_1K"))
