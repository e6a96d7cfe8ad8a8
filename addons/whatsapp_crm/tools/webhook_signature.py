# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Authenticity checks for Meta's webhook requests. Pure, constant-time, no I/O.

Meta signs every POST with ``X-Hub-Signature-256: sha256=<hex>`` = HMAC-SHA256(app secret,
raw request body). The signature holds no timestamp, so it only proves *who* sent the bytes;
replays are absorbed by deduplication further down the pipeline.
"""

import hashlib
import hmac

SIGNATURE_PREFIX = "sha256="
# 32-byte SHA-256 digest, hex encoded.
SIGNATURE_HEX_LENGTH = 64
HANDSHAKE_MODE = "subscribe"

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def parse_signature_header(header_value):
    """Return the digest bytes of a well-formed ``sha256=<64 hex>`` header, else ``None``.

    Everything malformed is refused here, by length and charset, before any HMAC is computed:
    a flood of junk signatures must cost next to nothing. Hex digits may be upper case
    (some proxies normalise header values); the ``sha256=`` prefix may not be missing.
    """
    if not isinstance(header_value, str):
        return None
    if len(header_value) != len(SIGNATURE_PREFIX) + SIGNATURE_HEX_LENGTH:
        return None
    if not header_value.startswith(SIGNATURE_PREFIX):
        return None
    hex_digest = header_value[len(SIGNATURE_PREFIX):]
    # bytes.fromhex() would silently skip spaces: check the charset explicitly.
    if not _HEX_DIGITS.issuperset(hex_digest):
        return None
    return bytes.fromhex(hex_digest)


def compute_signature(raw_body, app_secret):
    """The header value Meta would send for ``raw_body`` (used by tests and the sandbox)."""
    digest = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(raw_body, header_value, app_secrets):
    """Check ``X-Hub-Signature-256`` against every configured app secret.

    Several WhatsApp accounts may share one webhook URL (one Meta app each, or an app secret being
    rotated), so the secret that matched is returned: the caller then only accepts the payload for
    the account(s) configured with it.

    :param bytes raw_body: the request body exactly as received — never re-serialised JSON, whose
        spacing and escaping differ from what Meta signed
    :param str | None header_value: the ``X-Hub-Signature-256`` header
    :param app_secrets: iterable of configured app secrets; empty ones are ignored (an HMAC keyed
        with "" is computable by anyone)
    :return: the matching secret, or ``None``
    :raise TypeError: if ``raw_body`` is not bytes (a programming error: the body was decoded)
    """
    if not isinstance(raw_body, bytes | bytearray | memoryview):
        raise TypeError("verify_signature() needs the raw request body as bytes")
    expected_digest = parse_signature_header(header_value)
    if expected_digest is None:
        return None
    matched = None
    seen = set()
    for secret in app_secrets:
        if not secret or not isinstance(secret, str) or secret in seen:
            continue
        seen.add(secret)
        digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
        # No early exit: the time taken must not reveal which configured secret matched.
        if hmac.compare_digest(digest, expected_digest) and matched is None:
            matched = secret
    return matched


def verify_challenge(mode, token, challenge, expected_tokens):
    """Answer Meta's GET handshake (``hub.mode``, ``hub.verify_token``, ``hub.challenge``).

    Meta re-verifies the callback URL whenever the subscription changes: the right mode and token
    must be answered with the challenge echoed as the plain body, anything else with 403.

    :param expected_tokens: iterable of configured verify tokens (empty ones ignored)
    :return: the challenge to echo, or ``None`` to refuse
    """
    if mode != HANDSHAKE_MODE:
        return None
    if not isinstance(token, str) or not token or not isinstance(challenge, str) or not challenge:
        return None
    token_bytes = token.encode()
    matched = False
    for expected in expected_tokens:
        if not expected or not isinstance(expected, str):
            continue
        # Bytes, not str: compare_digest refuses non-ASCII str, and a token is user-chosen text.
        matched |= hmac.compare_digest(token_bytes, expected.encode())
    return challenge if matched else None
