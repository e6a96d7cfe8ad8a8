"""Test helpers: a recording webhook receiver, a small Graph client and Meta error-shape assertions."""

import threading

import requests
from werkzeug.wrappers import Request, Response

from meta_sandbox import GraphServer

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
TOKEN = "test-token"
PHONE_ID = "111222333444555"
WABA_ID = "999888777666555"
DISPLAY = "5511940000000"


class Receiver:
    """A webhook endpoint that records every request (method, headers, raw body) and answers 200.

    ``status`` changes the POST answer; the GET handshake echoes ``hub.challenge`` when the token matches.
    """

    def __init__(self):
        self.requests = []
        self.status = 200
        self._changed = threading.Condition()
        self.server = GraphServer(self.app)

    def app(self, environ, start_response):
        request = Request(environ)
        if request.method == "GET":
            ok = (request.args.get("hub.mode") == "subscribe"
                  and request.args.get("hub.verify_token") == VERIFY_TOKEN)
            response = Response(request.args.get("hub.challenge", "") if ok else "Forbidden",
                                status=200 if ok else 403, mimetype="text/plain")
        else:
            with self._changed:
                self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
                self._changed.notify_all()
            response = Response("OK", status=self.status)
        return response(environ, start_response)

    def clear(self):
        with self._changed:
            self.requests.clear()
            self.status = 200

    @property
    def url(self):
        return f"{self.server.base_url}/whatsapp/webhook"

    @property
    def bodies(self):
        return [r["body"] for r in self.requests]

    def wait_for(self, count, timeout=5.0):
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.requests) >= count, timeout), \
                f"expected {count} webhook POSTs, got {len(self.requests)}"
        return self.requests


class Graph:
    """Minimal Graph client for tests: base URL with a version, bearer header."""

    def __init__(self, sandbox, token=TOKEN, version="v23.0"):
        self.base = f"{sandbox.base_url}/{version}"
        self.session = requests.Session()
        self.session.trust_env = False
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path, **kwargs):
        return self.session.get(self._url(path), timeout=5, **kwargs)

    def post(self, path, **kwargs):
        return self.session.post(self._url(path), timeout=5, **kwargs)

    def _url(self, path):
        return path if path.startswith("http") else f"{self.base}/{path.lstrip('/')}"

    def send(self, payload, phone_id=PHONE_ID):
        return self.post(f"{phone_id}/messages", json={"messaging_product": "whatsapp", **payload})

    def upload(self, data, mime, *, filename="file.bin", phone_id=PHONE_ID, type_field=True):
        form = {"messaging_product": "whatsapp"}
        if type_field:
            form["type"] = mime
        return self.post(f"{phone_id}/media", data=form, files={"file": (filename, data, mime)})


def assert_graph_error(response, code, http_status=None, subcode=None):
    """Assert Meta's exact error body shape and the expected code."""
    assert response.status_code == (http_status or {190: 401, 130429: 429, 131056: 429, 4: 429, 80007: 429,
                                                     131000: 500, 131016: 500}.get(code, 400)), response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    assert error["type"] in ("OAuthException", "GraphMethodException")
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert isinstance(error["error_data"]["details"], str)
    assert isinstance(error["fbtrace_id"], str) and len(error["fbtrace_id"]) > 10
    if subcode is not None:
        assert error["error_subcode"] == subcode
    return error
