"""Export (Art. 18 II and V): the ZIP holds everything the database holds about the contact —
every message, every file byte for byte (filestore and S3) — behind a signed, expiring, logged link."""
import hashlib
import json
import os
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import (
    CAPTION,
    CUSTOMER_WA_ID,
    DOCUMENT,
    DOCUMENT_NAME,
    EDITED,
    IMAGE,
    ORIGINAL,
    REPLY,
    REVOKED,
    TEXTS,
    VOICE,
    LgpdCase,
    LgpdS3Case,
)


class ExportAssertions:

    def assert_export_equals_database(self, data, request):
        partner = data["partner"]
        archive, document = self.open_export(request)
        self.assertEqual(document["contact"]["whatsapp_id"], CUSTOMER_WA_ID)
        self.assertEqual(document["contact"]["consent"]["source"], "customer_initiated")
        self.assertEqual([row["after"] for row in document["consent_history"]], ["opted_in"])
        channels = self.env["discuss.channel"].search([("whatsapp_partner_id", "=", partner.id)])
        self.assertEqual({c["id"] for c in document["conversations"]}, set(channels.ids))
        # Every message of the conversations, with its exact content.
        mail_messages = self.env["mail.message"].search(["|", ("author_id", "=", partner.id), "&",
                                                         ("model", "=", "discuss.channel"), ("res_id", "in", channels.ids)])
        exported = {row["id"]: row for row in document["messages"]}
        self.assertLessEqual(set(mail_messages.ids), set(exported))
        for message in mail_messages:
            self.assertEqual(exported[message.id]["html"], str(message.body or ""), message.id)
            self.assertEqual(exported[message.id]["attachment_ids"], sorted(message.attachment_ids.ids))
        texts = " ".join(row["text"] for row in document["messages"])
        for text in [*TEXTS, CAPTION, REPLY, EDITED]:
            self.assertIn(text, texts)
        # What the customer wrote before editing or deleting it is theirs too: it is in Meta's payloads.
        payloads = json.dumps([row["payload"] for row in document["whatsapp_messages"]], ensure_ascii=False)
        for text in (ORIGINAL, REVOKED, EDITED):
            self.assertIn(text, payloads)
        reply_row = exported[data["reply_mail"].id]
        self.assertEqual(reply_row["author"], "Ana Atendente")
        self.assertEqual(reply_row["reactions"], [{"emoji": "❤️", "by": "customer"}])
        # The WhatsApp side of every message and every delivery status.
        whatsapp_messages = self.env["whatsapp.message"].search([("partner_id", "=", partner.id)])
        self.assertEqual({row["id"] for row in document["whatsapp_messages"]}, set(whatsapp_messages.ids))
        self.assertEqual({row["whatsapp_message_id"] for row in document["whatsapp_messages"]},
                         set(whatsapp_messages.mapped("wamid")))
        statuses = self.env["whatsapp.message.status"].search([("message_id", "in", whatsapp_messages.ids)])
        self.assertEqual(sorted(row["status"] for row in document["statuses"]), sorted(statuses.mapped("status")))
        self.assertEqual(document["templates_sent"], [])
        self.assertEqual([row["name"] for row in document["handlers"]], ["Ana Atendente"])
        # Every file, byte for byte, as received.
        media = self.env["whatsapp.media"].search([("message_id", "in", whatsapp_messages.ids)])
        self.assertEqual(len(media), 3)
        by_sha = {row["sha256"]: row for row in document["media"]}
        for original in (IMAGE, DOCUMENT, VOICE):
            row = by_sha[hashlib.sha256(original).hexdigest()]
            self.assertEqual(archive.read(row["path"]), original, row["path"])
        self.assertIn(DOCUMENT_NAME, [row["original_filename"] for row in document["media"]])
        files = {row["attachment_id"]: row for row in document["files"]}
        for item in media:
            self.assertEqual(files[item.attachment_id.id]["path"], by_sha[item.sha256]["path"])
        readme = archive.read("LEIA-ME.txt").decode()
        self.assertIn("Meta Platforms", readme)
        self.assertIn(request.name, readme)
        return archive, document


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestExport(ExportAssertions, LgpdCase):

    def test_export_equals_the_database(self):
        data = self.build_conversation()
        request = self.export_as_dpo(data["partner"])
        self.assertEqual((request.job_state, request.state, request.request_type), ("done", "in_progress", "access"))
        _archive, document = self.assert_export_equals_database(data, request)
        self.assertEqual({row["storage"] for row in document["media"]}, {"filestore"})
        audit = self.env["whatsapp.lgpd.audit"].search([("request_id", "=", request.id)])
        self.assertEqual(set(audit.mapped("action")), {"request_created", "export_queued", "export_built"})

    def test_signed_link_no_store_logged_and_expiring(self):
        data = self.build_conversation()
        request = self.export_as_dpo(data["partner"])
        url = request.with_user(self.dpo).export_url
        self.assertTrue(url and "/whatsapp_lgpd/export/" in url)
        path = url[url.index("/whatsapp_lgpd/"):]
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, request.export_attachment_id.raw)
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertEqual(request.export_download_count, 1)
        self.assertEqual(self.url_open(path[:-3] + "abc").status_code, 404, "a forged token")
        self.assertEqual(self.url_open(f"/whatsapp_lgpd/export/{request.id + 1000}/x").status_code, 404)
        actions = self.env["whatsapp.lgpd.audit"].search([("request_id", "=", request.id)]).mapped("action")
        self.assertIn("export_downloaded", actions)
        self.assertIn("export_link_refused", actions)
        # Nobody reaches the ZIP through Odoo's generic routes unless they are the DPO.
        self.authenticate("attendant", "attendant")
        attachment = request.export_attachment_id
        self.assertEqual(self.url_open(f"/web/content/{attachment.id}").status_code, 404)
        # After expiry the link is refused and the scheduled job deletes the file.
        full_path = attachment._full_path(attachment.store_fname)
        with patch.object(fields.Datetime, "now", return_value=fields.Datetime.now() + timedelta(hours=73)):
            self.assertEqual(self.url_open(path).status_code, 404)
            self.env["whatsapp.lgpd.request"]._cron_gc_expired_exports()
            self.env.cr.postcommit.run()
        self.assertFalse(request.export_attachment_id)
        self.assertFalse(attachment.exists())
        self.assertFalse(os.path.exists(full_path), "the file left the filestore")
        self.assertIn("export_deleted", self.env["whatsapp.lgpd.audit"].search(
            [("request_id", "=", request.id)]).mapped("action"))

    def test_rights(self):
        data = self.build_conversation()
        partner = data["partner"]
        for user in (self.attendant, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                partner.with_user(user).action_whatsapp_lgpd_export()
        with self.assertRaises(AccessError):
            self.env["whatsapp.lgpd.request"].with_user(self.attendant).search([])
        # A manager files a request for the DPO, who runs it.
        partner.with_user(self.manager).action_whatsapp_lgpd_request_export()
        request = self.env["whatsapp.lgpd.request"].search([("partner_id", "=", partner.id)])
        self.assertEqual((request.state, request.requested_by_id), ("new", self.manager))
        with self.assertRaises(AccessError):
            request.with_user(self.manager).action_start()
        with self.assertRaises(AccessError):
            request.with_user(self.manager).write({"note": "x"})
        request.with_user(self.dpo).action_start()
        self.run_lgpd_jobs()
        self.assertEqual(request.job_state, "done")
        attachment = request.export_attachment_id
        for user in (self.manager, self.attendant):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                attachment.with_user(user).read(["raw"])
        self.assertFalse(request.with_user(self.manager).read(["name"])[0].get("export_url"),
                         "managers never see the link")
        self.assertTrue(attachment.with_user(self.dpo).read(["raw"]))


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestExportS3(ExportAssertions, LgpdS3Case):

    def test_export_equals_the_database_with_s3(self):
        data = self.build_conversation()
        media = self.env["whatsapp.media"].search([("message_id.partner_id", "=", data["partner"].id)])
        self.assertEqual(set(media.mapped("storage")), {"s3"})
        self.assertFalse(any(media.attachment_id.mapped("store_fname")), "the bytes are only in S3")
        request = self.export_as_dpo(data["partner"])
        archive, document = self.assert_export_equals_database(data, request)
        self.assertIn("127.0.0.1", archive.read("LEIA-ME.txt").decode(), "the storage provider is named")

    def test_s3_down_export_retries(self):
        data = self.build_conversation()
        self.s3.stop()
        action = data["partner"].with_user(self.dpo).action_whatsapp_lgpd_export()
        request = self.env["whatsapp.lgpd.request"].browse(action["res_id"])
        self.run_lgpd_jobs()
        self.assertEqual((request.job_state, request.job_attempts), ("queued", 1))
        self.assertIn("S3", request.job_error)
        self.assertFalse(request.export_attachment_id)
        self.s3.restart()
        request.sudo().job_next_attempt_at = fields.Datetime.now()
        self.run_lgpd_jobs()
        self.assertEqual(request.job_state, "done")
        self.assert_export_equals_database(data, request)
