"""GET /{waba-id}/message_templates paging, template send checks (132000/132001/132005/132012/132015/132016)
and the template webhooks."""

import json

import pytest
from sandbox_helpers import APP_SECRET, WABA_ID, assert_graph_error

from meta_sandbox import verify
from meta_sandbox.templates import STATUSES


def test_paging_follows_next_over_three_pages(graph, sandbox):
    names = [f"modelo_{i:02d}" for i in range(7)]
    for name in names:
        sandbox.state.add_template(name)
    url, pages, seen = f"{WABA_ID}/message_templates?fields=name,status,language&limit=3", 0, []
    while url:
        body = graph.get(url).json()
        pages += 1
        seen += [t["name"] for t in body["data"]]
        assert set(body["data"][0]) == {"id", "name", "status", "language"}
        assert body["paging"]["cursors"]["before"] and body["paging"]["cursors"]["after"]
        url = body["paging"].get("next")
        if url:
            assert url.startswith(f"{sandbox.base_url}/v23.0/{WABA_ID}/message_templates?")
            assert "fields=name%2Cstatus%2Clanguage" in url and "limit=3" in url
    assert pages == 3 and seen == names


def test_default_limit_is_25_and_previous_link(graph, sandbox):
    for i in range(30):
        sandbox.state.add_template(f"t{i}")
    first = graph.get(f"{WABA_ID}/message_templates").json()
    assert len(first["data"]) == 25 and "previous" not in first["paging"]
    second = graph.get(first["paging"]["next"]).json()
    assert [t["name"] for t in second["data"]] == [f"t{i}" for i in range(25, 30)]
    assert "next" not in second["paging"]
    back = graph.get(second["paging"]["previous"]).json()
    assert back["data"] == first["data"]


def test_template_record_shape_and_filters(graph, sandbox):
    sandbox.state.add_template("pesquisa", category="MARKETING", header="Pesquisa", body="{{nome}}, nota?",
                               buttons=["Ótimo", "Ruim"], parameter_format="NAMED", footer="Obrigado")
    sandbox.state.add_template("pendente", status="PENDING")
    data = graph.get(f"{WABA_ID}/message_templates?status=APPROVED").json()["data"]
    assert [t["name"] for t in data] == ["pesquisa"]
    template = data[0]
    assert template["category"] == "MARKETING" and template["parameter_format"] == "NAMED"
    assert [c["type"] for c in template["components"]] == ["HEADER", "BODY", "FOOTER", "BUTTONS"]
    body = template["components"][1]
    assert body["example"] == {"body_text_named_params": [{"param_name": "nome", "example": "exemplo_nome"}]}
    assert template["components"][3]["buttons"][0] == {"type": "QUICK_REPLY", "text": "Ótimo"}


def test_empty_list_and_foreign_waba(graph):
    assert graph.get(f"{WABA_ID}/message_templates").json() == {"data": []}
    assert_graph_error(graph.get("123/message_templates"), 100, subcode=33)
    assert_graph_error(graph.get(f"{WABA_ID}/message_templates?after=garbage"), 100)


def template_send(name, language="pt_BR", body_params=(), header_params=None):
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in body_params]}]
    if header_params is not None:
        components.insert(0, {"type": "header", "parameters": header_params})
    return {"to": "5511987654321", "type": "template",
            "template": {"name": name, "language": {"code": language}, "components": components}}


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"name": "inexistente"}, 132001),
    ({"name": "pedido", "language": "en_US", "body_params": ["1", "2"]}, 132001),
    ({"name": "pedido", "body_params": ["Maria"]}, 132000),
    ({"name": "pedido", "body_params": ["Maria", "4521", "extra"]}, 132000),
    ({"name": "com_imagem", "body_params": []}, 132000),     # media header needs its parameter
    ({"name": "pendente"}, 132001),
    ({"name": "pausado"}, 132015),
    ({"name": "desativado"}, 132016),
])
def test_template_send_errors(graph, sandbox, kwargs, code):
    state = sandbox.state
    state.add_template("pedido", body="Olá {{1}}, seu pedido {{2}} saiu. {{1}}, obrigado!")
    state.add_template("com_imagem", header={"format": "IMAGE"}, body="Veja")
    state.add_template("pendente", status="PENDING", body="x")
    state.add_template("pausado", status="PAUSED", body="x")
    state.add_template("desativado", status="DISABLED", body="x")
    assert_graph_error(graph.send(template_send(**kwargs)), code)


