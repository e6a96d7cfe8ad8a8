"""Bearer auth (190), ownership, routing, phone number info, and failure injection (FIFO, raw 5xx, latency)."""

import time

import pytest
from sandbox_helpers import PHONE_ID, WABA_ID, Graph, assert_graph_error

from meta_sandbox import Sandbox

TEXT = {"to": "5511987654321", "type": "text", "text": {"body": "Oi"}}


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_endpoint_needs_a_valid_token(sandbox, token):
    graph = Graph(sandbox, token=token)
    for response in (graph.send(TEXT), graph.get(PHONE_ID), graph.get(f"{WABA_ID}/message_templates"),
                     graph.upload(b"x", "image/png")):
        error = assert_graph_error(response, 190)
        assert error["type"] == "OAuthException"
        assert response.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform"')


def test_access_token_query_parameter_is_accepted(sandbox):
    graph = Graph(sandbox, token=None)
    assert graph.get(f"{PHONE_ID}?access_token=test-token").status_code == 200


def test_any_graph_version_is_accepted(sandbox):
    for version in ("v19.0", "v23.0", "v25.0"):
        assert Graph(sandbox, version=version).get(PHONE_ID).status_code == 200
    assert Graph(sandbox, version="latest").get(PHONE_ID).status_code == 404   # not a Graph path


def test_another_numbers_token_cannot_use_this_number(sandbox):
    sandbox.state.register_phone("777", token="other-token", waba_id="888", display_phone_number="5511900000000")
    other = Graph(sandbox, token="other-token")
    assert other.get("777").status_code == 200
    assert_graph_error(other.send(TEXT, phone_id=PHONE_ID), 100, subcode=33)
    assert_graph_error(other.get(f"{WABA_ID}/message_templates"), 100, subcode=33)


def test_phone_number_info(graph):
    assert graph.get(PHONE_ID).json() == {
        "id": PHONE_ID, "display_phone_number": "5511940000000", "verified_name": "Sandbox Helpdesk",
        "quality_rating": "GREEN", "messaging_limit_tier": "TIER_1K", "code_verification_status": "VERIFIED",
        "platform_type": "CLOUD_API",
        "throughput": {"level": "STANDARD"}}
    assert graph.get(f"{PHONE_ID}?fields=quality_rating,throughput").json() == {
        "id": PHONE_ID, "quality_rating": "GREEN", "throughput": {"level": "STANDARD"}}


def test_wrong_method_is_a_graph_error(graph):
    assert_graph_error(graph.session.delete(f"{graph.base}/{PHONE_ID}/messages", timeout=5), 100, subcode=33)


def test_injected_failures_are_consumed_fifo(graph, sandbox):
    sandbox.state.record_inbound("5511987654321")
    sandbox.state.inject_failure("messages", code=131000, times=3)
    sandbox.state.inject_failure("messages", code=131056)
    sandbox.state.inject_failure("*", code=80007)
    codes = [graph.send(TEXT).json().get("error", {}).get("code") for _ in range(6)]
    assert codes == [131000, 131000, 131000, 131056, 80007, None]
    assert sandbox.state.pending_failures == []
    assert len(sandbox.state.sent) == 1


@pytest.mark.parametrize(("code", "status"), [(130429, 429), (131056, 429), (4, 429), (80007, 429),
                                              (131000, 500), (131016, 500), (131026, 400), (190, 401)])
def test_injected_codes_get_metas_http_status(graph, sandbox, code, status):
    sandbox.state.inject_failure("messages", code=code)
    assert_graph_error(graph.send(TEXT), code, http_status=status)


def test_injection_targets_only_its_endpoint(graph, sandbox):
    media_id = sandbox.state.add_media(b"x", "image/png")
    sandbox.state.inject_failure("media", code=131000, times=2)
    sandbox.state.inject_failure("templates", code=4)
    assert graph.get(PHONE_ID).status_code == 200                      # "phone" is untouched
    assert_graph_error(graph.get(media_id), 131000)                     # GET /{media-id} is "media"
    assert_graph_error(graph.upload(b"x", "image/png"), 131000)         # upload is "media" too
    assert graph.get(media_id).status_code == 200
    assert_graph_error(graph.get(f"{WABA_ID}/message_templates"), 4)


def test_injected_download_failure_and_raw_status(graph, sandbox):
    media_id = sandbox.state.add_media(b"bytes", "image/png")
    url = graph.get(media_id).json()["url"]
    sandbox.state.inject_failure("media_download", code=None, raw_status=503)
    sandbox.state.inject_failure("phone", raw_status=502)
    response = graph.get(url)
    assert response.status_code == 503 and "json" not in response.headers["Content-Type"]
    assert graph.get(PHONE_ID).status_code == 502
    assert graph.get(url).content == b"bytes"


def test_injected_and_global_latency(graph, sandbox):
    sandbox.state.inject_failure("phone", code=None, latency=0.2)
    started = time.monotonic()
    assert graph.get(PHONE_ID).status_code == 200
    assert time.monotonic() - started >= 0.2
    sandbox.state.latency = 0.1
    started = time.monotonic()
    graph.get(PHONE_ID)
    assert time.monotonic() - started >= 0.1


def test_injected_error_with_custom_details_and_explicit_status(graph, sandbox):
    sandbox.state.inject_failure("messages", code=131047, http_status=400, details="spurious window error")
    error = assert_graph_error(graph.send(TEXT), 131047)
    assert error["error_data"]["details"] == "spurious window error"


def test_reset_clears_data_but_keeps_the_number(graph, sandbox):
    sandbox.state.add_template("x")
    sandbox.state.record_inbound("5511987654321")
    sandbox.state.inject_failure("phone", code=4)
    sandbox.state.latency = 1.0
    sandbox.state.reset()
    assert graph.get(PHONE_ID).status_code == 200
    assert sandbox.state.list_templates(WABA_ID) == [] and sandbox.state.pending_failures == []
    assert_graph_error(graph.send(TEXT), 131047)


def test_sandboxes_are_independent_and_stop_cleanly():
    with Sandbox() as first, Sandbox() as second:
        assert first.port != second.port
        first.state.add_template("only_first")
        assert second.state.list_templates(second.business.waba_id) == []
    assert first.base_url is None
