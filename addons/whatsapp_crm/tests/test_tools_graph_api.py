# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import graph_api
from odoo.addons.whatsapp_crm.tools.graph_api import (
    GraphError,
    WhatsAppGraphClient,
    parse_send_response,
    reaction_payload,
    text_payload,
)

from .common import LoopbackRequestsMixin

TOKEN = "EAAG-test-token-never-logged"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
CUSTOMER = "5511999998888"
GRAPH_LOGGER = graph_api.__name__


class FakeGraphServer(ThreadingHTTPServer):
    """A loopback HTTP server answering from ``routes`` and recording every request it gets."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _FakeGraphHandler)
        self.routes = {}     # (method, path) -> callable(request dict) -> (status, body, headers)
        self.received = []
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.server_port}"

    def handle_error(self, request, client_address):
        pass  # the client hung up first (timeout test): nothing to report

    def stop(self):
        self.shutdown()
        self.server_close()


class _FakeGraphHandler(BaseHTTPRequestHandler):

    def _handle(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        request = {"method": self.command, "path": url.path, "query": parse_qs(url.query),
                   "headers": dict(self.headers), "body": body}
        self.server.received.append(request)
        route = self.server.routes.get((self.command, url.path))
        if route is None:
            status, payload, headers = 404, {"error": {"message": "Unknown path", "code": 100}}, {}
        else:
            status, payload, headers = route(request)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        headers = {"Content-Type": "application/json", **headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle

    def log_message(self, *args):
        pass


def answer(payload, status=200, **headers):
    return lambda request: (status, payload, headers)


def meta_error(code, message, subcode=None, details=None, error_type="OAuthException"):
    error = {"message": message, "type": error_type, "code": code, "fbtrace_id": "AbCdEfTrace"}
    if subcode:
        error["error_subcode"] = subcode
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestGraphClient(LoopbackRequestsMixin, BaseCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.graph = FakeGraphServer()
        cls.addClassCleanup(cls.graph.stop)
        # A second server standing for "anywhere else": it must never be reached.
        cls.elsewhere = FakeGraphServer()
        cls.addClassCleanup(cls.elsewhere.stop)

    def setUp(self):
        super().setUp()
        for server in (self.graph, self.elsewhere):
            server.routes.clear()
            server.received.clear()
        self.client = self.make_client()

    def make_client(self, **kwargs):
        client = WhatsAppGraphClient(**{
            "base_url": self.graph.origin, "api_version": "v23.0", "phone_number_id": PHONE_NUMBER_ID,
            "waba_id": WABA_ID, "access_token": TOKEN, **kwargs,
        })
        self.addCleanup(client.close)
        return client

    def fetch_absolute(self, url):
        return self.client._request("GET", "", absolute_url=url, expect_json=False)

    def assertGraphError(self, call, *args, **expected):
        """Run ``call(*args)``, expect a GraphError whose attributes include ``expected``."""
        with self.assertRaises(GraphError) as catcher:
            call(*args)
        error = catcher.exception
        self.assertEqual({key: getattr(error, key) for key in expected}, expected)
        return error

    # === REQUEST SHAPE === #

    def test_bearer_header_version_and_path(self):
        info = {"display_phone_number": "+55 11 4000-0000", "verified_name": "Loja", "quality_rating": "GREEN"}
        self.graph.routes[("GET", f"/v23.0/{PHONE_NUMBER_ID}")] = answer(info)
        self.assertEqual(self.client.get_phone_number(), info)
        (request,) = self.graph.received
        self.assertEqual(request["headers"]["Authorization"], f"Bearer {TOKEN}")
        self.assertEqual(request["query"],
                         {"fields": ["display_phone_number,verified_name,quality_rating,messaging_limit_tier"]})
        self.assertNotIn(TOKEN, json.dumps(request["query"]), "token only in the header")

        self.graph.routes[("GET", f"/v25.0/{PHONE_NUMBER_ID}")] = answer(info)
        self.make_client(base_url=self.graph.origin + "/", api_version="v25.0").get_phone_number()
        self.assertEqual(self.graph.received[-1]["path"], f"/v25.0/{PHONE_NUMBER_ID}")

    def test_send_text_and_parse_the_answer(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer({
            "messaging_product": "whatsapp",
            "contacts": [{"input": "5511999998888", "wa_id": "5511999998888"}],
            "messages": [{"id": "wamid.HBgNNTUx", "message_status": "accepted"}],
        })
        response = self.client.send_message(text_payload(CUSTOMER, "Olá!", reply_to="wamid.quoted"))
        self.assertEqual(parse_send_response(response), ("wamid.HBgNNTUx", "5511999998888"))
        (request,) = self.graph.received
        self.assertTrue(request["headers"]["Content-Type"].startswith("application/json"))
        self.assertEqual(json.loads(request["body"]), {
            "messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER, "type": "text",
            "text": {"body": "Olá!", "preview_url": False}, "context": {"message_id": "wamid.quoted"},
        })

    def test_mark_read_with_typing_indicator(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer({"success": True})
        self.assertEqual(self.client.mark_read("wamid.in1", typing_indicator=True), {"success": True})
        self.client.mark_read("wamid.in2")
        first, second = (json.loads(r["body"]) for r in self.graph.received)
        self.assertEqual(first, {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in1",
                                 "typing_indicator": {"type": "text"}})
        self.assertEqual(second, {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.in2"})

    def test_upload_media_is_multipart(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/media")] = answer({"id": "1166846181421424"})
        media_id = self.client.upload_media(b"OggS\x00fake-opus", "audio/ogg", "voice.ogg")
        self.assertEqual(media_id, "1166846181421424")
        (request,) = self.graph.received
        self.assertTrue(request["headers"]["Content-Type"].startswith("multipart/form-data; boundary="))
        body = request["body"]
        for part in (b'name="messaging_product"\r\n\r\nwhatsapp', b'name="type"\r\n\r\naudio/ogg',
                     b'name="file"; filename="voice.ogg"', b"OggS\x00fake-opus"):
            self.assertIn(part, body)

    def test_ids_cannot_steer_the_path(self):
        for media_id in ("../../me", "123/messages", "123?fields=access_token", "1%2F2", "", None, 123):
            with self.subTest(media_id=media_id):
                self.assertGraphError(self.client.get_media, media_id, category="parameter", retryable=False)
        self.assertGraphError(self.make_client(waba_id=None).list_templates, category="parameter")
        self.assertEqual(self.graph.received, [])
        self.graph.routes[("GET", "/v23.0/1479537139650973")] = answer({"url": "https://lookaside.fbsbx.com/x"})
        self.assertEqual(self.client.get_media("1479537139650973"), {"url": "https://lookaside.fbsbx.com/x"})

    # === ERROR MAPPING === #

    def test_meta_error_json_window_closed(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer(meta_error(
            131047, "(#131047) Re-engagement message", subcode=2494010,
            details="Message failed to send because more than 24 hours have passed"), status=400)
        error = self.assertGraphError(
            lambda: self.client.send_message(text_payload(CUSTOMER, "oi")),
            code=131047, http_status=400, subcode=2494010, fbtrace_id="AbCdEfTrace", category="window_closed",
            retryable=False, error_type="OAuthException", outcome_unknown=False,
            details="Message failed to send because more than 24 hours have passed")
        self.assertEqual(error.message, "(#131047) Re-engagement message")

    def test_rate_limit_429_is_retryable(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer(
            meta_error(130429, "(#130429) Rate limit hit"), status=429)
        self.assertGraphError(lambda: self.client.send_message(text_payload(CUSTOMER, "oi")),
                              code=130429, http_status=429, category="rate_limit", retryable=True)

    def test_statuses_without_meta_json(self):
        cases = {
            502: ("transient", True),
            503: ("transient", True),
            429: ("rate_limit", True),
            401: ("auth", False),
            404: ("unknown", False),
        }
        for status, (category, retryable) in cases.items():
            with self.subTest(status=status):
                self.graph.routes[("GET", f"/v23.0/{PHONE_NUMBER_ID}")] = answer(
                    b"<html>Bad Gateway</html>", status=status, **{"Content-Type": "text/html"})
                self.assertGraphError(self.client.get_phone_number, code=None, http_status=status,
                                      category=category, retryable=retryable)

    def test_unmapped_code_on_5xx_is_transient(self):
        self.graph.routes[("GET", f"/v23.0/{PHONE_NUMBER_ID}")] = answer(meta_error(99999, "?"), status=500)
        self.assertGraphError(self.client.get_phone_number, code=99999, category="transient", retryable=True)

    def test_timeout_is_transient(self):
        def slow(request):
            time.sleep(0.6)
            return 200, {}, {}

        self.graph.routes[("GET", f"/v23.0/{PHONE_NUMBER_ID}")] = slow
        client = self.make_client(timeout=0.15)
        started = time.monotonic()
        # The request was sent: had it been a send, Meta may have delivered it.
        self.assertGraphError(client.get_phone_number, code=None, http_status=None, category="transient",
                              retryable=True, outcome_unknown=True)
        self.assertLess(time.monotonic() - started, 0.55, "the client gave up on its own timeout")

    def test_connection_refused_is_transient(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            closed_port = probe.getsockname()[1]
        client = self.make_client(base_url=f"http://127.0.0.1:{closed_port}")
        self.assertGraphError(client.get_phone_number, code=None, category="transient", retryable=True,
                              outcome_unknown=False)

    def test_2xx_that_is_not_json(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer(b"<html>ok</html>")
        # The send may have happened: never an automatic retry.
        self.assertGraphError(lambda: self.client.send_message(text_payload(CUSTOMER, "oi")),
                              http_status=200, category="unknown", retryable=False, outcome_unknown=True)

    def test_no_token_no_request(self):
        self.assertGraphError(self.make_client(access_token="").get_phone_number, category="auth")
        self.assertEqual(self.graph.received, [])

    def test_logs_hold_no_token_and_no_content(self):
        self.graph.routes[("POST", f"/v23.0/{PHONE_NUMBER_ID}/messages")] = answer(
            meta_error(131026, "(#131026) Message undeliverable"), status=400)
        with self.assertLogs(GRAPH_LOGGER, "DEBUG") as logs:
            with self.assertRaises(GraphError):
                self.client.send_message(text_payload(CUSTOMER, "segredo do cliente"))
            self.graph.routes[("GET", f"/v23.0/{PHONE_NUMBER_ID}")] = answer({})
            self.client.get_phone_number()
        output = "\n".join(logs.output)
        self.assertIn(f"/v23.0/{PHONE_NUMBER_ID}/messages", output)
        self.assertIn("AbCdEfTrace", output)
        self.assertIn("131026", output)
        for secret in (TOKEN, "segredo", CUSTOMER, "Bearer"):
            self.assertNotIn(secret, output)
        self.assertNotIn(TOKEN, repr(self.client))

    # === TEMPLATES PAGING === #

    def test_list_templates_follows_paging(self):
        path = f"/v23.0/{WABA_ID}/message_templates"
        pages = {
            None: ([{"name": "t1"}, {"name": "t2"}], "c1"),
            "c1": ([{"name": "t3"}, {"name": "t4"}], "c2"),
            "c2": ([{"name": "t5"}], None),
        }

        def templates(request):
            data, next_cursor = pages[request["query"].get("after", [None])[0]]
            paging = {"cursors": {"before": "b", "after": next_cursor or "end"}}
            if next_cursor:
                paging["next"] = f"{self.graph.origin}{path}?fields=name&limit=2&after={next_cursor}"
            return 200, {"data": data, "paging": paging}, {}

        self.graph.routes[("GET", path)] = templates
        result = self.client.list_templates(fields=("name", "status"), limit=2)
        self.assertEqual([t["name"] for t in result], ["t1", "t2", "t3", "t4", "t5"])
        self.assertEqual(len(self.graph.received), 3)
        self.assertEqual(self.graph.received[0]["query"], {"fields": ["name,status"], "limit": ["2"]})
        self.assertTrue(all(r["headers"]["Authorization"] == f"Bearer {TOKEN}" for r in self.graph.received))

    def test_list_templates_paging_guards(self):
        path = f"/v23.0/{WABA_ID}/message_templates"
        loop_link = f"{self.graph.origin}{path}?after=same"
        self.graph.routes[("GET", path)] = answer({"data": [{"name": "t"}], "paging": {"next": loop_link}})
        self.assertGraphError(self.client.list_templates, category="unknown")
        self.assertEqual(len(self.graph.received), 2, "stopped at the first repeated link")

        self.graph.received.clear()
        counter = iter(range(1000))
        self.graph.routes[("GET", path)] = lambda request: (
            200, {"data": [], "paging": {"next": f"{self.graph.origin}{path}?after={next(counter)}"}}, {})
        with patch.object(graph_api, "MAX_TEMPLATE_PAGES", 3):
            self.assertGraphError(self.client.list_templates, category="unknown")
        self.assertEqual(len(self.graph.received), 3)

        off_origin = f"{self.elsewhere.origin}{path}?after=x"
        self.graph.routes[("GET", path)] = answer({"data": [], "paging": {"next": off_origin}})
        self.assertGraphError(self.client.list_templates, category="policy")
        self.assertEqual(self.elsewhere.received, [])

    # === ABSOLUTE URLS (media) === #

    def test_absolute_url_outside_allowlist_is_never_contacted(self):
        elsewhere_port = self.elsewhere.server_port
        refused = [
            f"http://127.0.0.1:{elsewhere_port}/media",             # allowlisted host, other port
            f"http://localhost:{self.graph.server_port}/media",     # same machine, other name
            f"http://lookaside.fbsbx.com@127.0.0.1:{elsewhere_port}/media",
            f"http://127.0.0.1:{elsewhere_port}\\@lookaside.fbsbx.com/media",
            "http://lookaside.fbsbx.com/media",                      # Meta's host, but port 80
            "https://lookaside.fbsbx.com.evil.example/media",
            "http://169.254.169.254/latest/meta-data/",
            "file:///etc/passwd",
            f"http://127.0.0.1:{self.graph.server_port}/media\r\nX-Injected: 1",
            "",
        ]
        for url in refused:
            with self.subTest(url=url):
                self.assertGraphError(self.fetch_absolute, url, category="policy", retryable=False)
        self.assertEqual(self.elsewhere.received, [])
        self.assertEqual(self.graph.received, [])

    def test_https_base_allows_only_https_meta_media(self):
        client = self.make_client(base_url="https://graph.facebook.com")
        # Checked without sending anything: these hosts are not reachable from tests.
        media_url = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&hash=2"
        self.assertEqual(client._check_absolute_url(media_url), media_url)
        for url in ("http://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
                    f"{self.graph.origin}/media", "https://graph.facebook.com:8443/x"):
            with self.subTest(url=url), self.assertRaises(GraphError):
                client._check_absolute_url(url)

    def test_absolute_url_download_streams_and_never_follows_redirects(self):
        image = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
        self.graph.routes[("GET", "/media/blob")] = answer(image, **{"Content-Type": "image/png"})
        self.graph.routes[("GET", "/media/redirect")] = answer(
            b"", status=302, Location=f"{self.elsewhere.origin}/stolen")
        response = self.client._request("GET", "", absolute_url=f"{self.graph.origin}/media/blob?sig=abc",
                                        stream=True, expect_json=False)
        with response:
            self.assertEqual(response.content, image)
        self.assertEqual(self.graph.received[0]["headers"]["Authorization"], f"Bearer {TOKEN}")
        self.assertGraphError(self.fetch_absolute, f"{self.graph.origin}/media/redirect",
                              http_status=302, category="policy")
        self.assertEqual(self.elsewhere.received, [])


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestGraphPayloads(BaseCase):

    def test_text_payload_addressing(self):
        self.assertEqual(text_payload(CUSTOMER, "oi"), {
            "recipient_type": "individual", "to": CUSTOMER, "type": "text",
            "text": {"body": "oi", "preview_url": False}})
        bsuid_only = text_payload(None, "oi", recipient="BR.1502576394655843", preview_url=True)
        self.assertEqual((bsuid_only.get("to"), bsuid_only["recipient"], bsuid_only["text"]["preview_url"]),
                         (None, "BR.1502576394655843", True))
        self.assertNotIn("recipient", text_payload(CUSTOMER, "oi", recipient="BR.1"), "phone wins when known")

    def test_text_payload_limits(self):
        self.assertEqual(len(text_payload(CUSTOMER, "a" * 4096)["text"]["body"]), 4096)
        for to, body, recipient in ((CUSTOMER, "a" * 4097, None), (CUSTOMER, "", None), (None, "oi", None)):
            with self.subTest(body_length=len(body), to=to), self.assertRaises(ValueError):
                text_payload(to, body, recipient=recipient)

    def test_reaction_payload(self):
        self.assertEqual(reaction_payload(CUSTOMER, "wamid.in1", "\u2764\ufe0f"), {
            "recipient_type": "individual", "to": CUSTOMER, "type": "reaction",
            "reaction": {"message_id": "wamid.in1", "emoji": "\u2764\ufe0f"}})
        self.assertEqual(reaction_payload(CUSTOMER, "wamid.in1", None)["reaction"]["emoji"], "", "removal")

    def test_parse_send_response(self):
        self.assertEqual(parse_send_response({"messages": [{"id": "wamid.1"}],
                                              "contacts": [{"input": "BR.1", "user_id": "BR.1"}]}),
                         ("wamid.1", None))
        for broken in ({}, {"messages": []}, {"messages": [{}]}, {"messages": {"id": "x"}}, None, []):
            with self.subTest(broken=broken), self.assertRaises(GraphError):
                parse_send_response(broken)

    def test_configuration_errors(self):
        with self.assertRaises(ValueError):
            WhatsAppGraphClient(access_token="t", api_version="23")
        with self.assertRaises(ValueError):
            WhatsAppGraphClient(access_token="t", base_url="ftp://graph.facebook.com")
        client = WhatsAppGraphClient(access_token="t", base_url="", api_version=None)
        self.assertEqual((client.base_url, client.api_version), ("https://graph.facebook.com", "v23.0"))
