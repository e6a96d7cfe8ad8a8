"""Data subject requests ("Solicitação do titular"): 15-day deadline and the late list; finding a
person by phone (privacy_lookup extended, masked in its log); an audit log without personal data."""
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import CUSTOMER_NAME, CUSTOMER_WA_ID, LgpdCase


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestRequests(LgpdCase):

    def setUp(self):
        super().setUp()
        self.customer(CUSTOMER_WA_ID, CUSTOMER_NAME).text("Quero meus dados")
        self.process_inbox()
        self.partner = self.partner_by_wa_id(CUSTOMER_WA_ID)

    def new_request(self, received_on, request_type="access"):
        return self.env["whatsapp.lgpd.request"].with_user(self.dpo).create({
            "partner_id": self.partner.id, "request_type": request_type, "received_on": received_on,
            "requester": "A própria titular", "channel": "email"})

    def test_deadline_is_fifteen_days_and_late_ones_are_listed(self):
        today = fields.Date.today()
        late = self.new_request(today - timedelta(days=16))
        due_today = self.new_request(today - timedelta(days=15))
        answered_late = self.new_request(today - timedelta(days=30))
        answered_late.with_user(self.dpo).write({"note": "Respondido por e-mail"})
        answered_late.with_user(self.dpo).action_done()
        self.assertEqual(late.deadline, today - timedelta(days=1))
        self.assertTrue(late.name.startswith("SOL/"))
        self.assertEqual((late.is_late, due_today.is_late, answered_late.is_late), (True, False, False))
        requests = self.env["whatsapp.lgpd.request"].with_user(self.dpo)
        self.assertEqual(requests.search([("is_late", "=", True)]), late)
        self.assertEqual(requests.search([("is_late", "=", False), ("id", "in", (late | due_today).ids)]), due_today)
        self.assertEqual(answered_late.state, "done")
        with self.assertRaisesRegex(UserError, "why"):
            due_today.with_user(self.dpo).action_refuse()
        due_today.with_user(self.dpo).write({"refusal_reason": "Não é o titular"})
        due_today.with_user(self.dpo).action_refuse()
        self.assertEqual(due_today.state, "refused")
        with self.assertRaises(AccessError):
            late.with_user(self.dpo).write({"state": "done"})

    def test_lookup_by_phone_in_any_format_with_a_masked_log(self):
        for typed in ("+55 (11) 96385-2741", "5511963852741", "11 6385-2741 ", "+551163852741"):
            with self.subTest(typed=typed):
                wizard = self.env["privacy.lookup.wizard"].with_user(self.dpo).create({"phone": typed})
                wizard.action_lookup()
                found = {(line.res_model, line.res_id) for line in wizard.line_ids}
                self.assertIn(("res.partner", self.partner.id), found)
                self.assertIn(("discuss.channel", self.conversation_of(self.partner).id), found)
                self.assertTrue({model for model, _id in found} >= {"mail.message", "whatsapp.inbox"})
        # Its log keeps the number masked, never in clear (Odoo's own log would store it verbatim).
        line = wizard.line_ids.filtered(lambda line: line.res_model == "whatsapp.consent.event")
        line.with_user(self.dpo).execution_details = "Checked"
        self.assertEqual(wizard.execution_details, "Checked")
        log = wizard.log_id
        self.assertTrue(log)
        self.assertEqual(log.anonymized_phone, "+55 11 ******41")
        for value in (log.anonymized_phone, log.anonymized_email, log.anonymized_name):
            self.assertNotIn("63852741", value.replace(" ", "").replace("-", ""))
        # Odoo's e-mail lookup still works; the DPO finds but does not delete (administrators do).
        self.partner.email = "joana@example.com"
        wizard = self.env["privacy.lookup.wizard"].with_user(self.dpo).create({
            "email": "joana@example.com", "name": CUSTOMER_NAME, "phone": CUSTOMER_WA_ID})
        wizard.action_lookup()
        partner_lines = wizard.line_ids.filtered(lambda line: line.res_model == "res.partner")
        self.assertEqual(partner_lines.mapped("res_id"), [self.partner.id], "found once, by both")
        with self.assertRaises(AccessError):
            partner_lines.with_user(self.dpo).action_unlink()
        with self.assertRaisesRegex(UserError, "e-mail address or a phone"):
            self.env["privacy.lookup.wizard"].with_user(self.dpo).create({}).action_lookup()
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["privacy.lookup.wizard"].with_user(user).create({"phone": CUSTOMER_WA_ID})

    def test_audit_log_has_no_personal_data_and_nobody_edits_it(self):
        self.env["privacy.lookup.wizard"].with_user(self.dpo).create({"phone": CUSTOMER_WA_ID}).action_lookup()
        self.export_as_dpo(self.partner)
        self.partner.with_user(self.dpo).write({"whatsapp_lgpd_hold_reason": "Processo 1"})
        self.customer(CUSTOMER_WA_ID, CUSTOMER_NAME).text("PARAR")
        self.process_inbox()
        entries = self.env["whatsapp.lgpd.audit"].search([])
        self.assertTrue({"lookup", "export_built", "hold_set", "consent_changed", "request_created"}
                        <= set(entries.mapped("action")))
        self.assertTrue(all(entry.operator_id for entry in entries))
        needles = self.forbidden_needles()
        for entry in entries:
            for value in (entry.details or "", entry.display_name):
                for needle in needles:
                    self.assertNotIn(needle, value)
        with self.assertRaises(AccessError):
            entries[:1].with_user(self.dpo).write({"details": "x"})
        with self.assertRaises(AccessError):
            entries[:1].with_user(self.dpo).unlink()
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["whatsapp.lgpd.audit"].with_user(user).search([])
        self.assertTrue(self.env["whatsapp.lgpd.audit"].with_user(self.dpo).search([]))

    def test_menus_by_role(self):
        menus = self.env["ir.ui.menu"]
        requests_menu = self.env.ref("whatsapp_crm_lgpd.whatsapp_lgpd_menu_requests")
        audit_menu = self.env.ref("whatsapp_crm_lgpd.whatsapp_lgpd_menu_audit")
        visible = {user: menus.with_user(user)._visible_menu_ids() for user in (self.dpo, self.manager, self.attendant)}
        self.assertTrue({audit_menu.id, requests_menu.id} <= visible[self.dpo])
        self.assertIn(self.env.ref("whatsapp_crm.whatsapp_menu_root").id, visible[self.dpo], "the DPO opens the app")
        self.assertIn(requests_menu.id, visible[self.manager])
        self.assertNotIn(audit_menu.id, visible[self.manager])
        self.assertNotIn(requests_menu.id, visible[self.attendant])
