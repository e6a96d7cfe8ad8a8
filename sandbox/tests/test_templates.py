"""GET /{waba-id}/message_templates paging and template send checks (132000/132001/132015/132016)."""

import pytest
from sandbox_helpers import WABA_ID, assert_graph_error


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