def test_template_send_ok_with_header_and_status_change(graph, sandbox):
    sandbox.state.add_template("com_imagem", header={"format": "IMAGE"}, body="Olá {{1}}")
    payload = template_send("com_imagem", body_params=["Maria"],
                            header_params=[{"type": "image", "image": {"link": "https://x/y.jpg"}}])
    assert graph.send(payload).status_code == 200
    sandbox.state.set_template_status("com_imagem", "pt_BR", "PAUSED")
    assert_graph_error(graph.send(payload), 132015)


def test_named_template_parameters_must_match(graph, sandbox):
    sandbox.state.add_template("nomeado", body="Olá {{nome}}", parameter_format="NAMED")
    good = template_send("nomeado", body_params=["Maria"])
    good["template"]["components"][0]["parameters"][0]["parameter_name"] = "nome"
    assert graph.send(good).status_code == 200
    good["template"]["components"][0]["parameters"][0]["parameter_name"] = "outro"
    assert_graph_error(graph.send(good), 132000)


# ---- the checks of a send against the approved template ---------------------------------------------------

URL_BUTTON = {"type": "URL", "text": "Ver ingresso", "url": "https://ingressos.example/{{1}}",
              "example": ["https://ingressos.example/abc123"]}


def components_send(name, components, language="pt_BR"):
    return {"to": "5511987654321", "type": "template",
            "template": {"name": name, "language": {"code": language}, "components": components}}


def body(*texts, names=None):
    parameters = [{"type": "text", "text": t} for t in texts]
    for parameter, name in zip(parameters, names or (), strict=False):
        parameter["parameter_name"] = name
    return {"type": "body", "parameters": parameters}


def url_button(index, suffix):
    return {"type": "button", "sub_type": "url", "index": str(index), "parameters": [{"type": "text", "text": suffix}]}


@pytest.fixture
def ingresso(sandbox):
    return sandbox.state.add_template("ingresso", header={"format": "IMAGE"}, body="Olá {{1}}, seu ingresso {{2}}",
                                      buttons=[URL_BUTTON, "Obrigado"], footer="Filarmônica")


def test_full_positional_send_with_media_header_and_url_button(graph, ingresso):
    components = [{"type": "header", "parameters": [{"type": "image", "image": {"id": "123"}}]},
                  body("Maria", "A12"), url_button(0, "abc123")]
    assert graph.send(components_send("ingresso", components)).status_code == 200


@pytest.mark.parametrize(("components", "code"), [
    # a video where the template has an image header
    ([{"type": "header", "parameters": [{"type": "video", "video": {"id": "1"}}]}, body("M", "A"),
      url_button(0, "x")], 132012),
    # the URL button's dynamic suffix is missing
    ([{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}, body("M", "A")], 132000),
    # the button at index 0 is a URL, not a quick reply
    ([{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}, body("M", "A"),
      {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "x"}]}],
     132012),
    # no button at index 5
    ([{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}, body("M", "A"),
      url_button(0, "x"), url_button(5, "y")], 132012),
    # a body filled in beyond 1,024 characters
    ([{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}, body("M" * 1020, "A"),
      url_button(0, "x")], 132005),
])
def test_template_send_is_checked_against_the_template(graph, ingresso, components, code):
    assert_graph_error(graph.send(components_send("ingresso", components)), code)


def test_button_component_needs_sub_type_and_index(graph, ingresso):
    components = [{"type": "header", "parameters": [{"type": "image", "image": {"id": "1"}}]}, body("M", "A"),
                  {"type": "button", "index": "0", "parameters": [{"type": "text", "text": "x"}]}]
    assert_graph_error(graph.send(components_send("ingresso", components)), 131008)


def test_copy_code_button_takes_a_coupon_code(graph, sandbox):
    sandbox.state.add_template("cupom", category="MARKETING", body="Seu desconto",
                               buttons=[{"type": "COPY_CODE", "example": "PROMO10"}])
    good = {"type": "button", "sub_type": "copy_code", "index": "0",
            "parameters": [{"type": "coupon_code", "coupon_code": "PROMO10"}]}
    assert graph.send(components_send("cupom", [good])).status_code == 200
    bad = dict(good, parameters=[{"type": "text", "text": "PROMO10"}])
    assert_graph_error(graph.send(components_send("cupom", [bad])), 132012)
    assert_graph_error(graph.send(components_send("cupom", [])), 132000)


