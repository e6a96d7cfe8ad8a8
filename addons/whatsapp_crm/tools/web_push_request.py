"""One Web Push request, ready to POST: RFC 8030 (headers), RFC 8291 (payload encryption) and
RFC 8292 (VAPID), with the headers Odoo's own sender leaves out.

Odoo already keeps the browsers' subscriptions (``mail.push.device``), the VAPID key pair
(``mail.web_push_vapid_*`` parameters) and the service worker that shows the notification; its
sender (``mail/tools/web_push.py``) fixes ``TTL: 60`` and sends neither ``Urgency`` nor ``Topic``.
This module reuses its encryption and its JWT signer and only builds the request, so the product
decides how long a push may wait for a sleeping laptop, that it is urgent, and that a second
message of the same conversation replaces the first one still waiting at the push service.

Pure protocol code: no ORM, no I/O.
"""
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from odoo.addons.mail.tools import jwt

# Odoo's aes128gcm encryption of a payload for one subscription (RFC 8291): reused, not copied.
from odoo.addons.mail.tools.web_push import _encrypt_payload

URGENCIES = ("very-low", "low", "normal", "high")
# RFC 8030 §5.4: at most 32 characters of the URL-safe base64 alphabet.
_TOPIC_RE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# How long the VAPID token a push service sees is valid (RFC 8292 allows up to 24 h).
VAPID_TOKEN_TTL = 12 * 60 * 60
# Push services accept at least 4 kB of encrypted payload (RFC 8030 §7.2).
MAX_PAYLOAD_BYTES = 3800


class PushRequestError(ValueError):
    """The request cannot be built (an invalid subscription, topic or urgency)."""


@dataclass(frozen=True)
class PushRequest:
    url: str
    headers: dict
    body: bytes


def push_origin(endpoint):
    """``scheme://host[:port]`` of a subscription's endpoint: the VAPID audience and the proxy key."""
    url = urlsplit(endpoint or "")
    if url.scheme not in ("https", "http") or not url.netloc:
        raise PushRequestError(f"invalid push endpoint {endpoint!r}")
    return f"{url.scheme}://{url.netloc}"


def vapid_authorization(origin, *, vapid_private_key, vapid_public_key, subject):
    """The ``Authorization`` header for every push to ``origin`` in the next hours (RFC 8292): one
    signature serves a whole batch of pushes to one push service."""
    token = jwt.sign({"aud": origin, "sub": subject}, vapid_private_key,
                     ttl=VAPID_TOKEN_TTL, algorithm=jwt.Algorithm.ES256)
    return f"vapid t={token}, k={vapid_public_key}"


def build_push_request(subscription, payload, *, authorization, ttl, urgency="high", topic=None):
    """The encrypted POST for one browser subscription.

    :param subscription: ``{"endpoint": url, "keys": '{"p256dh": ..., "auth": ...}'}`` as Odoo stores it
    :param payload: a JSON-serialisable dict (what the service worker reads with ``event.data.json()``)
    :param authorization: :func:`vapid_authorization` for the endpoint's origin
    :param ttl: seconds the push service keeps the message for a browser that is not connected
    :param topic: a message with the same topic replaces the one still waiting at the push service
    """
    endpoint = subscription.get("endpoint") or ""
    push_origin(endpoint)
    if urgency not in URGENCIES:
        raise PushRequestError(f"invalid urgency {urgency!r}")
    if topic is not None and not _TOPIC_RE.fullmatch(topic):
        raise PushRequestError(f"invalid topic {topic!r}")
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PushRequestError(f"payload of {len(raw)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    headers = {
        "Authorization": authorization,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(max(int(ttl), 0)),
        "Urgency": urgency,
    }
    if topic:
        headers["Topic"] = topic
    return PushRequest(endpoint, headers, _encrypt_payload(raw, subscription))


def is_gone(status_code):
    """The subscription expired or was revoked (RFC 8030 §7.3 says 410; services also answer 404)."""
    return status_code in (404, 410)


def shorten(text, limit):
    """``text`` with its whitespace folded, cut to ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"
