"""Webhook body encoding and the ``X-Hub-Signature-256`` header Meta puts on every webhook POST."""

import hashlib
import hmac
import json


def encode(payload):
    """Serialise a payload the way Meta's webhook bodies look: compact, ASCII-only (``\\u00e1``) and with escaped
    slashes (``https:\\/\\/``).

    This matters for receivers: re-serialising the parsed JSON with Python's defaults gives different bytes, so a
    receiver that verifies a re-encoded body (instead of the raw bytes) fails here just as it would with Meta.
    """
    # "/" occurs only inside JSON strings, so escaping it everywhere is safe.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode("ascii")


def _key(app_secret):
    return app_secret.encode() if isinstance(app_secret, str) else app_secret


def sign(body, app_secret):
    """``"sha256=" + hex(HMAC-SHA256(app_secret, body))`` over the exact raw bytes."""
    return "sha256=" + hmac.new(_key(app_secret), body, hashlib.sha256).hexdigest()


def verify(body, signature_header, app_secret):
    """Constant-time check of a ``X-Hub-Signature-256`` header value against the raw body."""
    if not signature_header or not signature_header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, app_secret), signature_header)
