from odoo import http
from odoo.http import request

from ..const import EXPORT_ROUTE


class WhatsAppLgpdExportController(http.Controller):
    """The signed, expiring download link of a data subject's export (never cached, every use logged)."""

    @http.route(f"{EXPORT_ROUTE}/<int:request_id>/<string:token>", type="http", auth="public", methods=["GET"])
    def whatsapp_lgpd_export(self, request_id, token):
        # sudo: whatsapp.lgpd.request - the signed link is the authorisation, checked (and logged) next
        lgpd_request = request.env["whatsapp.lgpd.request"].sudo().browse(request_id).exists()
        if not lgpd_request or not lgpd_request._lgpd_export_for_token(token):
            # Returned, not raised: the refusal is logged (a raised error would roll the log back).
            return request.make_response("Not Found", [("Cache-Control", "no-store")], status=404)
        stream = request.env["ir.binary"]._get_stream_from(lgpd_request, "export_file",
                                                           filename_field="export_filename")
        response = stream.get_response(as_attachment=True)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
