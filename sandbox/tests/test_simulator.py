"""Sandbox/Customer: signed inbound webhooks, media registration, duplicates, batches, statuses, demo, CLI."""

import json

import pytest
import requests
from sandbox_helpers import APP_SECRET, DISPLAY, PHONE_ID, WABA_ID

from meta_sandbox import samples, verify
from meta_sandbox.__main__ import main
from meta_sandbox.demo import run_demo, seed_demo_templates, wait_for_webhook

MARIA = "5511987654321"


def posted(receiver, index=-1):
    request = receiver.requests[index]
    assert verify(request["body"], request["headers"]["X-Hub-Signature-256"], APP_SECRET)
    return json.loads(request["body"])


def only_message(payload):
    (entry,) = payload["entry"]
    (change,) = entry["changes"]
    assert entry["id"] == WABA_ID and change["value"]["metadata"]["phone_number_id"] == PHONE_ID
    (message,) = change["value"]["messages"]
    return change["value"]["contacts"], message


def test_text_is_posted_signed_and_opens_the_window(sandbox, receiver, clock):
    delivery = sandbox.customer(MARIA, "Maria Oliveira").text("Olá, meu pedido não chegou")
    assert delivery.status_code == 200 and delivery.response is delivery.responses[0]
    contacts, message = only_message(posted(receiver))
    assert contacts == [{"profile": {"name": "Maria Oliveira"}, "wa_id": MARIA}]
    assert message == {"from": MARIA, "id": delivery.wamid, "timestamp": str(int(clock())), "type": "text",
                       "text": {"body": "Olá, meu pedido não chegou"}}
    assert sandbox.state.last_inbound(MARIA) == clock()
    assert sandbox.state.window_open(MARIA)


@pytest.mark.parametrize(("method", "kwargs", "kind", "data", "mime"), [
    ("image", {"caption": "foto"}, "image", samples.JPEG, "image/jpeg"),
    ("audio", {}, "audio", samples.OGG_OPUS, "audio/ogg; codecs=opus"),
    ("video", {}, "video", samples.MP4, "video/mp4"),
    ("document", {"filename": "boleto.pdf"}, "document", samples.PDF, "application/pdf"),
    ("sticker", {"animated": True}, "sticker", samples.WEBP_ANIMATED, "image/webp"),
])
def test_media_messages_are_downloadable_from_the_graph_fake(sandbox, receiver, graph, method, kwargs, kind,
                                                             data, mime):
    delivery = getattr(sandbox.customer(MARIA), method)(**kwargs)
    _contacts, message = only_message(posted(receiver))
    content = message[kind]
    assert content["id"] == delivery.media_id and content["mime_type"] == mime
    assert content["sha256"] == sandbox.state.get_media(delivery.media_id).sha256_b64
    info = graph.get(content["id"]).json()
    assert graph.get(info["url"]).content == data and info["mime_type"] == mime
    for key, value in kwargs.items():
        assert content[key] == value


def test_custom_media_bytes_and_voice_flag(sandbox, receiver):
    delivery = sandbox.customer(MARIA).audio(b"ID3 mp3", mime="audio/mpeg", voice=False)
    _contacts, message = only_message(posted(receiver))
    assert message["audio"]["voice"] is False
    assert sandbox.state.get_media(delivery.media_id).data == b"ID3 mp3"


def test_other_customer_actions(sandbox, receiver, graph):
    maria = sandbox.customer(MARIA, "Maria")
    maria.text("oi")
    answer = graph.send({"to": MARIA, "type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Resolvido?"},
        "action": {"buttons": [{"type": "reply", "reply": {"id": "sim", "title": "Sim"}}]}}}).json()
    answer_wamid = answer["messages"][0]["id"]
    maria.button_reply("sim", "Sim", reply_to=answer_wamid)
    _c, reply = only_message(posted(receiver))
    assert reply["context"] == {"from": DISPLAY, "id": answer_wamid}
    assert reply["interactive"]["button_reply"] == {"id": "sim", "title": "Sim"}
    first = maria.text("primeira")
    maria.text("respondendo a mim mesma", reply_to=first.wamid)
    assert only_message(posted(receiver))[1]["context"] == {"from": MARIA, "id": first.wamid}
    expected = {
        "location": (lambda: maria.location(name="Paulista"), lambda m: m["location"]["name"] == "Paulista"),
        "contacts": (lambda: maria.contacts(), lambda m: m["contacts"][0]["name"]["formatted_name"]),
        "interactive": (lambda: maria.list_reply("r1", "Entrega"),
                        lambda m: m["interactive"]["type"] == "list_reply"),
        "button": (lambda: maria.button("Sim", "YES"), lambda m: m["button"] == {"payload": "YES", "text": "Sim"}),
        "reaction": (lambda: maria.react(answer_wamid, "❤️"),
                     lambda m: m["reaction"] == {"message_id": answer_wamid, "emoji": "❤️"}),
        "unsupported": (lambda: maria.unsupported(), lambda m: m["errors"][0]["code"] == 131051),
    }
    for kind, (act, check) in expected.items():
        assert act().status_code == 200
        _c, message = only_message(posted(receiver))
        assert message["type"] == kind and check(message), message


