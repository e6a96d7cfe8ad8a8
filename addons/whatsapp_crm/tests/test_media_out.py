"""Files and places an attendant sends: split, checked, converted, uploaded and sent through the
Meta sandbox, which judges them as Meta does."""
import json
from datetime import timedelta
from unittest import skipIf
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import UserError
from odoo.http import Request
from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools import media_convert

from meta_sandbox import samples

from . import media_samples
from .media_common import MediaCase, S3MediaCase

MIB = 1024 * 1024
needs_av = skipIf(not media_convert.av_available(), "PyAV is not installed")


class OutboundMediaMixin:

    def setUp(self):
        super().setUp()
        self.maria = self.customer("5511987654321", "Maria Souza")
        self.maria.text("Olá! Podem me mandar o programa?")
        self.process_inbox()
        self.channel = self.conversation_of(self.partner_by_wa_id("5511987654321"))

    def attach(self, name, data, voice=False):
        attachment = self.env["ir.attachment"].with_user(self.attendant).create({
            "name": name, "raw": data, "res_model": "mail.compose.message", "res_id": 0})
        if voice:
            attachment.sudo()._set_voice_metadata()
        return attachment

    def post(self, body="", files=(), **kwargs):
        """Post as the attendant with ``files`` = [(name, bytes[, voice])]; return the queued parts."""
        attachments = self.env["ir.attachment"]
        for file in files:
            attachments |= self.attach(*file)
        mail_message = self.channel.with_user(self.attendant).message_post(
            body=body, attachment_ids=attachments.ids, message_type="comment", subtype_xmlid="mail.mt_comment",
            **kwargs)
        return self.parts_of(mail_message)

    def parts_of(self, mail_message):
        return self.env["whatsapp.message"].search([("mail_message_id", "=", mail_message.id)], order="id")

    def sent(self):
        return [sent.payload for sent in self.sandbox.state.sent]

    def uploads(self):
        return [media for media in self.sandbox.state._data.media.values() if media.origin == "upload"]

    def uploaded(self, payload):
        kind = payload["type"]
        return self.sandbox.state.get_media(payload[kind]["id"])


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestOutboundMedia(OutboundMediaMixin, MediaCase):

    # ------------------------------------------------------------
    # Each kind, end to end
    # ------------------------------------------------------------

    def test_image_with_caption(self):
        parts = self.post("Segue o ingresso", [("ingresso.jpg", samples.JPEG)])
        self.assertEqual(parts.mapped("message_type"), ["image"])
        self.assertFalse(self.sent(), "nothing leaves inside the attendant's request")
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["type"], "image")
        self.assertEqual(payload["image"]["caption"], "Segue o ingresso")
        self.assertEqual(self.uploaded(payload).data, samples.JPEG)
        self.assertEqual(self.uploaded(payload).mime_type, "image/jpeg")
        self.assertEqual(parts.state, "accepted")
        media = parts.media_ids
        self.assertEqual((media.state, media.kind, media.meta_media_id, media.storage),
                         ("stored", "image", payload["image"]["id"], "filestore"))
        self.assertEqual(media.attachment_id, parts.attachment_id, "sent as it is: the attendant's file is kept")
        self.assertTrue(media.expires_at > fields.Datetime.now() + timedelta(days=29))

    def test_document_keeps_its_name(self):
        parts = self.post("", [("Programa da temporada 2027.pdf", samples.PDF)])
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["document"]["filename"], "Programa da temporada 2027.pdf")
        self.assertNotIn("caption", payload["document"])
        self.assertEqual(self.uploaded(payload).mime_type, "application/pdf")
        self.assertEqual(parts.media_ids.filename, "Programa da temporada 2027.pdf")

    @needs_av
    def test_video_h264_is_sent_as_it_is(self):
        video = media_samples.mp4_h264(1.0)
        self.post("Trecho do concerto", [("concerto.mp4", video)])
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual((payload["type"], payload["video"]["caption"]), ("video", "Trecho do concerto"))
        self.assertEqual(self.uploaded(payload).data, video)

    @needs_av
    def test_other_video_is_transcoded_to_h264_aac_mp4(self):
        avi = media_samples.encode_video(1.0)  # MPEG-4 part 2 + MP2 in AVI
        parts = self.post("", [("ensaio.avi", avi)])
        self.assertEqual(parts.message_type, "video")
        self.send_outgoing()
        [payload] = self.sent()
        uploaded = self.uploaded(payload)
        self.assertEqual(uploaded.mime_type, "video/mp4")
        info = media_convert.probe(uploaded.data)
        self.assertTrue(info.whatsapp_video_ready, info)
        self.assertAlmostEqual(info.duration, 1.0, delta=0.2)
        media = parts.media_ids
        self.assertNotEqual(media.attachment_id, parts.attachment_id, "the converted copy is kept")
        self.assertEqual(media.attachment_id.raw, uploaded.data)

    def test_audio_file_is_sent_as_plain_audio(self):
        mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 200
        self.post("", [("aviso.mp3", mp3)])
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["type"], "audio")
        self.assertNotIn("voice", payload["audio"])
        self.assertEqual(self.uploaded(payload).mime_type, "audio/mpeg")

    @needs_av
    def test_voice_note_is_converted_to_ogg_opus(self):
        mp3 = media_samples.voice_mp3(3.0)
        parts = self.post("", [("Voice-2026-12-03-12345.mp3", mp3, True)])
        self.assertEqual(parts.message_type, "audio")
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["audio"].get("voice"), True)
        ogg = self.uploaded(payload).data
        self.assertEqual(ogg[:4], b"OggS")
        self.assertIn(b"OpusHead", ogg[:64])
        self.assertAlmostEqual(media_convert.audio_duration(ogg), media_convert.audio_duration(mp3), delta=0.1)
        media = parts.media_ids
        self.assertTrue(media.is_voice)
        self.assertEqual((media.mimetype, media.attachment_id.mimetype), ("audio/ogg", "audio/ogg"))
        self.assertEqual(media.attachment_id.raw, ogg, "the converted voice note is kept")
        self.assertEqual(parts.attachment_id.raw, mp3, "the attendant's recording stays in the thread")
        status = parts.mail_message_id._whatsapp_status_for_store()
        self.assertEqual((status["direction"], status["media"]["voice"]), ("out", True))

    def test_voice_note_falls_back_to_audio_with_a_notice(self):
        mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 200
        with patch.object(media_convert, "to_ogg_opus", side_effect=media_convert.ConversionError("broken")), \
                patch.object(media_convert, "av_available", return_value=True):
            parts = self.post("", [("Voice-2026-12-03-1.mp3", mp3, True)])
            self.send_outgoing()
        [payload] = self.sent()
        self.assertNotIn("voice", payload["audio"])
        self.assertEqual(self.uploaded(payload).mime_type, "audio/mpeg")
        self.assertEqual(parts.state, "accepted")
        notice = self.channel.message_ids.filtered(lambda m: m.message_type == "notification")[:1]
        self.assertIn("ordinary audio file", str(notice.body))
        self.assertIn("broken", str(notice.body))

    def test_location_with_exact_coordinates(self):
        hall = self.env["whatsapp.location"].create({
            "name": "Theatro Municipal", "address": "Praça Ramos de Azevedo, s/n",
            "latitude": -23.5452231, "longitude": -46.6384763})
        message_id = self.channel.with_user(self.attendant).whatsapp_post_location(hall.id)
        mail_message = self.env["mail.message"].browse(message_id)
        self.assertIn("Theatro Municipal", str(mail_message.body))
        self.assertIn("query=-23.545223,-46.638476", str(mail_message.body), "the same map card as inbound")
        [part] = self.parts_of(mail_message)
        self.assertEqual((part.message_type, part.location_id), ("location", hall))
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["type"], "location")
        self.assertEqual(payload["location"], {"latitude": -23.5452231, "longitude": -46.6384763,
                                               "name": "Theatro Municipal", "address": "Praça Ramos de Azevedo, s/n"})
        self.assertEqual(part.state, "accepted")

    def test_archived_location_cannot_be_sent(self):
        hall = self.env["whatsapp.location"].create({"name": "Antiga sede", "latitude": 1, "longitude": 2,
                                                     "active": False})
        with self.assertRaises(UserError):
            self.channel.with_user(self.attendant).whatsapp_post_location(hall.id)

    # ------------------------------------------------------------
    # Caption rule
    # ------------------------------------------------------------

    def test_text_up_to_1024_characters_is_the_caption(self):
        text = "a" * 1024
        self.post(text, [("cartaz.png", samples.PNG)])
        self.send_outgoing()
        [payload] = self.sent()
        self.assertEqual(payload["image"]["caption"], text)

    def test_longer_text_goes_after_the_file(self):
        text = "b" * 1025
        parts = self.post(text, [("programa.pdf", samples.PDF)])
        self.assertEqual(parts.mapped("message_type"), ["document", "text"])
        self.send_outgoing()
        document, message = self.sent()
        self.assertNotIn("caption", document["document"])
        self.assertEqual(message["text"]["body"], text)

    def test_several_files_go_in_order_then_the_text(self):
        parts = self.post("Tudo certo?", [("a.jpg", samples.JPEG), ("b.pdf", samples.PDF), ("c.png", samples.PNG)])
        self.assertEqual(parts.mapped("message_type"), ["image", "document", "image", "text"])
        self.send_outgoing()
        payloads = self.sent()
        self.assertEqual([p["type"] for p in payloads], ["image", "document", "image", "text"])
        self.assertFalse(any("caption" in p.get(p["type"], {}) for p in payloads[:3]))
        self.assertEqual(self.uploaded(payloads[0]).data, samples.JPEG)
        self.assertEqual(self.uploaded(payloads[2]).data, samples.PNG)
        self.assertEqual(payloads[3]["text"]["body"], "Tudo certo?")

    def test_audio_takes_no_caption(self):
        mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 50
        parts = self.post("Ouça", [("aviso.mp3", mp3)])
        self.assertEqual(parts.mapped("message_type"), ["audio", "text"])

    def test_reply_quotes_only_the_first_part(self):
        quoted = self.channel.message_ids.filtered(lambda m: m.author_id == self.channel.whatsapp_partner_id)[:1]
        wamid = self.env["whatsapp.message"].search([("mail_message_id", "=", quoted.id)]).wamid
        self.post("Aqui", [("a.pdf", samples.PDF), ("b.pdf", samples.PDF + b" ")], parent_id=quoted.id)
        self.send_outgoing()
        contexts = [p.get("context") for p in self.sent()]
        self.assertEqual(contexts, [{"message_id": wamid}, None, None])

    # ------------------------------------------------------------
    # Checked before upload
    # ------------------------------------------------------------

    def upload_route(self, name, data, voice=False):
        self.authenticate("attendant", "attendant")
        fields_ = {"thread_id": str(self.channel.id), "thread_model": "discuss.channel", "is_pending": "true",
                   "csrf_token": Request.csrf_token(self)}
        if voice:
            fields_["voice"] = "true"
        response = self.url_open("/mail/attachment/upload", data=fields_, files={"ufile": (name, data)})
        self.assertEqual(response.status_code, 200)
        return response.json()

    def test_wrong_type_is_refused_when_attached(self):
        answer = self.upload_route("setup.exe", b"MZ\x90\x00" + b"\x00" * 200)
        self.assertIn("WhatsApp does not accept this type of file", answer["error"])
        self.assertIn("setup.exe", answer["error"])
        self.assertFalse(self.env["ir.attachment"].search([("name", "=", "setup.exe")]))

    def test_oversize_is_refused_when_attached(self):
        answer = self.upload_route("gravacao.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * (4 * MIB + 1))
        self.assertIn("too large for WhatsApp", answer["error"])
        self.assertIn("16 MB", answer["error"])

    def test_accepted_file_is_attached(self):
        answer = self.upload_route("programa.pdf", samples.PDF)
        self.assertNotIn("error", answer)
        self.assertTrue(answer["data"]["attachment_id"])

    def test_refusal_is_worded_in_portuguese(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["whatsapp_crm"], ["pt_BR"])
        self.attendant.lang = "pt_BR"
        answer = self.upload_route("page.html", b"<html><body>oi</body></html>")
        self.assertIn("O WhatsApp não aceita este tipo de arquivo", answer["error"])

    def test_refused_file_is_never_posted(self):
        svg = self.attach("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>')
        with self.assertRaises(UserError) as caught:
            self.channel.with_user(self.attendant).message_post(
                body="logo", attachment_ids=svg.ids, message_type="comment")
        self.assertIn("does not accept this type", str(caught.exception))
        self.assertFalse(self.env["whatsapp.message"].search([("direction", "=", "out")]))

    def test_video_over_16_mb_is_refused_when_attached(self):
        answer = self.upload_route("show.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (16 * MIB + 10))
        self.assertIn("too large for WhatsApp", answer["error"])

    # ------------------------------------------------------------
    # Images converted
    # ------------------------------------------------------------

    def test_webp_is_converted_to_jpeg(self):
        webp = media_samples.image_bytes("WEBP", size=(120, 80))
        parts = self.post("", [("foto.webp", webp)])
        self.assertEqual(parts.message_type, "image")
        self.send_outgoing()
        [payload] = self.sent()
        uploaded = self.uploaded(payload)
        self.assertEqual((uploaded.mime_type, uploaded.data[:3]), ("image/jpeg", b"\xff\xd8\xff"))
        self.assertEqual(parts.media_ids.attachment_id.name, "foto.jpg")

    def test_png_over_5_mb_is_converted_within_the_limit(self):
        png = media_samples.noisy_png(int(5.5 * MIB))
        self.assertGreater(len(png), 5.5 * MIB)
        parts = self.post("Mapa do teatro", [("mapa.png", png)])
        self.send_outgoing()
        [payload] = self.sent()
        uploaded = self.uploaded(payload)
        self.assertEqual(uploaded.mime_type, "image/jpeg")
        self.assertLessEqual(len(uploaded.data), 5 * MIB)
        self.assertEqual(payload["image"]["caption"], "Mapa do teatro")
        self.assertEqual(parts.state, "accepted")

    # ------------------------------------------------------------
    # Failures, retries, reuse
    # ------------------------------------------------------------

    def test_upload_failure_then_retry_sends_once(self):
        self.sandbox.state.inject_failure("media_upload", raw_status=503)
        parts = self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        self.assertEqual((parts.state, parts.send_attempts), ("outgoing", 1))
        self.assertFalse(self.sent())
        self.assertFalse(parts.media_ids)
        parts.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.send_outgoing()
        self.assertEqual(parts.state, "accepted")
        self.assertEqual(len(self.sent()), 1)
        self.assertEqual(len(self.uploads()), 1)

    def test_send_failure_after_upload_does_not_upload_again(self):
        self.sandbox.state.inject_failure("messages", raw_status=502)
        parts = self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        self.assertEqual(parts.state, "outgoing")
        parts.next_attempt_at = fields.Datetime.now() - timedelta(seconds=1)
        self.send_outgoing()
        self.assertEqual((parts.state, len(self.sent()), len(self.uploads())), ("accepted", 1, 1))

    def test_a_failed_part_fails_the_message_and_the_others_are_not_sent_again(self):
        self.sandbox.state.inject_failure("messages", code=131053, details="Unsupported image dimensions")
        parts = self.post("legenda longa " * 100, [("a.jpg", samples.JPEG)])
        self.send_outgoing()
        image, text = parts
        self.assertEqual((image.state, text.state), ("failed", "accepted"))
        status = parts.mail_message_id._whatsapp_status_for_store()
        self.assertEqual((status["state"], status["error_code"]), ("failed", 131053))
        self.assertEqual(status["failure_reason"], "Media not accepted by WhatsApp: Unsupported image dimensions")

    def test_status_of_a_split_message_is_its_slowest_part(self):
        parts = self.post("Olá", [("a.pdf", samples.PDF), ("b.pdf", samples.PDF + b"\n")])
        self.send_outgoing()
        for part in parts:
            self.sandbox.emit_statuses(part.wamid, ["sent", "delivered", "read"] if part != parts[1] else ["sent"])
        self.process_inbox()
        self.assertEqual(parts.mail_message_id._whatsapp_status_for_store()["state"], "sent")

    def test_same_file_sent_again_reuses_the_upload(self):
        self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        parts = self.post("", [("programa-copia.pdf", samples.PDF)])
        self.send_outgoing()
        first, second = self.sent()
        self.assertEqual(first["document"]["id"], second["document"]["id"])
        self.assertEqual(second["document"]["filename"], "programa-copia.pdf")
        self.assertEqual(len(self.uploads()), 1)
        self.assertEqual(parts.media_ids.attachment_id, parts.attachment_id, "each message keeps its own file")

    def test_upload_older_than_29_days_is_not_reused(self):
        self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        self.env["whatsapp.media"].search([("uploaded_at", "!=", False)]).write(
            {"uploaded_at": fields.Datetime.now() - timedelta(days=29, hours=1),
             "expires_at": fields.Datetime.now() + timedelta(hours=23)})
        self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        self.assertEqual(len(self.uploads()), 2)

    def test_media_id_gone_at_meta_is_uploaded_again(self):
        self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        [old] = self.uploads()
        self.sandbox.state.expire_media(old.id)  # Meta forgot it earlier than announced
        self.env["whatsapp.media"].search([("uploaded_at", "!=", False)]).uploaded_at = \
            fields.Datetime.now() - timedelta(days=3)
        parts = self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        # The send job that met 131053 uploads the file again and sends it, in the same run.
        self.assertEqual(parts.state, "accepted")
        self.assertEqual(len(self.uploads()), 2)
        self.assertNotEqual(self.sent()[-1]["document"]["id"], old.id)

    def test_conversion_failure_is_explained(self):
        broken = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40  # a WebP header with no picture
        parts = self.env["whatsapp.message"]
        attachment = self.attach("quebrada.webp", broken)
        mail_message = self.channel.with_user(self.attendant).message_post(
            body="", attachment_ids=attachment.ids, message_type="comment", subtype_xmlid="mail.mt_comment")
        parts = self.parts_of(mail_message)
        self.send_outgoing()
        self.assertEqual((parts.state, parts.error_category), ("failed", "media_conversion"))
        self.assertIn("could not be converted", parts.failure_reason)
        self.assertFalse(self.sent())

    def test_deleted_file_fails_the_part(self):
        parts = self.post("", [("programa.pdf", samples.PDF)])
        parts.attachment_id.sudo().unlink()
        self.send_outgoing()
        self.assertEqual((parts.state, parts.error_category), ("failed", "media_missing"))

    def test_bus_carries_the_tick_of_a_split_message(self):
        parts = self.post("Olá", [("a.pdf", samples.PDF)])
        since = self.last_bus_id()
        self.send_outgoing()
        payloads = json.dumps(self.bus_payloads(since))
        self.assertIn('"whatsapp_status"', payloads)
        self.assertIn('"state": "accepted"', payloads)
        self.assertEqual((len(parts), parts.state), (1, "accepted"))


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestOutboundMediaS3(OutboundMediaMixin, S3MediaCase):

    def test_sent_file_is_kept_in_s3(self):
        parts = self.post("", [("programa.pdf", samples.PDF)])
        self.send_outgoing()
        media = parts.media_ids
        self.assertEqual(media.storage, "s3")
        self.assertEqual(self.storage().get(media.storage_key), samples.PDF)
        attachment = media.attachment_id
        self.assertEqual(attachment, parts.attachment_id)
        self.assertFalse(attachment.store_fname, "the bytes left the filestore")
        self.assertEqual(attachment.file_size, len(samples.PDF))
        self.assertEqual(media._file_content(), samples.PDF)

    @needs_av
    def test_converted_voice_note_is_kept_in_s3(self):
        parts = self.post("", [("Voice-1.mp3", media_samples.voice_mp3(1.0), True)])
        self.send_outgoing()
        media = parts.media_ids
        self.assertEqual((media.storage, media.mimetype), ("s3", "audio/ogg"))
        self.assertTrue(media_samples.ogg_page_has_opus_head(self.storage().get(media.storage_key)))
