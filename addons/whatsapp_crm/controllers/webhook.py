import logging

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..models.whatsapp_account import WEBHOOK_ROUTE
from ..tools.webhook_signature import verify_challenge, verify_signature

_logger = logging.getLogger(__name__)

# Meta's bodies reach ~3 MB; anything much larger is not Meta and is refused before it is read.
MAX_BODY_BYTES = 4 * 1024 * 1024


class WhatsAppWebhookController(http.Controller):
    """Meta's single callback URL for every account. Thin on purpose: verify, store, answer.

    A 200 means the raw event is committed in ``whatsapp.inbox`` (Odoo commits the request's
    transaction before it sends the response; a failed commit becomes a 500 and Meta retries).
    Parsing and every effect happen later, in the inbox cron.
    """

    @http.route(WEBHOOK_ROUTE, type="http", auth="public", methods=["GET"], csrf=False, save_session=False,
                readonly=True)
    def whatsapp_webhook_verify(self, **params):
        """Meta's handshake: echo ``hub.challenge`` when mode and verify token match."""
        challenge = verify_challenge(
            params.get("hub.mode"), params.get("hub.verify_token"), params.get("hub.challenge"),
            request.env["whatsapp.account"]._webhook_verify_tokens(),
        )
        if challenge is None:
            _logger.warning("WhatsApp webhook handshake refused (wrong mode or verify token)")
            return request.make_response("Forbidden", status=403, headers=[("Content-Type", "text/plain")])
        return request.make_response(challenge, headers=[("Content-Type", "text/plain")])

    @http.route(WEBHOOK_ROUTE, type="http", auth="public", methods=["POST"], csrf=False, save_session=False)
    def whatsapp_webhook_receive(self):
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return self._plain_response("Payload Too Large", 413)
        httprequest.max_content_length = MAX_BODY_BYTES  # also caps chunked bodies without a length
        try:
            raw_body = httprequest.get_data(cache=False)
        except RequestEntityTooLarge:
            return self._plain_response("Payload Too Large", 413)
        # The signature is checked on the raw bytes, before anything parses them.
        app_secret = verify_signature(
            raw_body, httprequest.headers.get("X-Hub-Signature-256"),
            request.env["whatsapp.account"]._webhook_app_secrets(),
        )
        if app_secret is None:
            _logger.warning("WhatsApp webhook refused: missing or invalid signature (%d bytes)", len(raw_body))
            return self._plain_response("Invalid signature", 401)
        request.env["whatsapp.inbox"]._store_webhook(raw_body)
        return self._plain_response("OK", 200)

    @staticmethod
    def _plain_response(text, status):
        return request.make_response(text, status=status, headers=[("Content-Type", "text/plain")])
