# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
import hashlib
import hmac
import json
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import webhook_signature
from odoo.addons.whatsapp_crm.tools.webhook_signature import (
    compute_signature,
    verify_challenge,
    verify_signature,
)

SECRET = "0123456789abcdef0123456789abcdef"
OTHER_SECRET = "fedcba9876543210fedcba9876543210"
# Meta's own serialisation: compact, non-ASCII escaped.
BODY = (
    b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
    b'{"messaging_product":"whatsapp","messages":[{"from":"5511999998888","id":"wamid.A1",'
    b'"timestamp":"1760000000","text":{"body":"Ol\\u00e1"},"type":"text"}]},"field":"messages"}]}]}'
)


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestWebhookSignature(BaseCase):

    def test_valid_signature_returns_the_matching_secret(self):
        header = compute_signature(BODY, OTHER_SECRET)
        self.assertEqual(verify_signature(BODY, header, [SECRET, OTHER_SECRET]), OTHER_SECRET)
        self.assertEqual(verify_signature(bytearray(BODY), header, iter([OTHER_SECRET])), OTHER_SECRET)

    def test_signature_matches_meta_definition(self):
        # Independent computation: HMAC-SHA256 keyed by the app secret over the raw bytes.
        digest = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
        self.assertEqual(compute_signature(BODY, SECRET), f"sha256={digest}")
        self.assertEqual(verify_signature(BODY, f"sha256={digest}", [SECRET]), SECRET)

    def test_uppercase_hex_is_accepted(self):
        header = "sha256=" + compute_signature(BODY, SECRET).removeprefix("sha256=").upper()
        self.assertEqual(verify_signature(BODY, header, [SECRET]), SECRET)

    def test_wrong_secret_or_tampered_body_is_refused(self):
        header = compute_signature(BODY, SECRET)
        self.assertIsNone(verify_signature(BODY, header, [OTHER_SECRET]))
        self.assertIsNone(verify_signature(BODY.replace(b"Ol", b"Oi"), header, [SECRET]))
        self.assertIsNone(verify_signature(BODY + b"\n", header, [SECRET]))
        self.assertIsNone(verify_signature(BODY, header, []))

    def test_reencoded_body_is_refused(self):
        """Same JSON document, different bytes: the check must be on what Meta signed."""
        header = compute_signature(BODY, SECRET)
        document = json.loads(BODY)
        for reencoded in (
            json.dumps(document).encode(),                      # ", " and ": " separators
            json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(),
            json.dumps(document, indent=2).encode(),
        ):
            self.assertEqual(json.loads(reencoded), document)
            self.assertIsNone(verify_signature(reencoded, header, [SECRET]))

    def test_malformed_headers_are_refused_before_any_hmac(self):
        hex_digest = compute_signature(BODY, SECRET).removeprefix("sha256=")
        malformed = {
            "missing": None,
            "empty": "",
            "no prefix": hex_digest,
            "sha1 prefix": "sha1=" + hex_digest,
            "prefix upper case": "SHA256=" + hex_digest,
            "short": "sha256=" + hex_digest[:-1],
            "long": "sha256=" + hex_digest + "0",
            "non hex": "sha256=" + "g" * 64,
            "space inside": "sha256=" + hex_digest[:30] + " " + hex_digest[31:],
            "only prefix": "sha256=",
            "bytes": compute_signature(BODY, SECRET).encode(),
        }
        with patch.object(webhook_signature.hmac, "new", side_effect=AssertionError("HMAC computed")):
            for label, header in malformed.items():
                with self.subTest(label):
                    self.assertIsNone(verify_signature(BODY, header, [SECRET]))

    def test_empty_secret_never_validates(self):
        # Anyone can compute an HMAC keyed with "": an unset secret must not open the door.
        header = compute_signature(BODY, "")
        self.assertIsNone(verify_signature(BODY, header, ["", None, SECRET]))

    def test_decoded_body_is_a_programming_error(self):
        with self.assertRaises(TypeError):
            verify_signature(BODY.decode(), compute_signature(BODY, SECRET), [SECRET])


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestWebhookHandshake(BaseCase):

    def test_right_mode_and_token_echo_the_challenge(self):
        self.assertEqual(verify_challenge("subscribe", "tok-2", "1158201444", ["tok-1", "tok-2"]), "1158201444")
        # Tokens are admin-chosen text, not necessarily ASCII.
        self.assertEqual(verify_challenge("subscribe", "sênha", "42", ["sênha"]), "42")

    def test_wrong_handshakes_are_refused(self):
        cases = {
            "wrong token": ("subscribe", "nope", "42", ["tok"]),
            "token prefix": ("subscribe", "to", "42", ["tok"]),
            "wrong mode": ("unsubscribe", "tok", "42", ["tok"]),
            "no mode": (None, "tok", "42", ["tok"]),
            "no token": ("subscribe", None, "42", ["tok"]),
            "empty token vs unset": ("subscribe", "", "42", ["", None]),
            "nothing configured": ("subscribe", "tok", "42", []),
            "no challenge": ("subscribe", "tok", "", ["tok"]),
        }
        for label, args in cases.items():
            with self.subTest(label):
                self.assertIsNone(verify_challenge(*args))
