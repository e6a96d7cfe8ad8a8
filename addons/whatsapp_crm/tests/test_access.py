from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestAccess(WhatsAppCase):
    """Who sees what: attendants share every conversation; employees see none; secrets are admins'."""

    def setUp(self):
        super().setUp()
        self.customer().text("Olá")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))

    def test_attendant_reads_every_conversation_even_without_membership(self):
        self.channel.channel_member_ids.filtered(lambda m: m.partner_id == self.attendant.partner_id).unlink()
        channels = self.env["discuss.channel"].with_user(self.attendant).search([("channel_type", "=", "whatsapp")])
        self.assertIn(self.channel, channels)
        self.assertTrue(self.channel.with_user(self.attendant).message_ids)

    def test_employee_sees_no_conversation(self):
        channels = self.env["discuss.channel"].with_user(self.employee).search([("channel_type", "=", "whatsapp")])
        self.assertFalse(channels)
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).read(["name"])
        with self.assertRaises(AccessError):
            self.env["whatsapp.message"].with_user(self.employee).search([])

    def test_secrets_are_for_admins_only(self):
        for user in (self.attendant, self.manager):
            account = self.account.with_user(user)
            self.assertEqual(account.name, "Filarmônica")
            with self.assertRaises(AccessError):
                account.read(["access_token"])
            with self.assertRaises(AccessError):
                account.read(["app_secret"])
            with self.assertRaises(AccessError):
                account.write({"name": "renamed"})
        self.assertEqual(self.account.with_user(self.env.ref("base.user_admin")).app_secret, "test-app-secret")

    def test_inbox_is_for_admins_only(self):
        with self.assertRaises(AccessError):
            self.env["whatsapp.inbox"].with_user(self.manager).search([])

    def test_processing_user_is_not_a_superuser(self):
        user = self.processing_user
        self.assertFalse(user._is_superuser())
        self.assertFalse(user.has_group("base.group_system"))
        self.assertFalse(user.has_group("base.group_erp_manager"))
        self.env.cr.execute("SELECT password FROM res_users WHERE id = %s", [user.id])
        self.assertFalse(self.env.cr.fetchone()[0], "no password: nobody can log in as it")

    def test_neutralize_removes_every_secret(self):
        self.env.cr.execute(open(__file__.replace("tests/test_access.py", "data/neutralize.sql")).read())
        self.account.invalidate_recordset()
        account = self.account.with_context(active_test=False)
        self.assertEqual((account.access_token, account.app_secret, account.verify_token, account.active),
                         (False, False, False, False))
