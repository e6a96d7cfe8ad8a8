"""The S3 backend against a real S3-compatible server (s3rver on 127.0.0.1), end to end."""
import io
import time
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import requests
from PIL import Image

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools.media_storage import S3Storage, StorageError, new_object_key

from meta_sandbox import samples

from .media_common import S3MediaCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestS3Storage(S3MediaCase):
    """The storage service itself (tools/media_storage.py)."""

    def test_put_get_metadata_delete(self):
        storage = self.storage()
        key = new_object_key()
        storage.put(key, io.BytesIO(samples.PDF), "application/pdf", {"sha256": "ab" * 32, "wamid": "wamid.X=="})
        self.assertEqual(storage.get(key), samples.PDF)
        head = storage.head(key)
        self.assertEqual((head["size"], head["mimetype"]), (len(samples.PDF), "application/pdf"))
        self.assertEqual(head["metadata"], {"sha256": "ab" * 32, "wamid": "wamid.X=="})
        storage.delete(key)
        with self.assertRaises(StorageError):
            storage.get(key)
        storage.delete(key)  # deleting twice is fine

    def test_presigned_urls(self):
        storage = self.storage()
        key = new_object_key()
        storage.put(key, samples.PDF, "application/pdf")
        url = storage.presigned_url(key, "Boleto de março.pdf", "application/pdf", ttl=3600)
        self.assertEqual(parse_qs(urlsplit(url).query)["X-Amz-Expires"], ["300"], "never more than 5 minutes")
        response = requests.get(url, timeout=10)
        self.assertEqual(response.content, samples.PDF)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.headers["Content-Disposition"].startswith("attachment;"))
        self.assertIn("filename*=UTF-8''Boleto%20de%20mar%C3%A7o.pdf", response.headers["Content-Disposition"])
        image_key = new_object_key()
        storage.put(image_key, samples.JPEG, "image/jpeg")
        inline = requests.get(storage.presigned_url(image_key, "foto.jpg", "image/jpeg"), timeout=10)
        self.assertTrue(inline.headers["Content-Disposition"].startswith("inline;"))
        short = storage.presigned_url(image_key, "foto.jpg", "image/jpeg", ttl=1)
        time.sleep(2.1)
        self.assertEqual(requests.get(short, timeout=10).status_code, 403, "expired")

    def test_settings_are_admin_only_and_testable(self):
        settings = self.env["res.config.settings"].with_user(self.env.ref("base.user_admin")).create({})
        self.assertEqual((settings.whatsapp_media_storage, settings.whatsapp_s3_bucket), ("s3", self.s3.bucket))
        self.assertEqual(settings.action_whatsapp_test_s3()["params"]["type"], "success")
        for user in (self.attendant, self.manager, self.processing_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["ir.config_parameter"].with_user(user).get_param("whatsapp_crm.s3_secret_key")
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(user).create({})
        self.assertIn("base.group_system", self.env["res.config.settings"]._fields["whatsapp_s3_secret_key"].groups)

    def test_unreachable_or_wrong_credentials(self):
        settings = self.env["whatsapp.media"]._s3_settings()
        for broken in (settings.__class__(**{**settings.__dict__, "endpoint_url": "http://127.0.0.1:9"}),
                       settings.__class__(**{**settings.__dict__, "bucket": "no-such-bucket"})):
            with self.subTest(broken=broken), self.assertRaises(StorageError):
                S3Storage(broken).put(new_object_key(), b"x", "text/plain")
        self.assertNotIn(settings.secret_key, repr(settings))


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestS3Media(S3MediaCase):
    """Media stored in S3: attachment stubs served by presigned redirects, after the usual access check."""

    def follow(self, path):
        """GET an Odoo URL; expect a redirect to the bucket and fetch it there."""
        response = self.url_open(path, allow_redirects=False)
        self.assertEqual(response.status_code, 302, response.text[:200])
        self.assertEqual(response.headers["Cache-Control"], "max-age=0", "the link expires: never cached")
        location = response.headers["Location"]
        self.assertTrue(location.startswith(self.s3.endpoint_url), location)
        return requests.get(location, timeout=10)

    def test_image_in_s3_end_to_end(self):
        delivery = self.customer().image(caption="No palco")
        media = self.receive(delivery)
        self.assertEqual((media.state, media.storage), ("stored", "s3"))
        self.assertTrue(media.storage_key.startswith("whatsapp/") and media.thumbnail_key.endswith(".thumb.webp"))
        attachment = media.attachment_id
        self.assertFalse(attachment.store_fname or attachment.db_datas, "the bytes live in S3 only")
        self.assertEqual((attachment.file_size, attachment.mimetype), (len(samples.JPEG), "image/jpeg"))
        self.assertTrue(attachment.has_thumbnail)
        head = self.storage().head(media.storage_key)
        self.assertEqual(head["metadata"], {"sha256": media.sha256, "mime-type": "image/jpeg", "wamid": delivery.wamid})

        self.authenticate("attendant", "attendant")
        self.assertEqual(self.follow(f"/web/image/{attachment.id}").content, samples.JPEG)
        self.assertEqual(self.follow(f"/web/content/{attachment.id}").content, samples.JPEG)
        thumbnail = self.follow(f"/web/image/ir.attachment/{attachment.id}/thumbnail")
        with Image.open(io.BytesIO(thumbnail.content)) as image:
            self.assertEqual(image.format, "WEBP")
        download = self.follow(f"/web/content/{attachment.id}?download=true")
        self.assertTrue(download.headers["Content-Disposition"].startswith("attachment;"))

        self.authenticate("employee", "employee")
        self.assertEqual(self.url_open(f"/web/content/{attachment.id}", allow_redirects=False).status_code, 404)
        response = self.url_open(f"/web/image/{attachment.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 302, "no presigned link for who cannot read the conversation")

    def test_documents_are_downloads_and_svg_never_inline(self):
        pdf = self.customer().document(filename="programa.pdf")
        svg = self.customer().document(data=b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                                       filename="logo.svg", mime="image/svg+xml")
        self.process_inbox()
        self.process_media()
        self.authenticate("attendant", "attendant")
        response = self.follow(f"/web/content/{self.media_of(pdf).attachment_id.id}")
        self.assertTrue(response.headers["Content-Disposition"].startswith("attachment;"))
        response = self.follow(f"/web/content/{self.media_of(svg).attachment_id.id}")
        self.assertEqual(response.headers["Content-Type"], "application/octet-stream")
        self.assertTrue(response.headers["Content-Disposition"].startswith("attachment;"))

    def test_s3_down_then_up(self):
        delivery = self.customer().image()
        self.process_inbox()
        self.s3.stop()
        self.process_media()
        media = self.media_of(delivery)
        self.assertEqual((media.state, media.attempts, media.attachment_id.id), ("pending", 1, False))
        self.assertIn("S3 upload failed", media.error_detail)
        self.assertFalse(self.whatsapp_message(delivery.wamid).mail_message_id.attachment_ids)
        self.s3.restart()
        self.make_due(media)
        self.process_media()
        media.invalidate_recordset()
        self.assertEqual(media.state, "stored")
        self.assertEqual(self.storage().get(media.storage_key), samples.JPEG)
        self.assertEqual(media._file_content(), samples.JPEG)

    def test_deleting_the_attachment_deletes_the_objects(self):
        media = self.receive(self.customer().image())
        keys = [media.storage_key, media.thumbnail_key]
        media.attachment_id.unlink()
        self.env.cr.postcommit.run()  # what the commit would do
        for key in keys:
            with self.assertRaises(StorageError):
                self.storage().get(key)
        self.assertFalse(media.storage_key)

    def test_a_failed_step_leaves_no_object(self):
        delivery = self.customer().image()
        self.process_inbox()
        before = self.s3_keys()
        with self.assertLogs("odoo.addons.whatsapp_crm.models.whatsapp_media", "ERROR"), \
                patch("odoo.addons.whatsapp_crm.models.whatsapp_media.WhatsAppMedia._create_attachment",
                      side_effect=RuntimeError("database hiccup")):
            self.process_media()
        self.assertEqual(self.media_of(delivery).state, "pending")
        self.assertEqual(self.s3_keys(), before, "the uploaded objects were removed again")

    def s3_keys(self):
        answer = self.storage()._client.list_objects_v2(Bucket=self.s3.bucket, Prefix="whatsapp/")
        return sorted(item["Key"] for item in answer.get("Contents", []))
