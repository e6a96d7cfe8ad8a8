"""The reports in a browser, opened from the WhatsApp menu."""
from odoo.tests import tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiReports(AttendanceCase):
    # The WhatsApp app has 11 menu sections. The navbar measures them when it renders (again only on
    # a resize or a new systray item) and moves those that do not fit under "More", where the tour's
    # "Monitoring" and "Reports" steps cannot see them: at 1024 px it fails there every time, at the
    # default 1366 px it depends on the measure (systray items, fonts). 1920 px leaves room for all.
    browser_size = "1920x1080"

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

    def test_response_times_open_before_any_conversation(self):
        """A new installation: the pivot of medians and 90th percentiles opens empty, without an error
        (sample data, computed in the browser, knows neither)."""
        admin = self.env.ref("base.user_admin")
        admin.group_ids |= self.env.ref("whatsapp_crm.group_whatsapp_manager")
        self.assertFalse(self.env["whatsapp.report.conversation"].search_count([]))
        self.browser_js("/odoo/action-whatsapp_crm.whatsapp_report_response_action", "console.log('test successful')",
                        ready="!!document.querySelector('.o_view_nocontent, .o_pivot table')", login="admin")
