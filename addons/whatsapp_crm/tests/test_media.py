"""Inbound media end to end through the Meta sandbox, stored in Odoo's filestore (the default)."""
import base64
import hashlib
import io
import json
from datetime import timedelta
from unittest.mock import patch

from PIL import Image

from odoo import fields
from odoo.tests import tagged

from meta_sandbox import samples, webhooks

from .media_common import MediaCase, png_bomb

HTML = b"<!DOCTYPE html><html><body><img src=x onerror=alert(document.cookie)></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMediaTypes(MediaCase):

    def test_image_caption_first_then_the_image_live(self):
        customer = self.customer()
        delivery = customer.image(caption="Meu ingresso")
        text = customer.text("Vocês receberam?")
        self.process_inbox()
        # Text and caption are there at once; the file is on its way.
        self.assertIn("Vocês receberam?", self.body_of(text))
        self.assertIn("Meu ingresso", self.body_of(delivery))
        self.assertIn("receiving the file", self.body_of(delivery))
        media = self.media_of(delivery)
        self.assertEqual((media.state, media.kind, media.attachment_id.id), ("pending", "image", False))
        self.assertEqual(media.sha256, hashlib.sha256(samples.JPEG).hexdigest(), "webhook base64 → hex")

        bus_id = self.last_bus_id()
        self.process_media()
        media.invalidate_recordset()
        self.assertEqual((media.state, media.storage, media.mimetype, media.file_size),
                         ("stored", "filestore", "image/jpeg", len(samples.JPEG)))
        attachment = media.attachment_id
        mail_message = self.whatsapp_message(delivery.wamid).mail_message_id
        self.assertEqual(mail_message.attachment_ids, attachment)
        self.assertEqual((attachment.res_model, attachment.res_id), ("discuss.channel", mail_message.res_id))
        self.assertEqual(attachment.raw, samples.JPEG, "the original, untouched")
        self.assertEqual(media._file_content(), samples.JPEG)
        self.assertTrue(attachment.has_thumbnail)
        with Image.open(io.BytesIO(base64.b64decode(attachment.thumbnail))) as thumbnail:
            self.assertEqual(thumbnail.format, "WEBP")
        body = self.body_of(delivery)
        self.assertIn("Meu ingresso", body)
        self.assertNotIn("receiving", body)
        # Pushed to the conversation: the message with its attachment.
        pushed = json.dumps(self.bus_payloads(bus_id))
        self.assertIn("mail.record/insert", pushed)
        self.assertIn(f'"id": {attachment.id}', pushed)
        self.assertIn("image/jpeg", pushed)

    def test_every_media_kind(self):
        customer = self.customer()
        deliveries = {
            "video": customer.video(caption="O palco"),
            "audio": customer.audio(mime="audio/ogg", voice=False),
            "voice": customer.audio(),
            "document": customer.document(filename="comprovante.pdf", caption="Segue"),
            "sticker": customer.sticker(),
            "animated sticker": customer.sticker(animated=True),
        }
        self.process_inbox()
        self.process_media()
        expected = {
            "video": ("video/mp4", "whatsapp-video-", False),
            "audio": ("audio/ogg", "whatsapp-audio-", False),
            "voice": ("audio/ogg", "whatsapp-voice-note-", False),
            "document": ("application/pdf", "comprovante.pdf", False),
            "sticker": ("image/webp", "whatsapp-sticker-", True),
            "animated sticker": ("image/webp", "whatsapp-sticker-", True),
        }
        for name, delivery in deliveries.items():
            with self.subTest(name):
                media = self.media_of(delivery)
                mimetype, filename, has_thumbnail = expected[name]
                attachment = media.attachment_id
                self.assertEqual(media.state, "stored")
                self.assertEqual(attachment.mimetype, mimetype)
                self.assertTrue(attachment.name.startswith(filename), attachment.name)
                self.assertEqual(bool(attachment.thumbnail), has_thumbnail)
                self.assertEqual(attachment.raw, self.sandbox.state.get_media(delivery.media_id).data)
        # Audio plays in Discuss's inline player; the body says which one is a voice note.
        self.assertTrue(self.media_of(deliveries["voice"]).attachment_id.voice_ids)
        self.assertIn("[Voice message]", self.body_of(deliveries["voice"]))
        self.assertIn("[Audio]", self.body_of(deliveries["audio"]))
        self.assertTrue(self.media_of(deliveries["animated sticker"]).is_animated)
        self.assertIn("O palco", self.body_of(deliveries["video"]))
        self.assertIn("Segue", self.body_of(deliveries["document"]))

    def test_location_contacts_and_ad_referral(self):
        customer = self.customer()
        location = customer.location(-23.5347, -46.6395, name="Sala São Paulo", address="Praça Júlio Prestes, 16")
        card = webhooks.contact_card("João Silva", "+55 11 98765-4321", "5511987654321", email="joao@example.com",
                                     org="Filarmônica")
        hostile = webhooks.contact_card('<img src=x onerror="alert(1)">', "+55 11 91234-5678")
        contacts = customer.contacts([card, hostile])
        referral = webhooks.referral(headline="Concerto de Natal", body="Ingressos à venda")
        from_ad = customer.text("Quero ingressos", referral=referral)
        self.process_inbox()

        body = self.body_of(location)
        self.assertIn("Sala São Paulo", body)
        self.assertIn("Praça Júlio Prestes, 16", body)
        self.assertIn("https://www.google.com/maps/search/?api=1&amp;query=-23.534700,-46.639500", body)

        body = self.body_of(contacts)
        self.assertIn("João Silva", body)
        self.assertIn("+55 11 98765-4321 (WhatsApp)", body)
        self.assertIn("joao@example.com", body)
        self.assertIn("Filarmônica", body)
        self.assertIn("Create contact", body)
        self.assertNotIn("<img", body)

        body = self.body_of(from_ad)
        self.assertIn("From an ad: Concerto de Natal", body)
        self.assertIn("Ingressos à venda", body)
        self.assertIn(referral["source_url"], body)
        self.assertIn("Quero ingressos", body)

    def test_create_contact_from_a_shared_card(self):
        card = webhooks.contact_card("João Silva", "+55 11 98765-1111", "5511987651111", email="joao@example.com")
        delivery = self.customer().contacts([card])
        self.process_inbox()
        message = self.whatsapp_message(delivery.wamid)
        link = f"/whatsapp/contact/create?message_id={message.id}&index=0&token={message._contact_card_token(0)}"
        self.assertIn(link.replace("&", "&amp;"), self.body_of(delivery))

        self.authenticate("employee", "employee")
        self.assertEqual(self.url_open(link, allow_redirects=False).status_code, 403, "not an attendant")
        self.authenticate("attendant", "attendant")
        self.assertEqual(self.url_open(link.replace("token=", "token=x"), allow_redirects=False).status_code, 404)
        response = self.url_open(link, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        partner = self.env["res.partner"].search([("email", "=", "joao@example.com")])
        self.assertEqual((partner.name, partner.whatsapp_wa_id, partner.phone),
                         ("João Silva", "5511987651111", "+5511987651111"))
        self.assertTrue(response.headers["Location"].endswith(f"/odoo/res.partner/{partner.id}"))
        self.url_open(link, allow_redirects=False)
        self.assertEqual(self.env["res.partner"].search_count([("email", "=", "joao@example.com")]), 1,
                         "the second click opens the same contact")

    def test_attachments_follow_the_conversation_rules(self):
        image, document = self.customer().image(), self.customer().document(filename="contrato.pdf")
        self.process_inbox()
        self.process_media()
        image_id, document_id = self.media_of(image).attachment_id.id, self.media_of(document).attachment_id.id
        self.authenticate("attendant", "attendant")
        response = self.url_open(f"/web/content/{document_id}?download=true")
        self.assertEqual((response.status_code, response.content), (200, samples.PDF))
        self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(self.url_open(f"/web/image/{image_id}").content, samples.JPEG)
        self.authenticate("employee", "employee")
        self.assertEqual(self.url_open(f"/web/content/{document_id}").status_code, 404)
        self.assertEqual(self.url_open(f"/web/content/{image_id}").status_code, 404)
        self.assertNotEqual(self.url_open(f"/web/image/{image_id}").content, samples.JPEG, "a placeholder")
        self.assertNotEqual(self.url_open(f"/web/image/ir.attachment/{image_id}/thumbnail").content[:4], b"RIFF")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMediaBadInput(MediaCase):

    def test_mime_lie_is_refused(self):
        delivery = self.customer().image(data=HTML, mime="image/jpeg", caption="veja")
        media = self.receive(delivery)
        self.assertEqual((media.state, media.failure_reason, media.attachment_id.id),
                         ("failed", "mime_mismatch", False))
        body = self.body_of(delivery)
        self.assertIn("not what it claims to be", body)
        self.assertIn("veja", body)
        self.assertFalse(self.whatsapp_message(delivery.wamid).mail_message_id.attachment_ids)

    def test_svg_and_html_documents_are_never_inline(self):
        svg = self.customer().document(data=SVG, filename="logo.svg", mime="image/svg+xml")
        html = self.customer().document(data=HTML, filename="boleto.pdf", mime="application/pdf")
        self.process_inbox()
        self.process_media()
        self.authenticate("attendant", "attendant")
        for delivery, data in ((svg, SVG), (html, HTML)):
            attachment = self.media_of(delivery).attachment_id
            self.assertEqual(attachment.mimetype, "application/octet-stream")
            self.assertEqual(attachment.raw, data, "kept, for download")
            response = self.url_open(f"/web/content/{attachment.id}")
            self.assertEqual(response.headers["Content-Type"], "application/octet-stream")
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")

    def test_decompression_bomb_is_kept_but_never_decoded(self):
        bomb = png_bomb()
        delivery = self.customer().image(data=bomb, mime="image/png")
        media = self.receive(delivery)
        attachment = media.attachment_id
        self.assertEqual(media.state, "stored", "a failed thumbnail never loses the original")
        self.assertEqual((attachment.mimetype, attachment.raw, bool(attachment.thumbnail)),
                         ("application/octet-stream", bomb, False), "downloadable, never shown inline")
        self.assertIn("No preview", media.error_detail)

    def test_size_lie_and_oversize(self):
        lying = self.customer().image(data=samples.JPEG)
        with self.graph_media_info(file_size=100):
            media = self.receive(lying)
        self.assertEqual((media.state, media.failure_reason), ("failed", "size_mismatch"))
        oversized = self.customer().image(data=samples.JPEG)
        with self.graph_media_info(file_size=50 * 1024 * 1024):
            media = self.receive(oversized)
        self.assertEqual((media.state, media.failure_reason), ("failed", "too_large"))
        self.assertIn("larger than WhatsApp allows", self.body_of(oversized))

    def test_sha256_mismatch(self):
        delivery = self.customer().image(data=samples.JPEG)
        # Meta serves other bytes than the webhook announced.
        self.sandbox.state.get_media(delivery.media_id).data = samples.PNG
        media = self.receive(delivery)
        self.assertEqual((media.state, media.failure_reason), ("failed", "sha256_mismatch"))
        self.assertFalse(self.env["ir.attachment"].search([("name", "like", "whatsapp-image-")]))

    def test_traversal_and_crlf_filenames(self):
        names = {"../../../etc/passwd": "passwd", "..\\..\\boot.ini": "boot.ini",
                 "fatura\r\nX-Injected: 1\r\n.pdf": "faturaX-Injected_ 1.pdf",
                 "\u202efdp.exe": "fdp.exe", "x" * 300 + ".pdf": "x" * 116 + ".pdf"}
        deliveries = {name: self.customer().document(filename=name) for name in names}
        self.process_inbox()
        for raw, delivery in deliveries.items():
            self.assertIn(f"[Document: {names[raw]}]", self.body_of(delivery), "shown sanitised at once")
        self.process_media()
        self.authenticate("attendant", "attendant")
        for raw, delivery in deliveries.items():
            with self.subTest(raw=raw[:20]):
                media = self.media_of(delivery)
                self.assertEqual(media.original_filename, raw)
                self.assertEqual(media.attachment_id.name, names[raw])
                response = self.url_open(f"/web/content/{media.attachment_id.id}?download=true")
                disposition = response.headers["Content-Disposition"]
                self.assertNotIn("\n", disposition)
                self.assertNotIn("/", disposition.split("filename", 1)[1])

    def test_ssrf_media_urls_are_refused(self):
        for url in ("http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                    "http://127.0.0.1:5432/", "file:///etc/passwd", "https://lookaside.fbsbx.com.evil.example/x"):
            with self.subTest(url=url):
                delivery = self.customer().image()
                with self.graph_media_info(url=url):
                    media = self.receive(delivery)
                self.assertEqual((media.state, media.failure_reason), ("failed", "refused_url"))

    def test_expired_url_then_a_fresh_one(self):
        delivery = self.customer().image()
        self.sandbox.state.inject_failure("media_download", code=None, raw_status=404, times=1)
        media = self.receive(delivery)
        self.assertEqual((media.state, media.attempts), ("stored", 1), "a fresh URL in the same attempt")

    def test_meta_500_three_times_then_200(self):
        delivery = self.customer().image()
        self.sandbox.state.inject_failure("media_info", code=None, raw_status=500, times=3)
        media = self.receive(delivery)
        for attempt in (1, 2, 3):
            self.assertEqual((media.state, media.attempts), ("pending", attempt))
            self.assertGreater(media.next_attempt_at, fields.Datetime.now(), "backoff")
            self.assertFalse(self.process_media(), "not due before its time")
            self.make_due(media)
            self.process_media()
            media.invalidate_recordset()
        self.assertEqual((media.state, media.attempts), ("stored", 4))

    def test_expired_media_id_is_unavailable_without_retries(self):
        delivery = self.customer().image(caption="foto antiga")
        self.sandbox.state.expire_media(delivery.media_id)
        media = self.receive(delivery)
        self.assertEqual((media.state, media.failure_reason, media.next_attempt_at),
                         ("unavailable", "expired", False))
        body = self.body_of(delivery)
        self.assertIn("no longer has this file", body)
        self.assertIn("foto antiga", body)

    def test_retries_stop_at_metas_expiry(self):
        delivery = self.customer().image()
        self.process_inbox()
        media = self.media_of(delivery)
        media.expires_at = fields.Datetime.now() + timedelta(seconds=5)
        self.sandbox.state.inject_failure("media_info", code=131000, times=1)
        self.process_media()
        media.invalidate_recordset()
        self.assertEqual((media.state, media.failure_reason), ("unavailable", "gave_up"))

    def test_token_error_flags_the_account_and_retries(self):
        delivery = self.customer().image()
        self.sandbox.state.inject_failure("media_info", code=190, times=1)
        media = self.receive(delivery)
        self.assertEqual(media.state, "pending")
        self.assertEqual(self.account.connection_state, "error")

    def test_a_broken_download_job_never_stops_the_queue(self):
        first, second = self.customer().image(), self.customer().image()
        self.process_inbox()
        with patch("odoo.addons.whatsapp_crm.models.whatsapp_media.WhatsAppMedia._store",
                   side_effect=[RuntimeError("boom"), None]):
            self.process_media()
        states = (self.media_of(first) | self.media_of(second)).mapped("attempts")
        self.assertEqual(sorted(states), [0, 1], "one retried, the other went on")
