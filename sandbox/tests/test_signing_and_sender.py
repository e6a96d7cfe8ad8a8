"""X-Hub-Signature-256 over raw bytes, Meta-style encoding, and WebhookSender against a local receiver."""

import hashlib
import hmac
import json

from sandbox_helpers import APP_SECRET, VERIFY_TOKEN

from meta_sandbox import WebhookSender, encode, sign, verify

PAYLOAD = {"object": "whatsapp_business_account",
           "entry": [{"id": "1", "changes": [{"field": "messages",
                                              "value": {"text": "Olá, ação!", "url": "https://a/b"}}]}]}


def test_sign_is_hmac_sha256_of_the_raw_bytes():
    body = b'{"a":1}'
    expected = hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert sign(body, "secret") == f"sha256={expected}"
    assert sign(body, b"secret") == f"sha256={expected}"
    assert verify(body, f"sha256={expected}", "secret")
    assert not verify(body, f"sha256={expected}", "other-secret")
    assert not verify(body + b" ", f"sha256={expected}", "secret")
    assert not verify(body, expected, "secret") and not verify(body, None, "secret")


def test_encoding_looks_like_metas_and_a_reencoded_body_no_longer_verifies():
    body = encode(PAYLOAD)
    assert b" " not in body.replace(b"Ol\\u00e1, a\\u00e7\\u00e3o!", b"")
    assert b"\\u00e1" in body and b"https:\\/\\/a\\/b" in body
    assert json.loads(body) == PAYLOAD
    signature = sign(body, APP_SECRET)
    for reencoded in (json.dumps(json.loads(body)).encode(),
                      json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()):
        assert json.loads(reencoded) == PAYLOAD
        assert not verify(reencoded, signature, APP_SECRET)
    assert verify(body, signature, APP_SECRET)


def test_sender_posts_signed_exact_bytes(receiver):
    response = WebhookSender(receiver.url, APP_SECRET).post(PAYLOAD)
    assert response.status_code == 200
    request = receiver.requests[0]
    assert request["body"] == encode(PAYLOAD)
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == "facebookexternalua"
    assert verify(request["body"], request["headers"]["X-Hub-Signature-256"], APP_SECRET)


def test_sender_signature_options(receiver):
    sender = WebhookSender(receiver.url, APP_SECRET)
    sender.post(PAYLOAD, signature="bad")
    sender.post(PAYLOAD, signature=False)
    sender.post(PAYLOAD, signature="sha256=abc")
    bad, absent, custom = receiver.requests
    assert bad["headers"]["X-Hub-Signature-256"].startswith("sha256=")
    assert len(bad["headers"]["X-Hub-Signature-256"]) == 71
    assert not verify(bad["body"], bad["headers"]["X-Hub-Signature-256"], APP_SECRET)
    assert "X-Hub-Signature-256" not in absent["headers"]
    assert custom["headers"]["X-Hub-Signature-256"] == "sha256=abc"


def test_sender_raw_bodies_are_sent_verbatim_and_signed(receiver):
    sender = WebhookSender(receiver.url, APP_SECRET)
    sender.post(b"not json at all")
    sender.post('{"x": 1}', raw=True)
    first, second = receiver.requests
    assert first["body"] == b"not json at all" and second["body"] == b'{"x": 1}'
    assert verify(first["body"], first["headers"]["X-Hub-Signature-256"], APP_SECRET)


def test_sender_reports_the_receivers_status_and_handshake(receiver):
    receiver.status = 503
    sender = WebhookSender(receiver.url, APP_SECRET)
    assert sender.post(PAYLOAD).status_code == 503
    ok = sender.handshake(VERIFY_TOKEN, challenge="1158201444")
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert sender.handshake("wrong").status_code == 403
