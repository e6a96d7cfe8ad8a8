from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request
from odoo.tools import consteq


class WhatsAppContactCardController(http.Controller):
    """The "Create contact" link under a contact a customer shared (rendered in the message body).

    A GET with an effect, so it carries a token only the message body holds (HMAC of message and
    card): another site cannot make an attendant's browser create contacts. It is idempotent: a
    contact whose number is already known is opened, not created again.
    """

    @http.route("/whatsapp/contact/create", type="http", auth="user", methods=["GET"])
    def whatsapp_contact_create(self, message_id="", index="", token=""):
        if not (message_id.isdigit() and index.isdigit()):
            raise NotFound()
        message = request.env["whatsapp.message"].browse(int(message_id)).exists()
        if not message or not consteq(token, message._contact_card_token(int(index))):
            raise NotFound()
        message.check_access("read")
        partner = message._create_contact_from_card(int(index))
        return request.redirect(f"/odoo/res.partner/{partner.id}")
