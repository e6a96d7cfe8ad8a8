"""The pure builders produce Meta's webhook shapes for every inbound type, statuses and other fields."""

import json
import re

import pytest

from meta_sandbox import webhooks as wh

BUSINESS = wh.BusinessNumber("102290129340398", "106540352242922", "5511940028922")
SENDER = "5511987654321"
SHA = "IKFbwf+Oe3vKt0CgLKxsmWJ+sEGnITo10cCSkzQQGtc="

# type -> keys its content object must have (None: content is a list)
REQUIRED = {
    "text": {"body"}, "image": {"id", "mime_type", "sha256"}, "video": {"id", "mime_type", "sha256"},
    "audio": {"id", "mime_type", "sha256", "voice"}, "document": {"id", "mime_type", "sha256", "filename"},
    "sticker": {"id", "mime_type", "sha256", "animated"}, "location": {"latitude", "longitude"},
    "contacts": None, "interactive": {"type"}, "button": {"payload", "text"}, "reaction": {"message_id"},
    "unsupported": {"type"},
}


def assert_envelope(payload):
    assert payload["object"] == "whatsapp_business_account"
    for entry in payload["entry"]:
        assert isinstance(entry["id"], str) and entry["changes"]
        for change in entry["changes"]:
            assert set(change) == {"field", "value"}
    # Survives a JSON round trip (no Python-only types).
    assert json.loads(json.dumps(payload)) == payload


def assert_inbound(payload, kind):
    assert_envelope(payload)
    value = payload["entry"][0]["changes"][0]["value"]
    assert payload["entry"][0]["changes"][0]["field"] == "messages"
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {"display_phone_number": BUSINESS.display_phone_number,
                                 "phone_number_id": BUSINESS.phone_number_id}
    assert value["contacts"][0]["profile"]["name"]
    message = value["messages"][0]
    assert re.fullmatch(r"wamid\.[A-Za-z0-9+/=]+", message["id"])
    assert re.fullmatch(r"\d{10}", message["timestamp"])
    assert message["type"] == kind
    if REQUIRED[kind] is None:
        assert isinstance(message[kind], list) and message[kind]
    else:
        assert REQUIRED[kind] <= set(message[kind]), message[kind]
    return message


def wrap(message, name="Maria Oliveira"):
    return wh.messages_payload(BUSINESS, [message], [wh.contact(SENDER, name)])


MESSAGES = [
    ("text", wh.text_message(SENDER, "Olá")),
    ("image", wh.image_message(SENDER, "1", SHA, caption="foto")),
    ("audio", wh.audio_message(SENDER, "2", SHA, voice=True)),
    ("audio", wh.audio_message(SENDER, "3", SHA, "audio/mpeg", voice=False)),
    ("video", wh.video_message(SENDER, "4", SHA)),
    ("document", wh.document_message(SENDER, "5", SHA, "nota fiscal.pdf")),
    ("sticker", wh.sticker_message(SENDER, "6", SHA, animated=True)),
    ("location", wh.location_message(SENDER, -23.56, -46.65, "Paulista", "Av. Paulista, 1000")),
    ("contacts", wh.contacts_message(SENDER, [wh.contact_card("João Silva", "+55 11 98765-4321", SENDER)])),
    ("interactive", wh.button_reply_message(SENDER, "sim", "Sim")),
    ("interactive", wh.list_reply_message(SENDER, "r1", "Entrega", "Prazo de entrega")),
    ("button", wh.button_message(SENDER, "Não, obrigado", "NO_THANKS")),
    ("reaction", wh.reaction_message(SENDER, "wamid.X", "❤️")),
    ("unsupported", wh.unsupported_message(SENDER)),
]


@pytest.mark.parametrize(("kind", "message"), MESSAGES, ids=[f"{k}-{i}" for i, (k, _m) in enumerate(MESSAGES)])
def test_every_inbound_type_has_metas_shape(kind, message):
    message = assert_inbound(wrap(message), kind)
    assert message["from"] == SENDER


