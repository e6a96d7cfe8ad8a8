"""POST /{phone-number-id}/messages: Meta's validation, error codes and success shape."""

import pytest
from sandbox_helpers import PHONE_ID, assert_graph_error

CUSTOMER = "5511987654321"
LONG = "x" * 4097


@pytest.fixture
def open_window(sandbox):
    sandbox.state.record_inbound(CUSTOMER)


def buttons(n):
    return [{"type": "reply", "reply": {"id": f"b{i}", "title": f"Opção {i}"}} for i in range(n)]


def rows(n):
    return [{"id": f"r{i}", "title": f"Linha {i}"} for i in range(n)]


VALID = [
    {"type": "text", "text": {"body": "Olá", "preview_url": False}},
    {"text": {"body": "type defaults to text, as on Meta"}},
    {"type": "text", "text": {"body": "x" * 4096}},
    {"type": "image", "image": {"link": "https://example.com/a.jpg", "caption": "c" * 1024}},
    {"type": "document", "document": {"link": "https://example.com/a.pdf", "filename": "a.pdf"}},
    {"type": "location", "location": {"latitude": -23.5, "longitude": "-46.6", "name": "SP"}},
    {"type": "contacts", "contacts": [{"name": {"formatted_name": "João"}, "phones": [{"phone": "+5511"}]}]},
    {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}},
    {"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": ""}},
    {"type": "interactive", "interactive": {"type": "button", "body": {"text": "Escolha"},
                                            "action": {"buttons": buttons(3)}}},
    {"type": "interactive", "interactive": {"type": "list", "body": {"text": "Escolha"},
                                            "action": {"button": "Ver", "sections": [{"rows": rows(6)},
                                                                                     {"rows": rows(4)}]}}},
    {"type": "text", "text": {"body": "com contexto"}, "context": {"message_id": "wamid.quoted"}},
    {"type": "text", "text": {"body": "rastreável"}, "biz_opaque_callback_data": "c" * 512},
]


@pytest.mark.parametrize("payload", VALID)
def test_valid_sends_are_accepted_and_recorded(graph, sandbox, open_window, payload):
    response = graph.send({"to": CUSTOMER, **payload})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": CUSTOMER, "wa_id": CUSTOMER}]
    wamid = body["messages"][0]["id"]
    assert wamid.startswith("wamid.HBgN")
    assert "message_status" not in body["messages"][0]
    sent = sandbox.state.find_sent(wamid)
    assert sent.payload["messaging_product"] == "whatsapp" and sent.recipient_id == CUSTOMER
    assert sent.type == payload.get("type", "text")


INVALID = [
    ({"type": "text"}, 131008),
    ({"type": "text", "text": {}}, 131008),
    ({"type": "text", "text": {"body": LONG}}, 131009),
    ({"type": "text", "text": {"body": 12}}, 131009),
    ({"type": "sms", "sms": {"body": "x"}}, 131009),
    ({"type": "image", "image": {}}, 131008),
    ({"type": "image", "image": {"id": "1", "link": "https://x/a.jpg"}}, 131009),
    ({"type": "image", "image": {"link": "ftp://x/a.jpg"}}, 131009),
    ({"type": "image", "image": {"link": "https://x/a.jpg", "caption": "c" * 1025}}, 131009),
    ({"type": "audio", "audio": {"link": "https://x/a.ogg", "caption": "no"}}, 131009),
    ({"type": "image", "image": {"id": "404404404"}}, 131053),
    ({"type": "location", "location": {"latitude": 1}}, 131008),
    ({"type": "location", "location": {"latitude": "north", "longitude": 2}}, 131009),
    ({"type": "location", "location": {"latitude": 91, "longitude": 2}}, 131009),
    ({"type": "contacts", "contacts": []}, 131009),
    ({"type": "contacts", "contacts": [{"name": {}}]}, 131008),
    ({"type": "reaction", "reaction": {"emoji": "👍"}}, 131008),
    ({"type": "interactive", "interactive": {"type": "button", "body": {"text": "x"},
                                             "action": {"buttons": buttons(4)}}}, 131009),
    ({"type": "interactive", "interactive": {"type": "button", "action": {"buttons": buttons(1)}}}, 131008),
    ({"type": "interactive", "interactive": {"type": "list", "body": {"text": "x"},
                                             "action": {"button": "Ver", "sections": [{"rows": rows(11)}]}}},
     131009),
    ({"type": "interactive", "interactive": {"type": "list", "body": {"text": "x"},
                                             "action": {"button": "Ver", "sections": [{"rows": rows(6)},
                                                                                      {"rows": rows(5)}]}}},
     131009),
    ({"type": "interactive", "interactive": {"type": "carousel", "action": {}}}, 131009),
    ({"type": "template", "template": {"language": {"code": "pt_BR"}}}, 131008),
    ({"type": "template", "template": {"name": "x"}}, 131008),
    ({"type": "text", "text": {"body": "x"}, "context": {}}, 131008),
    ({"type": "text", "text": {"body": "x"}, "recipient_type": "group"}, 131009),
    ({"type": "text", "text": {"body": "x"}, "biz_opaque_callback_data": "c" * 513}, 131009),
    ({"type": "text", "text": {"body": "x"}, "biz_opaque_callback_data": 42}, 131009),
]


