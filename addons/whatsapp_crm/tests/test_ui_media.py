"""Customers' files in Discuss, in a browser: thumbnails inline, the original in the file viewer,
voice notes in Discuss's voice player, and the state of a file not shown (yet)."""
from odoo.tests import tagged

from .media_common import MediaCase, S3MediaCase
from .s3_server import ACCESS_KEY, SECRET_KEY


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiMedia(MediaCase):

    def test_image_thumbnail_and_voice_note(self):
        customer = self.customer()
        image = customer.image(caption="Meu ingresso")
        voice = customer.audio()
        self.process_inbox()
        self.process_media()
        attachment = self.media_of(image).attachment_id
        self.assertTrue(attachment.has_thumbnail, "the tour expects the thumbnail inline")
        self.assertTrue(self.media_of(voice).attachment_id.voice_ids)
        self.start_tour("/odoo/discuss", "whatsapp_crm_media_tour", login="attendant")

    def test_file_states(self):
        customer = self.customer()
        image = customer.image(caption="Meu ingresso")
        refused = customer.image(data=b"<html>x</html>", mime="image/jpeg", caption="veja")
        customer.audio()
        customer.audio(mime="audio/ogg", voice=False)
        customer.sticker()
        self.process_inbox()
        self.process_media()
        pending = customer.image(caption="Outra foto")
        self.process_inbox()  # its download is not run: still on its way
        self.assertEqual(self.media_of(pending).state, "pending")
        self.assertEqual(self.media_of(refused).state, "failed")
        status = self.whatsapp_message(image.wamid).mail_message_id._whatsapp_status_for_store()
        if "media" not in status:
            self.skipTest("the server does not send the file's state yet (whatsapp_status['media'])")
        self.assertEqual(status["media"], {"kind": "image", "state": "stored", "voice": False, "animated": False})
        self.start_tour("/odoo/discuss", "whatsapp_crm_media_state_tour", login="attendant")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiMediaS3(S3MediaCase):

    def setUp(self):
        super().setUp()
        # Discuss's voice player fetch()es the file, so the presigned redirect is a cross-origin
        # request: the bucket must allow it (readme/CONFIGURE.md), as an administrator would on AWS.
        import boto3  # S3 storage's optional dependency: imported here so the other tests run without it

        client = boto3.client("s3", endpoint_url=self.s3.endpoint_url, region_name="us-east-1",
                              aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        self.addCleanup(client.close)
        client.put_bucket_cors(Bucket=self.s3.bucket, CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})

    def test_image_thumbnail_and_voice_note_from_s3(self):
        """Files in S3: the thumbnail and the original are presigned redirects the browser follows."""
        customer = self.customer()
        image = customer.image(caption="Meu ingresso")
        customer.audio()
        self.process_inbox()
        self.process_media()
        media = self.media_of(image)
        self.assertEqual((media.storage, bool(media.thumbnail_key)), ("s3", True))
        self.assertTrue(media.attachment_id.has_thumbnail)
        self.start_tour("/odoo/discuss", "whatsapp_crm_media_tour", login="attendant")