def test_type_specific_details():
    assert wh.audio_message(SENDER, "2", SHA)["audio"]["voice"] is True
    assert wh.audio_message(SENDER, "2", SHA)["audio"]["mime_type"] == "audio/ogg; codecs=opus"
    assert wh.document_message(SENDER, "5", SHA, "a.pdf")["document"]["filename"] == "a.pdf"
    assert wh.sticker_message(SENDER, "6", SHA)["sticker"] == {"animated": False, "mime_type": "image/webp",
                                                              "sha256": SHA, "id": "6"}
    assert wh.button_reply_message(SENDER, "sim", "Sim")["interactive"] == {
        "type": "button_reply", "button_reply": {"id": "sim", "title": "Sim"}}
    assert wh.list_reply_message(SENDER, "r1", "T", "D")["interactive"]["list_reply"] == {
        "id": "r1", "title": "T", "description": "D"}
    card = wh.contact_card("João Silva", "+55 11 98765-4321", SENDER)
    assert card["name"] == {"formatted_name": "João Silva", "first_name": "João", "last_name": "Silva"}
    assert card["phones"] == [{"phone": "+55 11 98765-4321", "type": "CELL", "wa_id": SENDER}]


def test_reaction_removal_shapes():
    assert wh.reaction_message(SENDER, "wamid.X", "")["reaction"] == {"message_id": "wamid.X", "emoji": ""}
    assert wh.reaction_message(SENDER, "wamid.X", None)["reaction"] == {"message_id": "wamid.X"}


def test_unsupported_carries_error_131051():
    error = wh.unsupported_message(SENDER, "poll")["errors"][0]
    assert error["code"] == 131051 and error["title"] == error["message"] == "Message type unknown"
    assert error["error_data"]["details"]


def test_context_and_referral():
    message = wh.text_message(SENDER, "isso", context=wh.reply_context("wamid.Q", BUSINESS.display_phone_number),
                              referral=wh.referral())
    assert message["context"] == {"from": BUSINESS.display_phone_number, "id": "wamid.Q"}
    referral = message["referral"]
    assert {"source_url", "source_id", "source_type", "headline", "body", "media_type", "image_url",
            "thumbnail_url", "ctwa_clid"} <= set(referral)
    forwarded = wh.reply_context("wamid.Q", SENDER, forwarded=True)
    assert forwarded["forwarded"] is True


def test_bsuid_only_contact():
    message = wh.text_message(None, "oi", user_id="BR.13491208655302741918")
    payload = wh.messages_payload(BUSINESS, [message], [wh.contact(None, "Bia", user_id="BR.13491208655302741918",
                                                                   username="@bia")])
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["contacts"] == [{"profile": {"name": "Bia", "username": "@bia"},
                                  "user_id": "BR.13491208655302741918"}]
    assert "from" not in message and message["from_user_id"] == "BR.13491208655302741918"


def test_fixed_timestamp_and_wamid():
    message = wh.text_message(SENDER, "x", wamid="wamid.FIXED", timestamp=1700000000.9)
    assert message["id"] == "wamid.FIXED" and message["timestamp"] == "1700000000"


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "played"])
def test_status_items(status):
    item = wh.status_item("wamid.OUT", status, SENDER, timestamp=1700000000, pricing=wh.pricing(),
                          conversation=wh.conversation("service", "c1", 1700086400),
                          biz_opaque_callback_data="ticket-7")
    payload = wh.statuses_payload(BUSINESS, [item])
    assert_envelope(payload)
    value = payload["entry"][0]["changes"][0]["value"]
    assert value["statuses"][0] == {
        "id": "wamid.OUT", "status": status, "timestamp": "1700000000", "recipient_id": SENDER,
        "biz_opaque_callback_data": "ticket-7",
        "conversation": {"id": "c1", "expiration_timestamp": "1700086400", "origin": {"type": "service"}},
        "pricing": {"billable": False, "pricing_model": "PMP", "category": "service",
                    "type": "free_customer_service"}}
    assert "contacts" not in value and "messages" not in value


def test_failed_status_and_pricing_variants():
    item = wh.status_item("wamid.OUT", "failed", SENDER, errors=[wh.error_item(131047)])
    assert item["errors"][0]["code"] == 131047 and item["errors"][0]["title"] == "Re-engagement message"
    assert "24 hours" in item["errors"][0]["error_data"]["details"]
    assert wh.pricing("marketing", "regular")["billable"] is True
    assert wh.pricing("utility", "free_entry_point")["billable"] is False