@pytest.mark.parametrize(("payload", "code"), INVALID)
def test_invalid_sends_fail_like_meta(graph, sandbox, open_window, payload, code):
    assert_graph_error(graph.send({"to": CUSTOMER, **payload}), code)
    assert sandbox.state.sent == []


def test_recipient_is_required(graph):
    error = assert_graph_error(graph.send({"type": "text", "text": {"body": "x"}}), 131008)
    assert "to" in error["error_data"]["details"]


@pytest.mark.parametrize("to", ["55 11 ABC", "12", "+" + "9" * 16])
def test_bad_phone_numbers_are_invalid(graph, to):
    assert_graph_error(graph.send({"to": to, "type": "text", "text": {"body": "x"}}), 131009)


def test_messaging_product_must_be_whatsapp(graph):
    url = f"{PHONE_ID}/messages"
    missing = graph.post(url, json={"to": CUSTOMER, "text": {"body": "x"}})
    assert "messaging_product is required" in assert_graph_error(missing, 100)["message"]
    wrong = graph.post(url, json={"messaging_product": "sms", "to": CUSTOMER, "text": {"body": "x"}})
    assert '"sms"' in assert_graph_error(wrong, 100)["message"]


def test_bad_json_is_error_100(graph):
    response = graph.post(f"{PHONE_ID}/messages", data=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert_graph_error(response, 100)


def test_uploaded_media_id_can_be_sent(graph, sandbox, open_window):
    media_id = graph.upload(b"\xff\xd8\xff" + b"0" * 10, "image/jpeg").json()["id"]
    assert graph.send({"to": CUSTOMER, "type": "image", "image": {"id": media_id}}).status_code == 200
    sandbox.state.expire_media(media_id)
    assert_graph_error(graph.send({"to": CUSTOMER, "type": "image", "image": {"id": media_id}}), 131053)


def test_mark_read_with_typing_indicator(graph, sandbox):
    response = graph.send({"status": "read", "message_id": "wamid.IN1", "typing_indicator": {"type": "text"}})
    assert response.status_code == 200 and response.json() == {"success": True}
    graph.send({"status": "read", "message_id": "wamid.IN2"})
    reads = sandbox.state.reads
    assert [(r.message_id, r.typing_indicator) for r in reads] == [("wamid.IN1", True), ("wamid.IN2", False)]
    # Marking read is not a message: no window needed, nothing recorded as sent.
    assert sandbox.state.sent == []


@pytest.mark.parametrize(("payload", "code"), [
    ({"status": "read"}, 131008),
    ({"status": "delivered", "message_id": "wamid.X"}, 131009),
    ({"status": "read", "message_id": "wamid.X", "typing_indicator": {"type": "audio"}}, 131009),
])
def test_mark_read_validation(graph, payload, code):
    assert_graph_error(graph.send(payload), code)


def test_bsuid_recipient(graph, sandbox):
    sandbox.state.record_inbound("BR.1234567890ABCDEF")
    response = graph.send({"recipient": "BR.1234567890ABCDEF", "type": "text", "text": {"body": "Oi"}})
    assert response.status_code == 200, response.text
    assert response.json()["contacts"] == [{"input": "BR.1234567890ABCDEF", "user_id": "BR.1234567890ABCDEF"}]
    assert_graph_error(graph.send({"recipient": "not a bsuid", "type": "text", "text": {"body": "Oi"}}), 131009)