def test_bsuid_only_customer(sandbox, receiver, graph):
    bia = sandbox.customer(user_id="BR.98765432109876543", name="Bia", username="@bia")
    bia.text("oi")
    contacts, message = only_message(posted(receiver))
    assert contacts == [{"profile": {"name": "Bia", "username": "@bia"}, "user_id": "BR.98765432109876543"}]
    assert "from" not in message and message["from_user_id"] == "BR.98765432109876543"
    response = graph.send({"recipient": "BR.98765432109876543", "type": "text", "text": {"body": "Olá"}})
    assert response.status_code == 200


def test_duplicate_posts_identical_bytes_twice(sandbox, receiver):
    delivery = sandbox.customer(MARIA).text("duplicado", duplicate=True)
    assert len(delivery.responses) == 2
    assert receiver.bodies[0] == receiver.bodies[1]
    assert only_message(posted(receiver))[1]["id"] == delivery.wamid


def test_send_false_then_batch(sandbox, receiver):
    maria, joao = sandbox.customer(MARIA, "Maria"), sandbox.customer("5521999998888", "João")
    drafts = [maria.text(f"m{i}", send=False) for i in range(3)] + [joao.image(send=False) for _ in range(3)]
    assert receiver.requests == [] and all(d.responses == [] for d in drafts)
    assert sandbox.send_batch(drafts, entries=2).status_code == 200
    payload = posted(receiver)
    assert len(receiver.requests) == 1 and [len(e["changes"]) for e in payload["entry"]] == [3, 3]
    assert sandbox.send_batch(drafts, merge=True).status_code == 200
    (change,) = posted(receiver)["entry"][0]["changes"]
    assert [m["id"] for m in change["value"]["messages"]] == [d.wamid for d in drafts]
    assert len(change["value"]["contacts"]) == 2


@pytest.fixture
def outbound(sandbox, graph):
    sandbox.customer(MARIA).text("oi")
    return graph.send({"to": MARIA, "type": "text", "text": {"body": "Olá!"},
                       "biz_opaque_callback_data": "ticket-42"}).json()["messages"][0]["id"]


def test_emit_statuses_in_reverse_keeps_real_timestamps(sandbox, receiver, outbound):
    before = len(receiver.requests)
    responses = sandbox.emit_statuses(outbound, order="reverse")
    assert [r.status_code for r in responses] == [200, 200, 200]
    statuses = [json.loads(b)["entry"][0]["changes"][0]["value"]["statuses"][0] for b in receiver.bodies[before:]]
    assert [s["status"] for s in statuses] == ["read", "delivered", "sent"]
    assert [int(s["timestamp"]) for s in statuses] == sorted((int(s["timestamp"]) for s in statuses), reverse=True)
    for status in statuses:
        assert status["id"] == outbound and status["recipient_id"] == MARIA
        assert status["biz_opaque_callback_data"] == "ticket-42"
        assert status["pricing"]["category"] == "service"
    assert "expiration_timestamp" in statuses[2]["conversation"]


def test_emit_failed_in_one_post(sandbox, receiver, outbound):
    sandbox.emit_statuses(outbound, ["sent", "delivered"], failed_code=131026, one_post=True)
    statuses = posted(receiver)["entry"][0]["changes"][0]["value"]["statuses"]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "failed"]
    assert statuses[2]["errors"][0]["code"] == 131026 and "pricing" not in statuses[2]
    with pytest.raises(KeyError):
        sandbox.emit_statuses("wamid.UNKNOWN")
    with pytest.raises(ValueError):
        sandbox.emit_statuses(outbound, order="random")


