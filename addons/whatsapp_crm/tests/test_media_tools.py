# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Pure media rules and thumbnails: no database, no HTTP."""
import base64
import hashlib
import io
import resource
import time

from PIL import Image

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools.media_rules import (
    OCTET_STREAM,
    MediaRejected,
    check_size,
    is_active_content,
    sanitize_filename,
    served_mimetype,
    sha256_hex,
    sniff,
)
from odoo.addons.whatsapp_crm.tools.media_storage import content_disposition, new_object_key
from odoo.addons.whatsapp_crm.tools.thumbnails import ThumbnailError, make_thumbnail

from meta_sandbox import samples

from .media_common import png_bomb

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def jpeg(width, height, quality=90):
    image = Image.effect_noise((width, height), 64).convert("RGB")
    output = io.BytesIO()
    image.save(output, "JPEG", quality=quality)
    return output.getvalue()


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMediaRules(BaseCase):

    def test_sniffed_type_must_match_kinds_shown_inline(self):
        self.assertEqual(served_mimetype("image", "image/jpeg", sniff(samples.JPEG)), "image/jpeg")
        self.assertEqual(served_mimetype("audio", "audio/ogg; codecs=opus", sniff(samples.OGG_OPUS)), "audio/ogg")
        self.assertEqual(served_mimetype("video", "video/mp4", sniff(samples.MP4)), "video/mp4")
        self.assertEqual(served_mimetype("sticker", "image/webp", sniff(samples.WEBP_ANIMATED)), "image/webp")
        for kind, data in (("image", HTML), ("image", SVG), ("sticker", samples.JPEG), ("video", samples.PDF),
                           ("audio", HTML)):
            with self.subTest(kind=kind, data=data[:10]), self.assertRaises(MediaRejected) as catcher:
                served_mimetype(kind, "image/jpeg", sniff(data))
            self.assertEqual(catcher.exception.reason, "mime_mismatch")

    def test_documents_never_carry_active_content(self):
        self.assertEqual(served_mimetype("document", "application/pdf", sniff(samples.PDF)), "application/pdf")
        for data, declared in ((SVG, "image/svg+xml"), (HTML, "application/pdf"), (b"plain text", "text/html"),
                               (b"<x/>", "application/xhtml+xml")):
            with self.subTest(declared=declared):
                self.assertEqual(served_mimetype("document", declared, sniff(data)), OCTET_STREAM)
        # libmagic sees an office file as a zip: the declared type is more precise, and harmless.
        docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        self.assertEqual(served_mimetype("document", docx, "application/zip"), docx)
        self.assertFalse(is_active_content(docx))
        self.assertEqual(served_mimetype("document", "image/bmp", "image/bmp"), OCTET_STREAM,
                         "only the raster types we thumbnail (and bound) are ever shown as images")

    def test_size_caps(self):
        check_size("image", 5 * 1024 * 1024)
        for kind, size in (("image", 5 * 1024 * 1024 + 1), ("sticker", 600_000), ("document", 101 * 1024 * 1024)):
            with self.subTest(kind=kind), self.assertRaises(MediaRejected):
                check_size(kind, size)

    def test_sha256_forms(self):
        digest = hashlib.sha256(b"x").digest()
        self.assertEqual(sha256_hex(base64.b64encode(digest).decode()), digest.hex())
        self.assertEqual(sha256_hex(digest.hex().upper()), digest.hex())
        for junk in (None, "", "abc", base64.b64encode(b"short").decode(), 42):
            self.assertIsNone(sha256_hex(junk))

    def test_filenames_are_sanitised_for_display(self):
        cases = {
            "../../etc/passwd": "passwd",
            "..\\..\\windows\\win.ini": "win.ini",
            "..": "file",
            "boleto\r\nContent-Type: image/png.pdf": "png.pdf",
            "boleto\r\nX-Injected: 1.pdf": "boletoX-Injected_ 1.pdf",
            "\u202efdp.exe": "fdp.exe",
            "zero\u200bwidth.pdf": "zerowidth.pdf",
            ".htaccess": "htaccess",
            '<script>"x".pdf': '_script__x_.pdf',
            "Ingresso São Paulo.pdf": "Ingresso São Paulo.pdf",
        }
        for raw, expected in cases.items():
            with self.subTest(raw=raw):
                self.assertEqual(sanitize_filename(raw), expected)
        long_name = sanitize_filename("a" * 300 + ".pdf")
        self.assertEqual((len(long_name), long_name[-4:]), (120, ".pdf"))

    def test_storage_keys_and_dispositions(self):
        keys = {new_object_key() for _ in range(100)}
        self.assertEqual(len(keys), 100)
        self.assertTrue(all(key.startswith("whatsapp/") and len(key) == 41 for key in keys))
        self.assertTrue(content_disposition("a.pdf", "application/pdf").startswith("attachment;"))
        self.assertTrue(content_disposition("a.jpg", "image/jpeg").startswith("inline;"))
        self.assertTrue(content_disposition("a.jpg", "image/jpeg", inline=False).startswith("attachment;"))
        header = content_disposition('São "x"\r\n.pdf', "application/pdf")
        self.assertNotIn("\r", header)
        self.assertIn("filename*=UTF-8''S%C3%A3o%20%22x%22%0D%0A.pdf", header)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestThumbnails(BaseCase):

    def test_images_and_stickers(self):
        for name, data in (("jpeg", samples.JPEG), ("png", samples.PNG), ("webp", samples.WEBP),
                           ("animated webp", samples.WEBP_ANIMATED)):
            with self.subTest(name):
                thumbnail, size = make_thumbnail(data)
                self.assertEqual(size, (8, 8))
                with Image.open(io.BytesIO(thumbnail)) as image:
                    self.assertEqual((image.format, getattr(image, "n_frames", 1)), ("WEBP", 1))

    def test_large_jpeg_is_decoded_in_draft_mode_quickly(self):
        data = jpeg(4000, 3000)
        started = time.perf_counter()
        thumbnail, size = make_thumbnail(data)
        elapsed = time.perf_counter() - started
        self.assertEqual(size, (4000, 3000))
        with Image.open(io.BytesIO(thumbnail)) as image:
            self.assertEqual(image.size, (500, 375))
        self.assertLess(elapsed, 0.5, "12 MP in draft mode takes tens of milliseconds")

    def test_decompression_bomb_is_refused_before_decoding(self):
        bomb = png_bomb()
        self.assertLess(len(bomb), 200_000)
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with self.assertRaises(ThumbnailError):
            make_thumbnail(bomb)
        grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before
        self.assertLess(grown_kib, 50 * 1024, "the 900 MB of pixels were never allocated")

    def test_broken_and_foreign_files(self):
        for data in (samples.JPEG[:60], b"GIF89a" + b"\x00" * 20, samples.PDF, SVG, b""):
            with self.subTest(data=data[:8]), self.assertRaises(ThumbnailError):
                make_thumbnail(data)
