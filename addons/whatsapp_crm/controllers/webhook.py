import logging

from odoo import http
from odoo.http import request

from ..const import MAX_WEBHOOK_BODY_BYTES, WEBHOOK_ROUTE
from ..tools.webhook_signature import verify_challenge, verify_signature

_logger = logging.getLogger(__name__)


class WhatsAppWebhookController(http.Controller):
    """Meta's single callback URL for every account. Thin on purpose: verify, store, answer.

    A 200 means the raw event is committed in ``whatsapp.inbox`` (Odoo commits the request's
    transaction before it sends the response; a failed commit becomes a 500 and Meta retries).
    Parsing and every effect happen later, in background jobs.
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

    # ``whatsapp_max_body``: ir.http reads the body before anything else does, and answers 413
    # without reading past this many bytes, whatever the transfer encoding (models/ir_http.py).
    @http.route(WEBHOOK_ROUTE, type="http", auth="public", methods=["POST"], csrf=False, save_session=False,
                whatsapp_max_body=MAX_WEBHOOK_BODY_BYTES)
    def whatsapp_webhook_receive(self):
        httprequest = request.httprequest
        raw_body = httprequest.get_data(cache=False)
        # The signature is checked on the raw bytes, before anything parses them.
        accounts = request.env["whatsapp.account"]
        app_secret = verify_signature(raw_body, httprequest.headers.get("X-Hub-Signature-256"),
                                      accounts._webhook_app_secrets())
        if app_secret is None:
            _logger.warning("WhatsApp webhook refused: missing or invalid signature (%d bytes)", len(raw_body))
            return self._plain_response("Invalid signature", 401)
        # The POST may only touch the accounts configured with the secret that signed it.
        request.env["whatsapp.inbox"]._store_webhook(raw_body, accounts._webhook_accounts_of_secret(app_secret))
        return self._plain_response("OK", 200)

    @staticmethod
    def _plain_response(text, status):
        return request.make_response(text, status=status, headers=[("Content-Type", "text/plain")])
