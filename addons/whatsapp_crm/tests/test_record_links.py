from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestRecordLinks(AttendanceCase):
    """From a conversation to Odoo's records: contact, opportunity (CRM optional), follow-up, PDF."""

    def setUp(self):
        super().setUp()
        self.maria, _delivery, self.channel = self.open_conversation()
        self.customer_partner = self.channel.whatsapp_partner_id

    def test_contact(self):
        action = self.channel.with_user(self.attendant).action_whatsapp_open_contact()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.customer_partner.id))
        with self.assertRaises(AccessError):
            self.channel.with_user(self.employee).action_whatsapp_open_contact()

    def test_opportunity_only_with_crm(self):
        if "crm.lead" in self.env:
            action = self.channel.with_user(self.attendant).action_whatsapp_new_lead()
            self.assertEqual(action["context"]["default_partner_id"], self.customer_partner.id)
            self.assertIn(self.channel.whatsapp_protocol, action["context"]["default_description"])
        else:
            with self.assertRaisesRegex(UserError, "Install the CRM app"):
                self.channel.with_user(self.attendant).action_whatsapp_new_lead()
        store = Store()
        self.attendant.with_user(self.attendant)._init_store_data(store)
        self.assertEqual(store.get_result()["Store"]["whatsappHasCrm"], "crm.lead" in self.env)

    def test_follow_up_activity_on_the_contact(self):
        action = self.channel.with_user(self.attendant).action_whatsapp_schedule_activity()
        activity = self.env["mail.activity"].browse(action["res_id"])
        self.assertEqual((activity.res_model, activity.res_id), ("res.partner", self.customer_partner.id))
        self.assertEqual(activity.user_id, self.attendant)
        self.assertIn(self.channel.whatsapp_protocol, activity.summary)
        self.assertIn(f"discuss.channel_{self.channel.id}", activity.note)
        activity.with_user(self.attendant).write({"note": "Ligar para confirmar o reembolso"})
        self.assertIn(activity, self.customer_partner.activity_ids)

    def test_send_a_report_as_a_pdf_message(self):
        self.env["ir.ui.view"].create({
            "name": "whatsapp_crm_test_contact_sheet", "type": "qweb", "key": "whatsapp_crm.test_contact_sheet",
            "arch": '<t t-name="whatsapp_crm.test_contact_sheet"><t t-foreach="docs" t-as="o">'
                    '<p t-out="o.name"/></t></t>'})
        report = self.env["ir.actions.report"].create({
            "name": "Ficha", "model": "res.partner", "report_type": "qweb-pdf",
            "report_name": "whatsapp_crm.test_contact_sheet", "print_report_name": "'Ficha - %s' % object.name"})
        action = self.channel.with_user(self.attendant).action_whatsapp_send_report()
        wizard = self.env["whatsapp.report.send"].with_user(self.attendant).with_context(action["context"]).create({
            "record_ref": f"res.partner,{self.customer_partner.id}"})
        self.assertEqual(wizard.report_id, report, "the document's report is proposed")
        self.assertIn("res.partner", dict(wizard._selection_record_models()))
        # No wkhtmltopdf in tests: Odoo would render HTML. The PDF itself is Odoo's business.
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        with patch.object(type(self.env["ir.actions.report"]), "_render_qweb_pdf", return_value=(pdf, "pdf")):
            wizard.action_send()
        message = self.channel.message_ids[:1]
        self.assertEqual(message.author_id, self.attendant.partner_id)
        self.assertEqual(message.attachment_ids.mapped("name"), ["Ficha - Maria Souza.pdf"])
        self.assertEqual((message.attachment_ids.mimetype, message.attachment_ids.raw), ("application/pdf", pdf))
        self.assertEqual(self.outbound(self.channel).mail_message_id, message,
                         "queued for WhatsApp: the send queue sends it as a document")
        restricted = self.env["ir.actions.report"].create({
            "name": "Interna", "model": "res.partner", "report_type": "qweb-pdf",
            "report_name": "whatsapp_crm.test_contact_sheet",
            "group_ids": [(6, 0, self.env.ref("base.group_system").ids)]})
        wizard = self.env["whatsapp.report.send"].with_user(self.attendant).with_context(action["context"]).create({
            "record_ref": f"res.partner,{self.customer_partner.id}", "report_id": restricted.id})
        with self.assertRaisesRegex(UserError, "Choose a report"):
            wizard.action_send()