def test_template_status_pricing_uses_the_template_category(sandbox, receiver, graph):
    sandbox.state.add_template("promo", category="MARKETING", body="Oferta!")
    wamid = graph.send({"to": MARIA, "type": "template",
                        "template": {"name": "promo", "language": {"code": "pt_BR"}}}).json()["messages"][0]["id"]
    sandbox.emit_statuses(wamid, ["delivered"])
    pricing = posted(receiver)["entry"][0]["changes"][0]["value"]["statuses"][0]["pricing"]
    assert pricing == {"billable": True, "pricing_model": "PMP", "category": "marketing", "type": "regular"}


def test_auto_status_follows_each_accepted_message(sandbox, receiver, graph):
    sandbox.auto_status_steps = (("sent", 0), ("delivered", 0), ("read", 0))
    sandbox.auto_status = True
    sandbox.customer(MARIA).text("oi")
    wamid = graph.send({"to": MARIA, "type": "text", "text": {"body": "Olá"}}).json()["messages"][0]["id"]
    receiver.wait_for(4)
    statuses = [json.loads(b)["entry"][0]["changes"][0]["value"]["statuses"][0] for b in receiver.bodies[1:4]]
    assert [(s["id"], s["status"]) for s in statuses] == [(wamid, "sent"), (wamid, "delivered"), (wamid, "read")]
    sandbox.auto_status = False
    graph.send({"to": MARIA, "type": "text", "text": {"body": "de novo"}})
    assert len(receiver.requests) == 4


def test_customer_page_sends_a_text(sandbox, receiver, graph):
    page = requests.get(f"{sandbox.base_url}/", timeout=5)
    assert page.status_code == 200 and "Simulador de clientes" in page.text
    response = requests.post(f"{sandbox.base_url}/send", timeout=5, allow_redirects=False,
                             data={"wa_id": "+55 11 98765-4321", "name": "Maria <b>", "text": "Olá pela página"})
    assert response.status_code == 303
    _c, message = only_message(posted(receiver))
    assert message["text"]["body"] == "Olá pela página" and message["from"] == MARIA
    graph.send({"to": MARIA, "type": "text", "text": {"body": "<script>resposta</script>"}})
    page = requests.get(sandbox.base_url + response.headers["Location"], timeout=5).text
    assert "&lt;script&gt;resposta&lt;/script&gt;" in page and "<script>" not in page
    assert "Maria &lt;b&gt;" in page


def test_handshake_and_demo(sandbox, receiver):
    assert sandbox.handshake("abc").text == "abc"
    assert wait_for_webhook(sandbox, timeout=2, interval=0.01)
    templates = seed_demo_templates(sandbox.state)
    assert {t["language"] for t in templates} == {"pt_BR"} and len(templates) == 5
    deliveries = run_demo(sandbox, pause=0)
    assert all(d.status_code == 200 for d in deliveries) and len(receiver.requests) == len(deliveries)
    kinds = [only_message(json.loads(b))[1]["type"] for b in receiver.bodies]
    assert {"text", "location", "reaction"} <= set(kinds)
    assert any("context" in only_message(json.loads(b))[1] for b in receiver.bodies)


def test_cli_send(receiver, capsys):
    code = main(["send", "--webhook-url", receiver.url, "--app-secret", APP_SECRET, "--phone-number-id", PHONE_ID,
                 "--waba-id", WABA_ID, "--from", MARIA, "--name", "Maria", "--text", "Olá do terminal"])
    assert code == 0
    wamid, http, status = capsys.readouterr().out.split()
    assert (http, status) == ("HTTP", "200")
    _contacts, message = only_message(json.loads(receiver.bodies[-1]))
    assert message["id"] == wamid and message["text"]["body"] == "Olá do terminal"
    assert verify(receiver.bodies[-1], receiver.requests[-1]["headers"]["X-Hub-Signature-256"], APP_SECRET)
    main(["send", "--webhook-url", receiver.url, "--app-secret", APP_SECRET, "--phone-number-id", PHONE_ID,
          "--type", "location", "--latitude", "-22.9", "--longitude", "-43.2"])
    location = json.loads(receiver.bodies[-1])["entry"][0]["changes"][0]["value"]["messages"][0]["location"]
    assert location == {"latitude": -22.9, "longitude": -43.2}
    receiver.status = 500
    assert main(["send", "--webhook-url", receiver.url, "--type", "voice"]) == 1
