"""Meta's rules for what we send, and the conversions, without Odoo (pure tools)."""
import io
import unittest

from PIL import Image

from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools import media_convert
from odoo.addons.whatsapp_crm.tools.outbound_media import Plan, Refusal, normalise, plan

from . import media_samples

MIB = 1024 * 1024
needs_av = unittest.skipIf(not media_convert.av_available(), "PyAV is not installed")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestOutboundRules(unittest.TestCase):

    def test_accepted_as_they_are(self):
        self.assertEqual(plan("image/jpeg", 1000), Plan("image", "image/jpeg"))
        self.assertEqual(plan("image/png", 5 * MIB), Plan("image", "image/png"))
        self.assertEqual(plan("application/pdf", 100 * MIB), Plan("document", "application/pdf"))
        self.assertEqual(plan("audio/mpeg", 1000), Plan("audio", "audio/mpeg"))
        self.assertEqual(plan("audio/ogg", 1000, ogg_opus=True), Plan("audio", "audio/ogg"))
        self.assertEqual(plan("text/csv", 10), Plan("document", "text/plain"))

    def test_converted(self):
        for sniffed in ("image/webp", "image/gif", "image/heic", "image/bmp"):
            self.assertEqual(plan(sniffed, 1000), Plan("image", "image/jpeg", "jpeg"), sniffed)
        self.assertEqual(plan("image/png", 5 * MIB + 1), Plan("image", "image/jpeg", "jpeg"))
        self.assertEqual(plan("audio/mpeg", 1000, voice=True), Plan("audio", "audio/ogg", "voice", voice=True))
        self.assertEqual(plan("audio/ogg", 1000, ogg_opus=False), Plan("audio", "audio/ogg", "opus"))
        self.assertEqual(plan("audio/x-wav", 1000), Plan("audio", "audio/ogg", "opus"))
        self.assertEqual(plan("video/webm", 1000, voice=True).conversion, "voice")
        self.assertEqual(plan("video/x-msvideo", 1000), Plan("video", "video/mp4", "mp4"))
        self.assertEqual(plan("video/mp4", 1000).conversion, "mp4", "the codecs are probed before sending")

    def test_refused(self):
        self.assertEqual(plan("application/x-dosexec", 10).code, "type")
        self.assertEqual(plan("image/svg+xml", 10).code, "type")
        self.assertEqual(plan("text/html", 10).code, "type")
        self.assertEqual(plan("application/pdf", 100 * MIB + 1), Refusal("too_large", "document", "application/pdf",
                                                                        100 * MIB + 1, 100 * MIB))
        self.assertEqual(plan("video/mp4", 16 * MIB + 1).code, "too_large")
        self.assertEqual(plan("audio/mpeg", 16 * MIB + 1).code, "too_large")

    def test_without_pyav(self):
        self.assertEqual(plan("audio/mpeg", 1000, voice=True, can_convert_av=False), Plan("audio", "audio/mpeg"))
        self.assertEqual(plan("video/x-msvideo", 1000, can_convert_av=False).code, "needs_conversion")
        self.assertEqual(plan("video/mp4", 1000, can_convert_av=False), Plan("video", "video/mp4"))
        self.assertEqual(plan("image/heic", 1000, can_convert_av=False).code, "needs_conversion")
        self.assertEqual(plan("image/webp", 1000, can_convert_av=False), Plan("image", "image/jpeg", "jpeg"))

    def test_office_files_are_named_by_their_extension(self):
        self.assertEqual(normalise("application/zip", "plano.xlsx"),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertEqual(normalise("application/x-ole-storage", "ata.doc"), "application/msword")
        self.assertEqual(normalise("application/msword", "planilha.xls"), "application/vnd.ms-excel")
        self.assertEqual(plan("application/zip", 10, filename="fotos.zip").code, "type")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestConversions(unittest.TestCase):

    @needs_av
    def test_voice_mp3_to_ogg_opus(self):
        mp3 = media_samples.voice_mp3(10.0)
        ogg = media_convert.to_ogg_opus(mp3)
        self.assertEqual(ogg[:4], b"OggS")
        self.assertIn(b"OpusHead", ogg[:64])
        self.assertAlmostEqual(media_convert.audio_duration(ogg), media_convert.audio_duration(mp3), delta=0.1)
        info = media_convert.probe(ogg)
        self.assertEqual((info.audio_codec, info.video_codec), ("opus", None))
        # 32 kbit/s: 10 s is about 40 KB, far under the 512 KB of WhatsApp's play icon.
        self.assertLess(len(ogg), 60_000)

    @needs_av
    def test_garbage_is_not_converted(self):
        with self.assertRaises(media_convert.ConversionError):
            media_convert.to_ogg_opus(b"ID3" + b"\x00" * 100)

    def test_transparent_png_becomes_jpeg_on_white(self):
        png = media_samples.image_bytes("PNG", mode="RGBA", size=(40, 30))
        jpeg = media_convert.to_jpeg(png)
        self.assertEqual(jpeg[:3], b"\xff\xd8\xff")

    def test_big_png_fits_in_5_mb(self):
        png = media_samples.noisy_png(int(5.5 * MIB))
        jpeg = media_convert.to_jpeg(png)
        self.assertLessEqual(len(jpeg), 5 * MIB)

    @needs_av
    def test_heic_becomes_jpeg(self):
        jpeg = media_convert.to_jpeg(media_samples.HEIC_RED)
        self.assertEqual(jpeg[:3], b"\xff\xd8\xff")
        red, green, blue = Image.open(io.BytesIO(jpeg)).getpixel((10, 10))
        self.assertGreater(red, 150)
        self.assertLess(green + blue, 120)

    def test_too_many_pixels_are_refused(self):
        with self.assertRaises(media_convert.ConversionError):
            media_convert.to_jpeg(media_samples.image_bytes("PNG", size=(200, 200)), max_pixels=100 * 100)
