import base64
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestQuickReply(AttendanceCase):
    """Discuss's canned responses as quick replies: scope, variables filled per conversation and
    time zone, files attached."""

    def setUp(self):
        super().setUp()
        self.maria, _delivery, self.channel = self.open_conversation()
        self.env.company.partner_id.tz = "America/Sao_Paulo"  # UTC-3, no daylight saving since 2019
        self.response = self.env["mail.canned.response"].with_user(self.manager).create({
            "source": "oi",
            "substitution": "{{saudacao}}, {{primeiro_nome}}! Sou {{atendente}}, protocolo {{protocolo}}.{{setor}}",
            "whatsapp_scope": "everyone",
        })

    def render(self, response=None, user=None):
        return self.channel.with_user(user or self.attendant).whatsapp_render_quick_reply(
            (response or self.response).id)

    def test_variables_filled_for_the_conversation(self):
        with freeze_time(datetime(2026, 12, 1, 12, 0)):  # 09:00 in São Paulo
            text = self.render()["text"]
        self.assertEqual(text, f"Good morning, Maria! Sou Ana Atendente, protocolo {self.channel.whatsapp_protocol}.")
        self.assertRegex(self.channel.whatsapp_protocol, r"^\d{4}-\d{6}$")

    def test_greeting_follows_the_company_time_zone(self):
        greetings = {}
        for utc_hour in (11, 16, 21, 2):
            with freeze_time(datetime(2026, 12, 1, utc_hour, 0)):
                greetings[utc_hour] = self.render()["text"].split(",")[0]
        # 08:00, 13:00, 18:00 and 23:00 in São Paulo (the company's language is English here)
        self.assertEqual(greetings, {11: "Good morning", 16: "Good afternoon", 21: "Good evening",
                                     2: "Good evening"})
        self.env.company.partner_id.tz = "Asia/Tokyo"  # 21:00 UTC is 06:00 in Tokyo
        with freeze_time(datetime(2026, 12, 1, 21, 0)):
            self.assertTrue(self.render()["text"].startswith("Good morning"))

    def test_greeting_in_the_companys_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env.company.partner_id.lang = "pt_BR"
        self.env["ir.module.module"]._load_module_terms(["whatsapp_crm"], ["pt_BR"], overwrite=True)
        with freeze_time(datetime(2026, 12, 1, 16, 0)):
            self.assertTrue(self.render()["text"].startswith("Boa tarde, Maria!"))

    def test_personal_quick_reply_is_its_authors_only(self):
        bruno = new_test_user(self.env, "bruno", groups="whatsapp_crm.group_whatsapp_attendant", name="Bruno")
        mine = self.env["mail.canned.response"].with_user(self.attendant).create({
            "source": "meu", "substitution": "Abraço, {{atendente}}", "whatsapp_scope": "personal"})
        self.assertFalse(mine.group_ids)
        self.assertEqual(self.render(mine)["text"], "Abraço, Ana Atendente")
        with self.assertRaises(AccessError):
            self.render(mine, user=bruno)
        self.assertEqual(self.render(user=bruno)["text"].split("Sou ")[1][:5], "Bruno", "shared ones are for all")
        self.assertEqual(self.response.group_ids, self.env.ref("whatsapp_crm.group_whatsapp_attendant"))

    def test_files_are_copied_as_the_attendants_uploads(self):
        attachment = self.env["ir.attachment"].with_user(self.manager).create({
            "name": "programa.pdf", "raw": b"%PDF-1.4 programa", "mimetype": "application/pdf",
            "res_model": "mail.canned.response", "res_id": 0})
        self.response.whatsapp_attachment_ids = attachment
        self.assertEqual(attachment.res_id, self.response.id, "the file belongs to the quick reply")
        result = self.render()
        [copy_id] = result["attachment_ids"]
        copy = self.env["ir.attachment"].browse(copy_id)
        self.assertNotEqual(copy, attachment)
        self.assertEqual((copy.name, copy.raw, copy.res_model), ("programa.pdf", b"%PDF-1.4 programa",
                                                                 "mail.compose.message"))
        store_attachment = next(item for item in result["store_data"]["ir.attachment"] if item["id"] == copy_id)
        self.assertTrue(store_attachment["ownership_token"], "the composer can post it as its own upload")
        self.assertTrue(copy.with_user(self.attendant)._has_attachments_ownership(
            [store_attachment["ownership_token"]]))
        self.assertEqual(base64.b64decode(copy.datas), b"%PDF-1.4 programa")

    def test_only_attendants(self):
        with self.assertRaises(AccessError):
            self.render(user=self.employee)