def test_other_fields():
    template = wh.field_payload(BUSINESS.waba_id, "message_template_status_update",
                                wh.template_status_update("123456", "boas_vindas", event="REJECTED",
                                                          reason="INVALID_FORMAT"))
    assert_envelope(template)
    change = template["entry"][0]["changes"][0]
    assert change["field"] == "message_template_status_update"
    assert change["value"] == {"event": "REJECTED", "message_template_id": 123456,
                               "message_template_name": "boas_vindas", "message_template_language": "pt_BR",
                               "reason": "INVALID_FORMAT"}
    account = wh.field_payload(BUSINESS.waba_id, "account_update",
                               wh.account_update(BUSINESS.display_phone_number, "ACCOUNT_VIOLATION",
                                                 violation_info={"violation_type": "SCAM"}))
    assert account["entry"][0]["changes"][0]["value"]["violation_info"] == {"violation_type": "SCAM"}


def test_combine_spreads_changes_over_entries():
    payloads = [wrap(wh.text_message(SENDER, str(i))) for i in range(6)]
    combined = wh.combine(payloads, entries=2)
    assert_envelope(combined)
    assert [len(e["changes"]) for e in combined["entry"]] == [3, 3]
    texts = [c["value"]["messages"][0]["text"]["body"] for e in combined["entry"] for c in e["changes"]]
    assert texts == ["0", "1", "2", "3", "4", "5"]
    other_waba = wh.field_payload("42", "account_update", wh.account_update("1"))
    by_waba = wh.combine(payloads[:2] + [other_waba])
    assert [(e["id"], len(e["changes"])) for e in by_waba["entry"]] == [(BUSINESS.waba_id, 2), ("42", 1)]


def test_merge_folds_messages_and_statuses():
    maria = wrap(wh.text_message(SENDER, "a"))
    maria_again = wrap(wh.text_message(SENDER, "b"))
    joao = wh.messages_payload(BUSINESS, [wh.text_message("5521999998888", "c")],
                               [wh.contact("5521999998888", "João")])
    status = wh.statuses_payload(BUSINESS, [wh.status_item("wamid.O", "read", SENDER)])
    merged = wh.merge([maria, status, maria_again, joao])
    changes = merged["entry"][0]["changes"]
    assert len(changes) == 2
    assert [m["text"]["body"] for m in changes[0]["value"]["messages"]] == ["a", "b", "c"]
    assert [c["wa_id"] for c in changes[0]["value"]["contacts"]] == [SENDER, "5521999998888"]
    assert changes[1]["value"]["statuses"][0]["status"] == "read"


def test_kinds_that_change_or_annotate_messages():
    edit = wh.edit_message(SENDER, "wamid.orig", "text", {"body": "novo"})
    assert edit["edit"] == {"original_message_id": "wamid.orig", "message": {"type": "text", "text": {"body": "novo"}}}
    assert wh.revoke_message(SENDER, "wamid.orig")["revoke"] == {"original_message_id": "wamid.orig"}
    change = wh.number_change_message(SENDER, "5511911112222", "Maria")
    assert change["type"] == "system"
    assert change["system"] == {"body": f"Maria changed from {SENDER} to 5511911112222", "wa_id": "5511911112222",
                                "type": "user_changed_number"}
    group = wh.text_message(SENDER, "oi grupo", group_id="Y2FwaV9ncm91cDox")
    assert group["group_id"] == "Y2FwaV9ncm91cDox"
    assert wh.forwarded_context() == {"forwarded": True}
    assert wh.forwarded_context(frequently=True) == {"frequently_forwarded": True}
    welcome = wh.welcome_request_message(SENDER)
    assert welcome["type"] == "request_welcome" and "request_welcome" not in welcome


def test_order_and_flow_reply_shapes():
    order = wh.order_message(SENDER, [("SKU-1", 2, 10.5, "BRL")], text="sem cebola")
    assert order["order"] == {"catalog_id": "354160437058781", "text": "sem cebola", "product_items": [
        {"product_retailer_id": "SKU-1", "quantity": 2, "item_price": 10.5, "currency": "BRL"}]}
    flow = wh.flow_reply_message(SENDER, {"nota": "5"})
    reply = flow["interactive"]["nfm_reply"]
    assert flow["interactive"]["type"] == "nfm_reply"
    assert isinstance(reply["response_json"], str), "Meta sends the answers as a JSON string"
    assert json.loads(reply["response_json"]) == {"nota": "5", "flow_token": "unused"}
