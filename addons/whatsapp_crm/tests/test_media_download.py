# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""The media downloader and the Graph client's media download, against loopback HTTP servers."""
import base64
import hashlib
import json
import socket
import threading
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import graph_api, media_download
from odoo.addons.whatsapp_crm.tools.graph_api import GraphError, WhatsAppGraphClient
from odoo.addons.whatsapp_crm.tools.media_download import MediaDownloadError, MediaUnavailable, fetch_media
from odoo.addons.whatsapp_crm.tools.media_rules import MediaRejected

from meta_sandbox import samples

from .common import LoopbackRequestsMixin

TOKEN = "EAAG-media-token"


class RawHTTPServer:
    """Answers each path with the exact bytes it is given (lying headers and cut bodies included),
    and records the requests it gets."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.routes = {}       # path -> raw response bytes (or callable(path) -> bytes)
        self.received = []     # (path, headers text)
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def _serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection):
        with connection:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                request += chunk
            head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            path = head.split(" ", 2)[1].split("?", 1)[0]
            self.received.append((path, head))
            route = self.routes.get(path)
            raw = route(path) if callable(route) else route
            connection.sendall(raw or b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def close(self):
        self.listener.close()


def http_response(body, status="200 OK", content_length=None, **headers):
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body) if content_length is None else content_length}",
             "Connection: close", *(f"{name.replace('_', '-')}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def media_info(url, data, mime_type="image/jpeg", **overrides):
    info = {"messaging_product": "whatsapp", "url": url, "mime_type": mime_type,
            "sha256": hashlib.sha256(data).hexdigest(), "file_size": len(data), "id": "1234"}
    info.update(overrides)
    return http_response(json.dumps(info).encode(), Content_Type="application/json")


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestMediaDownload(LoopbackRequestsMixin, BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.graph = RawHTTPServer()
        cls.addClassCleanup(cls.graph.close)
        cls.elsewhere = RawHTTPServer()  # "anywhere else": must never be contacted
        cls.addClassCleanup(cls.elsewhere.close)

    def setUp(self):
        super().setUp()
        for server in (self.graph, self.elsewhere):
            server.routes.clear()
            server.received.clear()
        self.client = WhatsAppGraphClient(base_url=self.graph.origin, api_version="v23.0", access_token=TOKEN)
        self.addCleanup(self.client.close)

    def serve(self, data, body=None, **info_overrides):
        """GET /v23.0/1234 → info pointing at /media/blob, which answers ``body`` (default: a correct one)."""
        self.graph.routes["/v23.0/1234"] = media_info(f"{self.graph.origin}/media/blob", data, **info_overrides)
        self.graph.routes["/media/blob"] = body if body is not None else http_response(
            data, Content_Type="image/jpeg")

    def fetch(self, kind="image", **kwargs):
        return fetch_media(self.client, "1234", kind, **kwargs)

    def test_download_verifies_and_sniffs(self):
        self.serve(samples.JPEG)
        downloaded = self.fetch(expected_sha256="")
        self.addCleanup(downloaded.close)
        self.assertEqual((downloaded.read_bytes(), downloaded.mimetype, downloaded.size),
                         (samples.JPEG, "image/jpeg", len(samples.JPEG)))
        self.assertEqual([path for path, _head in self.graph.received], ["/v23.0/1234", "/media/blob"])
        self.assertIn(f"Authorization: Bearer {TOKEN}", self.graph.received[1][1])

    def test_integrity_failures_leave_nothing(self):
        opened = []
        real_spool = media_download.tempfile.SpooledTemporaryFile

        def spy(*args, **kwargs):
            opened.append(real_spool(*args, **kwargs))
            return opened[-1]

        other = hashlib.sha256(b"other").hexdigest()
        cases = {
            "sha256 mismatch (Graph)": ({"sha256": other}, None, "sha256_mismatch"),
            "size lie (longer than announced)": ({"file_size": 10}, None, "size_mismatch"),
            "size over the cap (announced)": ({"file_size": 6 * 1024 * 1024}, None, "too_large"),
            "size over the cap (Content-Length)": ({"file_size": None}, http_response(
                samples.JPEG, content_length=6 * 1024 * 1024), "too_large"),
        }
        with patch.object(media_download.tempfile, "SpooledTemporaryFile", spy):
            for name, (overrides, body, reason) in cases.items():
                with self.subTest(name):
                    self.serve(samples.JPEG, body, **overrides)
                    with self.assertRaises(MediaRejected) as catcher:
                        self.fetch()
                    self.assertEqual(catcher.exception.reason, reason)
            with self.subTest("webhook sha256 mismatch"), self.assertRaises(MediaRejected):
                self.serve(samples.JPEG)
                self.fetch(expected_sha256=base64.b64encode(hashlib.sha256(b"other").digest()).decode())
        self.assertTrue(opened and all(spool.closed for spool in opened), "no partial file survives")

    def test_truncated_and_mime_lie(self):
        self.serve(samples.JPEG, http_response(samples.JPEG[: len(samples.JPEG) // 2],
                                               content_length=len(samples.JPEG)))
        with self.assertRaises(MediaDownloadError):
            self.fetch()
        html = b"<html><script>alert(1)</script></html>"
        self.serve(html)
        with self.assertRaises(MediaRejected) as catcher:
            self.fetch()
        self.assertEqual(catcher.exception.reason, "mime_mismatch")

    def test_expired_url_gets_a_fresh_one(self):
        self.serve(samples.JPEG)
        answers = [http_response(b"URL signature expired", status="404 Not Found"),
                   http_response(samples.JPEG)]
        self.graph.routes["/media/blob"] = lambda path: answers.pop(0)
        downloaded = self.fetch()
        downloaded.close()
        self.assertEqual([path for path, _ in self.graph.received].count("/v23.0/1234"), 2, "a fresh GET")
        # Expired for good: a transient error (retried later), not a crash.
        self.graph.routes["/media/blob"] = http_response(b"expired", status="404 Not Found")
        with self.assertRaises(MediaDownloadError):
            self.fetch()

    def test_expired_media_id(self):
        error = {"error": {"message": "Unsupported get request.", "type": "GraphMethodException",
                           "code": 100, "error_subcode": 33}}
        self.graph.routes["/v23.0/1234"] = http_response(json.dumps(error).encode(), status="400 Bad Request")
        with self.assertRaises(MediaUnavailable):
            self.fetch()

    def test_ssrf_urls_are_refused_without_any_request(self):
        for url in ("http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/media", "file:///etc/passwd",
                    f"{self.elsewhere.origin}/media", "https://lookaside.fbsbx.com.evil.example/m",
                    f"http://lookaside.fbsbx.com@127.0.0.1:{self.elsewhere.port}/m"):
            with self.subTest(url=url):
                self.graph.routes["/v23.0/1234"] = media_info(url, samples.JPEG)
                with self.assertRaises(GraphError) as catcher:
                    self.fetch()
                self.assertEqual(catcher.exception.category, "policy")
        self.assertEqual(self.elsewhere.received, [])

    def test_redirects_followed_only_within_the_allowlist(self):
        self.serve(samples.JPEG)
        self.graph.routes["/media/redirect"] = http_response(
            b"", status="302 Found", Location=f"{self.graph.origin}/media/blob")
        self.graph.routes["/v23.0/1234"] = media_info(f"{self.graph.origin}/media/redirect", samples.JPEG)
        self.fetch().close()
        self.graph.routes["/media/redirect"] = http_response(
            b"", status="302 Found", Location=f"{self.elsewhere.origin}/stolen")
        with self.assertRaises(GraphError) as catcher:
            self.fetch()
        self.assertEqual(catcher.exception.category, "policy")
        self.graph.routes["/media/redirect"] = http_response(
            b"", status="302 Found", Location="/media/redirect")
        with self.assertRaises(GraphError):
            self.fetch()  # a loop
        self.assertEqual(self.elsewhere.received, [])

    def test_allowlisted_host_on_a_private_address_is_refused(self):
        # A media host entry pointing at a loopback service (other than the Graph origin itself).
        client = WhatsAppGraphClient(base_url=self.graph.origin, access_token=TOKEN,
                                     media_hosts=[f"127.0.0.1:{self.elsewhere.port}"])
        self.addCleanup(client.close)
        with self.assertRaises(GraphError) as catcher:
            client.download_media(f"{self.elsewhere.origin}/media")
        self.assertEqual(catcher.exception.category, "policy")
        self.assertEqual(self.elsewhere.received, [])
        meta = WhatsAppGraphClient(base_url="https://graph.facebook.com", access_token=TOKEN)
        self.addCleanup(meta.close)
        url = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
        for addresses, allowed in ((["157.240.12.1"], True), (["10.1.2.3"], False), (["157.240.12.1", "::1"], False),
                                   (["::ffff:169.254.169.254"], False), (["100.64.0.1"], False)):
            with self.subTest(addresses=addresses), patch.object(graph_api, "_resolve", return_value=addresses):
                if allowed:
                    meta._check_public_address(url)
                else:
                    with self.assertRaises(GraphError):
                        meta._check_public_address(url)
