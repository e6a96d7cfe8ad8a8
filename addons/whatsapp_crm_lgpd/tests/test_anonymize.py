"""Anonymisation (Art. 16, 18 IV and VI): double confirmation, DPO only, legal hold, and afterwards
nothing identifying anywhere — database, filestore, S3 — while the statistics stay the same; an
interrupted erasure resumes and finishes; the same number writing again is a new contact."""
import os
from collections import Counter
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools.media_storage import StorageError

from meta_sandbox import webhooks

from .common import (
    CAPTION,
    CUSTOMER_NAME,
    CUSTOMER_WA_ID,
    DOCUMENT_NAME,
    EDITED,
    LOCATION_NAME,
    ORIGINAL,
    REPLY,
    REVOKED,
    TEXTS,
    LgpdCase,
    LgpdS3Case,
)

OTHER_WA_ID = "5521999990000"
OTHER_TEXT = "Mensagem de outra pessoa, que fica"


class AnonymizeAssertions:

    def statistics(self):
        """The figures a manager's report is made of (counts, times, attendants, categories, costs)."""
        self.env.flush_all()
        cr = self.env.cr
        figures = {}
        cr.execute("""SELECT direction, message_type, state, count(*), min(create_date), max(meta_timestamp),
                             count(sent_at), count(delivered_at), count(read_at), count(failed_at),
                             sum(error_code), string_agg(coalesce(pricing->>'category', '-'), ',' ORDER BY id)
                        FROM whatsapp_message GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""")
        figures["messages"] = cr.fetchall()
        cr.execute("""SELECT whatsapp_account_id, whatsapp_assignee_id, count(*), min(create_date)
                        FROM discuss_channel WHERE channel_type = 'whatsapp' GROUP BY 1, 2 ORDER BY 1, 2""")
        figures["conversations"] = cr.fetchall()
        cr.execute("""SELECT author_id, message_type, count(*), min(date), max(date) FROM mail_message
                       WHERE model = 'discuss.channel' GROUP BY 1, 2 ORDER BY 1, 2""")
        figures["discuss"] = cr.fetchall()
        cr.execute("SELECT kind, state, mimetype, sum(file_size), count(*) FROM whatsapp_media GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
        figures["media"] = cr.fetchall()
        cr.execute("SELECT status, count(*), min(meta_timestamp) FROM whatsapp_message_status GROUP BY 1 ORDER BY 1")
        figures["statuses"] = cr.fetchall()
        cr.execute("SELECT count(*) FROM res_partner")
        figures["contacts"] = cr.fetchall()
        return figures

    def s3_objects(self):
        """``{key: bytes}`` of every object in the bucket (other tests' objects included)."""
        client = self.storage()._client
        answer = client.list_objects_v2(Bucket=self.s3.bucket)
        return {item["Key"]: client.get_object(Bucket=self.s3.bucket, Key=item["Key"])["Body"].read()
                for item in answer.get("Contents", [])}

    def s3_keys_of(self, partner):
        media = self.env["whatsapp.media"].search([("message_id.partner_id", "=", partner.id)])
        return {key for item in media for key in (item.storage_key, item.thumbnail_key) if key}

    def assert_nothing_identifying(self, data, files_before, s3_before=None):
        texts = [*TEXTS, CAPTION, REPLY, DOCUMENT_NAME, LOCATION_NAME, "Mensagem pelo número antigo",
                 "comprovante-joana", ORIGINAL, EDITED, REVOKED, "joana.teixeira@", "joana.bt@"]
        needles = self.forbidden_needles(texts=texts)
        found = self.scan_database(needles)
        self.assertFalse(found, f"personal data survived in the database: {found}")
        # The files of the conversation left the filestore.
        for path in files_before:
            self.assertFalse(os.path.exists(path), path)
        if s3_before is not None:
            remaining = self.s3_objects()
            self.assertFalse(set(s3_before) & set(remaining), "the contact's objects are gone from S3")
            for key, content in remaining.items():
                for needle in needles:
                    self.assertNotIn(needle.encode(), content, key)

    def filestore_paths(self, partner):
        channels = self.conversation_of(partner)
        attachments = self.env["ir.attachment"].search([("res_model", "=", "discuss.channel"),
                                                        ("res_id", "in", channels.ids)])
        return [attachment._full_path(attachment.store_fname) for attachment in attachments if attachment.store_fname]


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestAnonymize(AnonymizeAssertions, LgpdCase):

    def test_double_confirmation_and_rights(self):
        partner = self.build_conversation()["partner"]
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).action_whatsapp_lgpd_anonymize()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["whatsapp.lgpd.anonymize.wizard"].with_user(user).create({"partner_id": partner.id})
        wizard = self.env["whatsapp.lgpd.anonymize.wizard"].with_user(self.dpo).create({"partner_id": partner.id})
        self.assertEqual(wizard.expected_name, CUSTOMER_NAME)
        self.assertIn("3 files", wizard.summary)
        with self.assertRaisesRegex(UserError, "cannot be undone"):
            wizard.action_confirm()
        wizard.write({"understood": True, "confirmation": "Joana Teixeira"})
        with self.assertRaisesRegex(UserError, "does not match"):
            wizard.action_confirm()
        self.assertFalse(self.env["whatsapp.lgpd.request"].search([("partner_id", "=", partner.id)]))
        # A manager may ask for it; the DPO runs it from the request.
        partner.with_user(self.manager).action_whatsapp_lgpd_request_anonymization()
        request = self.env["whatsapp.lgpd.request"].search([("partner_id", "=", partner.id)])
        with self.assertRaises(AccessError):
            request.with_user(self.manager).action_start()
        action = request.with_user(self.dpo).action_start()
        wizard = self.env["whatsapp.lgpd.anonymize.wizard"].with_user(self.dpo).with_context(action["context"]).create({
            "understood": True, "confirmation": f"  {CUSTOMER_NAME} "})
        self.assertEqual(wizard.request_id, request)
        wizard.action_confirm()
        self.assertFalse(wizard.confirmation, "the typed name is not kept")
        self.assertEqual(request.job_state, "queued")
        with self.assertRaises(UserError):
            request.with_user(self.dpo).action_cancel()

    def test_nothing_identifying_survives_and_reports_do_not_change(self):
        data = self.build_conversation()
        partner, channel = data["partner"], data["channel"]
        # Another customer in the same batched POST: their data stays.
        other = self.customer(OTHER_WA_ID, "Outra Pessoa").text(OTHER_TEXT, send=False)
        mine = data["customer"].text("Última mensagem, no mesmo POST", send=False)
        self.sandbox.send_batch([other, mine], merge=True)
        self.process_inbox()
        # A lookup and an export leave their own traces: they must go too.
        lookup = self.env["privacy.lookup.wizard"].with_user(self.dpo).create({"phone": "+55 (11) 96385-2741"})
        lookup.action_lookup()
        self.assertIn(partner.id, lookup.line_ids.filtered(lambda line: line.res_model == "res.partner").mapped("res_id"))
        export = self.export_as_dpo(partner)
        export_path = export.export_attachment_id._full_path(export.export_attachment_id.store_fname)
        files_before = self.filestore_paths(partner)
        self.assertEqual(len(files_before), 3, "image, document and voice note in the filestore")
        before = self.statistics()
        # The scan sees the person everywhere before (it would see what the erasure missed).
        found = self.scan_database(self.forbidden_needles(texts=TEXTS))
        for needle, place in ((CUSTOMER_WA_ID, "whatsapp_inbox.raw_body"), (CUSTOMER_WA_ID, "res_partner.whatsapp_wa_id"),
                              (CUSTOMER_WA_ID, "whatsapp_message.wamid"), ("551163852741", "whatsapp_message.payload"),
                              (TEXTS[0], "mail_message.body"), (CUSTOMER_NAME, "discuss_channel.name"),
                              (CUSTOMER_NAME, "privacy_lookup_wizard_line.res_name")):
            self.assertIn(place, found.get(needle, ()), (needle, place))

        request = self.anonymize_as_dpo(partner)

        self.assertEqual((request.job_state, request.state, request.job_progress), ("done", "done", 100))
        self.assertEqual(self.statistics(), before, "reports give the same figures")
        self.assertTrue(partner.whatsapp_lgpd_anonymized)
        self.assertEqual(partner.name, "[Data removed]")
        self.assertFalse(partner.active)
        self.assertEqual(channel.name, "[Data removed]")
        self.assertEqual(channel.whatsapp_status, "closed")
        self.assertEqual(set(channel.message_ids.filtered(lambda m: m.message_type == "comment").mapped("body")),
                         {"<p>[Data removed]</p>"})
        self.assertFalse(channel.message_ids.attachment_ids)
        self.assertFalse(export.export_attachment_id)
        self.assertFalse(os.path.exists(export_path), "the export file is gone too")
        self.assertFalse(lookup.exists(), "the lookup naming the person is gone")
        self.assert_nothing_identifying(data, files_before + [export_path])
        # The other customer keeps everything, including their row of the shared POST.
        self.assertTrue(self.env["mail.message"].search([("body", "like", OTHER_TEXT)]))
        self.assertTrue(self.env["whatsapp.inbox"].search([("raw_body", "like", OTHER_TEXT)]))
        # The log says what happened, with no personal data.
        audit = self.env["whatsapp.lgpd.audit"].search([("partner_id", "=", partner.id)])
        self.assertIn("erasure_done", audit.mapped("action"))
        self.assertEqual(request.job_step, False)
        badge = partner._whatsapp_consent_badge()
        self.assertEqual(badge["status"], "anonymized")

    def test_every_screen_says_dados_removidos_in_portuguese(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["whatsapp_crm_lgpd"], ["pt_BR"])
        self.env.company.partner_id.lang = "pt_BR"
        data = self.build_conversation()
        self.anonymize_as_dpo(data["partner"])
        self.assertEqual(data["partner"].name, "[Dados removidos]")
        self.assertEqual(data["channel"].name, "[Dados removidos]")
        self.assertEqual(set(data["channel"].message_ids.filtered(lambda m: m.message_type == "comment").mapped("body")),
                         {"<p>[Dados removidos]</p>"})
        self.assertEqual(data["partner"].with_context(lang="pt_BR")._whatsapp_consent_badge()["text"], "Anonimizado")

    def test_the_same_number_writing_again_is_a_new_contact(self):
        data = self.build_conversation()
        old_partner, old_channel = data["partner"], data["channel"]
        self.anonymize_as_dpo(old_partner)
        again = self.customer(CUSTOMER_WA_ID, CUSTOMER_NAME).text("Oi de novo")
        self.process_inbox()
        message = self.whatsapp_message(again.wamid)
        self.assertNotEqual(message.partner_id, old_partner)
        self.assertNotEqual(message.channel_id, old_channel)
        self.assertEqual(message.partner_id.whatsapp_consent_event_ids.mapped("source"), ["customer_initiated"])
        self.assertEqual(len(message.channel_id.message_ids.filtered(lambda m: m.message_type == "comment")), 1,
                         "nothing of the old conversation")
        self.assertEqual(old_partner.name, "[Data removed]")

    def test_legal_hold_blocks_with_its_reason(self):
        partner = self.build_conversation()["partner"]
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).write({"whatsapp_lgpd_hold_reason": "x"})
        partner.with_user(self.dpo).write({"whatsapp_lgpd_hold_reason": "Processo 0001234-56.2026",
                                           "whatsapp_lgpd_hold_until": fields.Date.today() + timedelta(days=30)})
        self.assertTrue(partner.whatsapp_lgpd_hold_active)
        with self.assertRaisesRegex(UserError, "Processo 0001234-56.2026"):
            partner.with_user(self.dpo).action_whatsapp_lgpd_anonymize()
        with self.assertRaisesRegex(UserError, "legal hold"):
            self.anonymize_as_dpo(partner)
        self.assertFalse(partner.whatsapp_lgpd_anonymized)
        self.assertIn("hold_set", self.env["whatsapp.lgpd.audit"].search([("partner_id", "=", partner.id)]).mapped("action"))
        # An expired hold no longer blocks; a hold cannot be placed once the erasure runs.
        partner.with_user(self.dpo).write({"whatsapp_lgpd_hold_until": fields.Date.today() - timedelta(days=1)})
        request = self.anonymize_as_dpo(partner, run=False)
        with self.assertRaisesRegex(UserError, "under way"):
            partner.with_user(self.dpo).write({"whatsapp_lgpd_hold_until": fields.Date.today() + timedelta(days=1)})
        self.run_lgpd_jobs()
        self.assertEqual(request.job_state, "done")


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestAnonymizeS3(AnonymizeAssertions, LgpdS3Case):

    def test_s3_objects_go_and_nothing_identifying_survives(self):
        data = self.build_conversation()
        s3_before = self.s3_keys_of(data["partner"])
        self.assertEqual(len(s3_before), 4, "3 files, 1 thumbnail")
        self.assertLessEqual(s3_before, set(self.s3_objects()))
        before = self.statistics()
        request = self.anonymize_as_dpo(data["partner"])
        self.assertEqual(request.job_state, "done")
        self.assertEqual(self.statistics(), before)
        self.assert_nothing_identifying(data, [], s3_before)

    def test_s3_failure_midway_resumes_and_is_never_reported_done_early(self):
        data = self.build_conversation()
        partner = data["partner"]
        s3_before = self.s3_keys_of(partner)
        self.s3.stop()
        request = self.anonymize_as_dpo(partner)
        self.assertEqual(request.job_state, "running", "stopped at the S3 step, not done")
        self.assertIn("S3 purge failed", request.job_error)
        self.assertLess(request.job_progress, 100)
        self.assertIn("WhatsApp Media", request.job_step)
        self.assertFalse(partner.whatsapp_lgpd_anonymized, "not reported anonymised before it is")
        self.assertEqual(partner.name, "[Data removed]", "the identity went first: new messages are a new contact")
        self.assertIn("erasure_failed", self.env["whatsapp.lgpd.audit"].search(
            [("request_id", "=", request.id)]).mapped("action"))
        # Retries keep failing while S3 is down, with backoff, until the DPO is asked to resume.
        for _attempt in range(20):
            request.sudo().job_next_attempt_at = fields.Datetime.now()
            self.run_lgpd_jobs()
            if request.job_state == "failed":
                break
        self.assertEqual(request.job_state, "failed")
        self.s3.restart()
        request.with_user(self.dpo).action_retry()
        self.run_lgpd_jobs()
        self.assertEqual((request.job_state, request.state), ("done", "done"))
        self.assertTrue(partner.whatsapp_lgpd_anonymized)
        self.assert_nothing_identifying(data, [], s3_before)
        with self.assertRaises(StorageError):
            self.storage().get(next(iter(s3_before)))

    def test_crash_between_steps_resumes(self):
        """A step that raises halfway (a crash) is rolled back and done again."""
        data = self.build_conversation()
        request = self.anonymize_as_dpo(data["partner"], run=False)
        original = type(self.env["mail.message"])._lgpd_erase
        calls = Counter()

        def crashing(model, subject, limit):
            calls["crash"] += 1
            if calls["crash"] == 1:
                original(model, subject, limit)
                raise RuntimeError("worker killed")
            return original(model, subject, limit)

        from unittest.mock import patch
        with patch.object(type(self.env["mail.message"]), "_lgpd_erase", crashing):
            self.run_lgpd_jobs()
            self.assertEqual(request.job_error, "RuntimeError")
            request.sudo().job_next_attempt_at = fields.Datetime.now()
            self.run_lgpd_jobs()
        self.assertEqual(request.job_state, "done")
        self.assert_nothing_identifying(data, [], set())


def _unused():
    return webhooks
