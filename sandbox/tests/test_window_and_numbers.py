"""The 24 h customer-service window (131047) and Brazil's 9th digit (canonical wa_id)."""

import base64

import pytest
from sandbox_helpers import assert_graph_error

from meta_sandbox import canonical_wa_id
from meta_sandbox.ids import new_wamid

TEXT = {"type": "text", "text": {"body": "Olá, tudo bem?"}}


def test_no_inbound_means_window_closed_then_inbound_opens_it(graph, sandbox):
    assert_graph_error(graph.send({"to": "5511987654321", **TEXT}), 131047)
    sandbox.customer("5511987654321", "Maria").text("Oi!")
    assert graph.send({"to": "5511987654321", **TEXT}).status_code == 200


def test_window_closes_exactly_after_24_hours(graph, sandbox, clock):
    sandbox.state.record_inbound("5511987654321")
    clock.advance(24 * 3600 - 1)
    assert graph.send({"to": "5511987654321", **TEXT}).status_code == 200
    clock.advance(1)
    assert_graph_error(graph.send({"to": "5511987654321", **TEXT}), 131047)


def test_tests_can_set_the_last_inbound_time(graph, sandbox, clock):
    sandbox.state.record_inbound("5511987654321", at=clock() - 25 * 3600)
    assert_graph_error(graph.send({"to": "5511987654321", **TEXT}), 131047)
    sandbox.state.record_inbound("5511987654321", at=clock() - 23 * 3600)
    assert graph.send({"to": "5511987654321", **TEXT}).status_code == 200
    sandbox.state.clear_inbound("5511987654321")
    assert_graph_error(graph.send({"to": "5511987654321", **TEXT}), 131047)


def test_templates_pass_outside_the_window(graph, sandbox):
    sandbox.state.add_template("boas_vindas", body="Olá {{1}}")
    response = graph.send({"to": "5511987654321", "type": "template", "template": {
        "name": "boas_vindas", "language": {"code": "pt_BR"},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": "Maria"}]}]}})
    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["message_status"] == "accepted"


@pytest.mark.parametrize(("number", "canonical"), [
    ("5511987654321", "5511987654321"),      # already 13 digits: unchanged
    ("551187654321", "5511987654321"),       # 12-digit mobile (8 starts 6-9): the 9 is inserted
    ("552196543210", "5521996543210"),
    ("+55 (11) 8765-4321", "5511987654321"),
    ("551133334444", "551133334444"),        # landline (starts 2-5): unchanged
    ("14155550123", "14155550123"),          # not Brazil
])
def test_canonical_wa_id(number, canonical):
    assert canonical_wa_id(number) == canonical


def test_send_response_settles_the_9th_digit_and_window_spans_both_forms(graph, sandbox):
    # The customer writes from the legacy 12-digit form; the business replies to it and learns the 13-digit id.
    sandbox.customer("551187654321", "Ana").text("Oi")
    body = graph.send({"to": "551187654321", **TEXT}).json()
    assert body["contacts"] == [{"input": "551187654321", "wa_id": "5511987654321"}]
    assert graph.send({"to": "5511987654321", **TEXT}).status_code == 200
    assert [m.recipient_id for m in sandbox.state.sent] == ["5511987654321", "5511987654321"]


def test_wamid_layout_embeds_the_number():
    wamid = new_wamid("5511987654321")
    assert wamid.startswith("wamid.HBgN")
    raw = base64.b64decode(wamid[len("wamid."):])
    assert raw[:3] == b"\x1c\x18\x0d" and raw[3:16] == b"5511987654321" and raw.endswith(b"\x00")
    assert new_wamid("5511987654321") != wamid
