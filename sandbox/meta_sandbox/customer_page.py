"""A plain HTML page ("Simulador de clientes") served at ``/`` by the Graph fake: a form that sends a text as a
customer, and the helpdesk's latest answers. No JavaScript."""

from datetime import datetime
from html import escape
from urllib.parse import urlencode

import requests
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

RECENT_ANSWERS = 20

_PAGE = """<!DOCTYPE html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Simulador de clientes</title>
<style>
body {{ font-family: sans-serif; max-width: 48rem; margin: 2rem auto; color: #111b21; }}
form {{ display: grid; gap: .5rem; background: #f0f2f5; padding: 1rem; border-radius: .5rem; }}
input, textarea, button {{ font: inherit; padding: .4rem; }}
button {{ background: #25d366; border: 0; border-radius: .3rem; cursor: pointer; }}
li {{ margin: .3rem 0; }}
.meta {{ color: #667781; font-size: .85em; }} .notice {{ background: #d9fdd3; padding: .5rem; }}
</style></head><body>
<h1>Simulador de clientes</h1>
<p class="meta">WhatsApp Business {number} &middot; webhook: {webhook}</p>
{notice}
<form method="post" action="/send">
<label>WhatsApp (wa_id) <input name="wa_id" value="{wa_id}" required pattern="[0-9]{{8,15}}"></label>
<label>Nome <input name="name" value="{name}"></label>
<label>Mensagem <textarea name="text" rows="3" required></textarea></label>
<button type="submit">Enviar como cliente</button>
</form>
<h2>Últimas respostas do helpdesk</h2>
<ul>{answers}</ul>
</body></html>"""


def describe(payload):
    """One-line summary of an outbound message for humans."""
    kind = payload.get("type", "text")
    content = payload.get(kind) or {}
    if kind == "text":
        return content.get("body", "")
    if kind == "template":
        return f"[modelo {content.get('name')}]"
    if kind in ("image", "video", "document") and content.get("caption"):
        return f"[{kind}] {content['caption']}"
    if kind == "reaction":
        return f"[reação {content.get('emoji', '')}]"
    return f"[{kind}]"


class CustomerPage:
    """WSGI app for ``/`` (form + answers) and ``/send`` (POST: deliver the text as that customer)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/" and request.method in ("GET", "HEAD"):
            response = self._page(request)
        elif request.path == "/send" and request.method == "POST":
            response = self._send(request)
        else:
            response = Response("Not Found", status=404, mimetype="text/plain")
        return response(environ, start_response)

    def _page(self, request):
        answers = [
            f"<li><b>{escape(sent.recipient_id)}</b> {escape(describe(sent.payload))} "
            f'<span class="meta">{datetime.fromtimestamp(sent.timestamp):%H:%M:%S}</span></li>'
            for sent in reversed(self.sandbox.state.sent[-RECENT_ANSWERS:])
        ]
        notice = ""
        if request.args.get("status"):
            notice = (f'<p class="notice">Enviado: {escape(request.args.get("wamid", ""))} '
                      f'(webhook respondeu HTTP {escape(request.args["status"])})</p>')
        html = _PAGE.format(
            number=escape(self.sandbox.business.display_phone_number),
            webhook=escape(self.sandbox.webhook_url or "(nenhum)"),
            notice=notice,
            wa_id=escape(request.args.get("wa_id", "5511987654321")),
            name=escape(request.args.get("name", "Maria Oliveira")),
            answers="".join(answers) or "<li class='meta'>Nenhuma resposta ainda.</li>",
        )
        return Response(html, mimetype="text/html")

    def _send(self, request):
        wa_id = "".join(ch for ch in request.form.get("wa_id", "") if ch.isdigit())
        name, text = request.form.get("name", "").strip(), request.form.get("text", "").strip()
        if not wa_id or not text:
            return Response("wa_id e mensagem são obrigatórios", status=400, mimetype="text/plain")
        try:
            delivery = self.sandbox.customer(wa_id, name or None).text(text)
        except requests.RequestException as error:
            return Response(f"O webhook não respondeu: {error}", status=502, mimetype="text/plain")
        query = {"wa_id": wa_id, "name": name, "wamid": delivery.wamid, "status": delivery.status_code}
        return redirect(f"/?{urlencode(query)}", code=303)
