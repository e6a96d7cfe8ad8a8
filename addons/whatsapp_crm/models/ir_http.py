import io

from werkzeug.exceptions import abort

from odoo import models
from odoo.http import request


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        """Routes declaring ``whatsapp_max_body`` get their body read here, first, and never past the cap.

        Werkzeug enforces ``max_content_length`` only when a ``Content-Length`` is sent: a chunked
        body is read whole (and a form-encoded one parsed whole before the controller runs). Here
        the body is read in pieces and refused with 413 as soon as it exceeds the cap; the
        connection is closed, so the unread rest is never parsed as another request.
        """
        limit = rule.endpoint.routing.get("whatsapp_max_body")
        if limit:
            cls._whatsapp_read_capped_body(limit)
        return super()._pre_dispatch(rule, args)

    @classmethod
    def _whatsapp_read_capped_body(cls, limit):
        httprequest = request.httprequest
        # Odoo's HTTPRequest hides the wsgi.* keys and the stream: the WSGI environ itself is
        # reached the way Odoo's own bus/websocket.py reaches its socket.
        environ = httprequest._HTTPRequest__environ
        stream = environ["wsgi.input"]
        length = httprequest.content_length
        too_large = request.make_response("Payload Too Large", status=413, headers=[
            ("Content-Type", "text/plain"), ("Connection", "close")])
        if length is not None and length > limit:
            abort(too_large)
        if length is None and not environ.get("wsgi.input_terminated"):
            body = b""  # no length and not chunked: no body (as werkzeug's safe fallback)
        else:
            chunks, size = [], 0
            remaining = length if length is not None else limit + 1
            while remaining > 0:
                chunk = stream.read(min(65536, remaining))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                remaining -= len(chunk)
                if size > limit:
                    abort(too_large)
            body = b"".join(chunks)
        # What is read is what everything after sees (werkzeug's stream, get_data, form parsing).
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True
        environ["CONTENT_LENGTH"] = str(len(body))
