"""Posting signed webhooks to a receiver, the way Meta does."""

import requests

from .signing import encode, sign

META_USER_AGENT = "facebookexternalua"


class WebhookSender:
    """POSTs webhook bodies to ``url`` with Meta's headers and HMAC signature.

    Uses its own ``requests`` session that ignores proxy environment variables: webhooks go straight to ``url``.
    """

    def __init__(self, url, app_secret, *, timeout=10.0, session=None):
        self.url = url
        self.app_secret = app_secret
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.trust_env = False

    def body_of(self, payload, raw=False):
        """The exact bytes that will be sent: bytes/str as given when ``raw`` (or already bytes), else encoded."""
        if isinstance(payload, bytes):
            return payload
        if raw:
            return payload.encode() if isinstance(payload, str) else bytes(payload)
        return encode(payload)

    def signature_for(self, body, signature=None):
        """None -> the correct signature; "bad" -> a well-formed wrong one; False -> no header; str -> verbatim."""
        if signature is None:
            return sign(body, self.app_secret)
        if signature == "bad":
            return sign(body, f"not-{self.app_secret}")
        return signature or None

    def post(self, payload, *, signature=None, raw=False, headers=None):
        """Send a payload (dict, or raw bytes/str) and return the ``requests.Response``."""
        body = self.body_of(payload, raw)
        all_headers = {"Content-Type": "application/json", "User-Agent": META_USER_AGENT}
        header_value = self.signature_for(body, signature)
        if header_value:
            all_headers["X-Hub-Signature-256"] = header_value
        all_headers.update(headers or {})
        return self.session.post(self.url, data=body, headers=all_headers, timeout=self.timeout)

    def handshake(self, verify_token, challenge="sandbox-challenge", mode="subscribe"):
        """Meta's verification GET: a correct receiver answers 200 with the challenge as the body."""
        params = {"hub.mode": mode, "hub.verify_token": verify_token, "hub.challenge": challenge}
        return self.session.get(self.url, params=params, timeout=self.timeout,
                                headers={"User-Agent": META_USER_AGENT})