def test_named_header_and_body(graph, sandbox):
    sandbox.state.add_template("lembrete", header="Concerto de {{data}}", body="Olá {{nome}}",
                               parameter_format="NAMED")
    template = sandbox.state.find_template(None, "lembrete", "pt_BR")
    assert template["components"][0]["example"] == {
        "header_text_named_params": [{"param_name": "data", "example": "exemplo_data"}]}
    header = {"type": "header", "parameters": [{"type": "text", "parameter_name": "data", "text": "12/12"}]}
    assert graph.send(components_send("lembrete", [header, body("Maria", names=["nome"])])).status_code == 200
    positional_body = body("Maria")
    assert_graph_error(graph.send(components_send("lembrete", [header, positional_body])), 132000)


def test_every_status_is_listed_and_filterable(graph, sandbox):
    for status in STATUSES:
        sandbox.state.add_template(f"t_{status.lower()}", status=status)
    data = graph.get(f"{WABA_ID}/message_templates?limit=100").json()["data"]
    assert sorted(t["status"] for t in data) == sorted(STATUSES)
    paused = graph.get(f"{WABA_ID}/message_templates?status=PAUSED").json()["data"]
    assert [t["name"] for t in paused] == ["t_paused"]
    with pytest.raises(ValueError):
        sandbox.state.set_template_status("t_paused", "pt_BR", "SLEEPING")


# ---- template webhooks ------------------------------------------------------------------------------------

def posted_change(receiver):
    request = receiver.requests[-1]
    assert verify(request["body"], request["headers"]["X-Hub-Signature-256"], APP_SECRET)
    entry = json.loads(request["body"])["entry"][0]
    assert entry["id"] == WABA_ID
    return entry["changes"][0]


def test_status_change_is_listed_and_posted(graph, sandbox, receiver):
    template = sandbox.state.add_template("promo", category="MARKETING")
    sandbox.change_template_status("promo", "pt_BR", "PAUSED",
                                   other_info={"title": "FIRST_PAUSE", "description": "Baixa qualidade"})
    change = posted_change(receiver)
    assert change["field"] == "message_template_status_update"
    assert change["value"] == {
        "event": "PAUSED", "message_template_id": int(template["id"]), "message_template_name": "promo",
        "message_template_language": "pt_BR", "reason": "NONE", "message_template_category": "MARKETING",
        "other_info": {"title": "FIRST_PAUSE", "description": "Baixa qualidade"}}
    assert graph.get(f"{WABA_ID}/message_templates").json()["data"][0]["status"] == "PAUSED"


def test_quality_category_and_deletion_webhooks(graph, sandbox, receiver):
    template = sandbox.state.add_template("promo", category="UTILITY")
    sandbox.change_template_quality("promo", "pt_BR", "YELLOW")
    value = posted_change(receiver)["value"]
    assert (value["previous_quality_score"], value["new_quality_score"]) == ("UNKNOWN", "YELLOW")
    sandbox.change_template_category("promo", "pt_BR", "MARKETING")
    change = posted_change(receiver)
    assert change["field"] == "template_category_update"
    assert (change["value"]["previous_category"], change["value"]["new_category"]) == ("UTILITY", "MARKETING")
    listed = graph.get(f"{WABA_ID}/message_templates?fields=category,quality_score").json()["data"][0]
    assert listed == {"id": template["id"], "category": "MARKETING", "quality_score": listed["quality_score"]}
    assert listed["quality_score"]["score"] == "YELLOW"
    sandbox.delete_template("promo", "pt_BR")
    assert posted_change(receiver)["value"]["event"] == "DELETED"
    assert graph.get(f"{WABA_ID}/message_templates").json() == {"data": []}


def test_edit_template_changes_its_components(graph, sandbox):
    sandbox.state.add_template("aviso", body="Olá {{1}}", footer="Rodapé")
    sandbox.state.edit_template("aviso", "pt_BR", body="Oi {{1}}, novidade {{2}}")
    components = graph.get(f"{WABA_ID}/message_templates").json()["data"][0]["components"]
    assert components[0] == {"type": "BODY", "text": "Oi {{1}}, novidade {{2}}",
                             "example": {"body_text": [["exemplo 1", "exemplo 2"]]}}
    assert components[1] == {"type": "FOOTER", "text": "Rodapé"}
