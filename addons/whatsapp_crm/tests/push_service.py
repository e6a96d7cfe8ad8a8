"""A local Web Push service for the tests and the benchmark: what a browser vendor's push service
checks, done independently of the code under test.

Each request is checked as a push service would: the VAPID JWT (RFC 8292: ES256 signature by the
key in ``k``, ``aud`` = this service's origin, ``exp`` in the future and ≤ 24 h, a ``sub``), then
decrypted as the browser would (RFC 8291 aes128gcm, with ``http_ece`` and the subscription's own
private key). The answer is chosen per subscription: 201, 404/410 (gone), or a hang.
"""
import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url_decode(value):
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url_encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Subscription:
    """A browser's subscription: its keys (the private one stays here, as in the browser)."""

    token: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    endpoint: str
    answer: int = 201
    hang_seconds: float = 0

    @property
    def keys_json(self):
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return json.dumps({"p256dh": b64url_encode(public), "auth": b64url_encode(self.auth)})


@dataclass
class Received:
    """One push as the service accepted it: headers, the checked VAPID claims, the decrypted payload."""

    token: str
    headers: dict
    claims: dict
    payload: dict
    received_at: float = field(default_factory=time.time)


def verify_vapid(authorization, origin):
    """The claims of a valid ``vapid t=<jwt>, k=<key>`` header for ``origin``; raise ValueError otherwise."""
    if not authorization.startswith("vapid "):
        raise ValueError("not a vapid authorization")
    parts = dict(part.strip().split("=", 1) for part in authorization[len("vapid "):].split(","))
    token, key = parts["t"], parts["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    if header.get("alg") != "ES256":
        raise ValueError(f"algorithm {header.get('alg')}")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    signature = b64url_decode(signature_b64)
    if len(signature) != 64:
        raise ValueError("ES256 signatures are 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("bad VAPID signature") from None
    claims = json.loads(b64url_decode(claims_b64))
    if claims.get("aud") != origin:
        raise ValueError(f"aud {claims.get('aud')} is not {origin}")
    if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
        raise ValueError("exp out of range")
    if not claims.get("sub"):
        raise ValueError("no sub")
    claims["k"] = key
    return claims


class PushService:
    """``with PushService() as service: sub = service.subscribe()`` then POSTs reach ``sub.endpoint``."""

    def __init__(self):
        self.subscriptions = {}
        self.received = []
        self.rejected = []
        self.condition = threading.Condition()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                service._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def subscribe(self, answer=201, hang_seconds=0):
        token = b64url_encode(os.urandom(12))
        subscription = Subscription(token, ec.generate_private_key(ec.SECP256R1()), os.urandom(16),
                                    f"{self.origin}/push/{token}", answer, hang_seconds)
        self.subscriptions[token] = subscription
        return subscription

    def wait_for(self, count, timeout=10):
        """The first ``count`` pushes received, waiting at most ``timeout`` seconds for them."""
        deadline = time.monotonic() + timeout
        with self.condition:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.condition.wait(left)
            return list(self.received)

    def _handle(self, request):
        token = request.path.rsplit("/", 1)[-1]
        subscription = self.subscriptions.get(token)
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if subscription is None:
            return self._answer(request, 404)
        if subscription.hang_seconds:
            time.sleep(subscription.hang_seconds)
        try:
            claims = verify_vapid(request.headers.get("Authorization", ""), self.origin)
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("content encoding")
            plain = http_ece.decrypt(body, private_key=subscription.private_key, auth_secret=subscription.auth,
                                     version="aes128gcm")
            payload = json.loads(plain)
        except (ValueError, KeyError) as error:
            self.rejected.append((token, str(error)))
            return self._answer(request, 400)
        if subscription.answer == 201:
            with self.condition:
                self.received.append(Received(token, dict(request.headers), claims, payload))
                self.condition.notify_all()
        return self._answer(request, subscription.answer)

    @staticmethod
    def _answer(request, status):
        request.send_response(status)
        request.send_header("Content-Length", "0")
        request.end_headers()
