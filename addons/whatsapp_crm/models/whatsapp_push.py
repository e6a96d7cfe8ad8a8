"""Web push to attendants' browsers: Odoo's subscriptions, keys and service worker; our headers.

Why not ``mail``'s sender as it is: it sends ``TTL: 60`` (an attendant whose laptop sleeps for
more than a minute never sees the message), no ``Urgency`` (phones on battery saving may hold it)
and no ``Topic`` (five messages of one customer wait as five). Why not pywebpush: it would bring
three libraries pinned below their current versions (cryptography, see shared/PLATFORM.md) to do
what Odoo's own encryption and JWT signer already do; ``tools/web_push_request.py`` builds the
request with them (measured: bench/README.md, "Push").
"""
import json
import logging

import requests

from odoo import api, models

from ..tools.web_push_request import (
    PushRequestError,
    build_push_request,
    is_gone,
    push_origin,
    vapid_authorization,
)

_logger = logging.getLogger(__name__)

PUSH_TTL_PARAM = "whatsapp_crm.push_ttl_seconds"
# An attendant who opens the laptop within the hour still sees the message.
DEFAULT_PUSH_TTL_SECONDS = 3600
PUSH_INTERVAL_PARAM = "whatsapp_crm.push_interval_seconds"
# A conversation alerts again at most this often; its later messages update the notification at the
# end of the interval. A customer writing five lines in ten seconds is one alert, not five, and the
# pushes (CPU, requests to the push service) follow the conversations, not the messages.
DEFAULT_PUSH_INTERVAL_SECONDS = 15
# Push services answer in tens of milliseconds; a dead one must not hold the push job for long.
PUSH_TIMEOUT = (3, 5)


class WhatsAppPush(models.AbstractModel):
    _name = "whatsapp.push"
    _description = "WhatsApp Web Push"

    @api.model
    def _ttl_seconds(self):
        return self._seconds_param(PUSH_TTL_PARAM, DEFAULT_PUSH_TTL_SECONDS)

    @api.model
    def _interval_seconds(self):
        return self._seconds_param(PUSH_INTERVAL_PARAM, DEFAULT_PUSH_INTERVAL_SECONDS)

    @api.model
    def _seconds_param(self, name, default):
        # sudo: ir.config_parameter - the push settings, read by the push job
        param = self.env["ir.config_parameter"].sudo().get_param(name)
        try:
            return max(int(param), 0) if param else default
        except ValueError:
            return default

    @api.model
    def _vapid_keys(self):
        """Odoo's VAPID pair (the browsers subscribed with its public key), or ``(None, None)``."""
        # sudo: ir.config_parameter - the VAPID keys mail generated for web push
        params_sudo = self.env["ir.config_parameter"].sudo()
        return (params_sudo.get_param("mail.web_push_vapid_private_key"),
                params_sudo.get_param("mail.web_push_vapid_public_key"))

    @api.model
    def _send(self, notifications, session=None):
        """POST each ``(device, payload, topic)``; remove the devices the push service says are gone.

        One failure (a timeout, a refused request, a dead service) costs that notification only.
        Returns ``{"sent": n, "failed": n, "removed": n}``.
        """
        private_key, public_key = self._vapid_keys()
        stats = {"sent": 0, "failed": 0, "removed": 0}
        if not notifications or not private_key or not public_key:
            return stats
        if session is None:
            session = requests.Session()
            # The environment's proxies are read once per push service below, not on every request
            # (requests scans os.environ per request: a third of a push's CPU).
            session.trust_env = False
        subject = self.get_base_url()
        ttl = self._ttl_seconds()
        gone = set()
        per_origin = {}  # push service -> (VAPID header, proxies)
        for device, payload, topic in notifications:
            if device.id in gone:
                continue
            try:
                origin = push_origin(device.endpoint)
                if origin not in per_origin:
                    per_origin[origin] = (
                        vapid_authorization(origin, vapid_private_key=private_key, vapid_public_key=public_key,
                                            subject=subject),
                        requests.utils.get_environ_proxies(device.endpoint))
                authorization, proxies = per_origin[origin]
                request = build_push_request(
                    {"endpoint": device.endpoint, "keys": device.keys}, payload,
                    authorization=authorization, ttl=ttl, urgency="high", topic=topic)
                response = session.post(request.url, data=request.body, headers=request.headers,
                                        proxies=proxies, timeout=PUSH_TIMEOUT)
            except (PushRequestError, requests.RequestException, ValueError, json.JSONDecodeError) as error:
                stats["failed"] += 1
                _logger.warning("WhatsApp: web push to device %s failed: %s", device.id, error)
                continue
            if response.status_code in (200, 201, 202):
                stats["sent"] += 1
            elif is_gone(response.status_code):
                gone.add(device.id)
            else:
                stats["failed"] += 1
                _logger.warning("WhatsApp: web push to device %s refused: HTTP %s %s", device.id,
                                response.status_code, response.text[:200])
        if gone:
            # sudo: mail.push.device - the push service says these subscriptions expired or were revoked
            self.env["mail.push.device"].sudo().browse(gone).unlink()
            stats["removed"] = len(gone)
        return stats
