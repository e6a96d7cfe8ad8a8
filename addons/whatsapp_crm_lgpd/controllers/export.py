from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from ..const import EXPORT_ROUTE


class WhatsAppLgpdExportController(http.Controller):
    """The signed, expiring download link of a data subject's export (never cached, every use logged)."""

    @http.route(f"{EXPORT_ROUTE}/<int:request_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def whatsapp_lgpd_export(self, request_id, token):
        # sudo: whatsapp.lgpd.request - the signed link is the authorisation, checked (and logged) next
        lgpd_request = request.env["whatsapp.lgpd.request"].sudo().browse(request_id).exists()
        attachment = lgpd_request._lgpd_export_for_token(token) if lgpd_request else None
        if not attachment:
            raise NotFound()
        response = request.env["ir.binary"]._get_stream_from(attachment).get_response(as_attachment=True)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
