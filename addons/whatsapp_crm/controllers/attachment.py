from odoo import http
from odoo.http import request
from odoo.tools import str2bool

from odoo.addons.mail.controllers.attachment import AttachmentController


class WhatsAppAttachmentController(AttachmentController):
    """A file attached in a WhatsApp conversation is checked against Meta's rules first: the
    composer shows why WhatsApp would refuse it, instead of a failed send later."""

    @http.route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        if thread_model == "discuss.channel":
            # sudo: discuss.channel - only its type is read; Discuss checks access just after
            channel_sudo = request.env["discuss.channel"].sudo().browse(int(thread_id)).exists()
            if channel_sudo.channel_type == "whatsapp":
                data = ufile.read()
                ufile.seek(0)
                problem = request.env["whatsapp.message"]._outbound_file_problem(
                    data, ufile.filename, voice=str2bool(kwargs.get("voice") or "0", False))
                if problem:
                    return request.make_json_response({"error": problem})
        return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)
