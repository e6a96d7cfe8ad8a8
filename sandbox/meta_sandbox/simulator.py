"""The ``Sandbox`` facade: one fake Meta (Graph API server + state) wired to one webhook receiver."""

import logging
import threading
import time

import requests

from . import webhooks
from .customer import Customer, Delivery
from .customer_page import CustomerPage
from .graph_server import GraphApp, GraphServer
from .sender import WebhookSender
from .state import DEFAULT_MEDIA_URL_TTL, SandboxState
from .templates import EVENT_STATUSES

_logger = logging.getLogger(__name__)

DEFAULT_GRAPH_VERSION = "v25.0"
# Public, well-known credentials of the fake (it holds no real data): never real Meta secrets.
DEFAULT_APP_SECRET = "sandbox-app-secret"  # noqa: S105
DEFAULT_VERIFY_TOKEN = "sandbox-verify-token"  # noqa: S105
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
DEFAULT_WABA_ID = "102290129340398"
DEFAULT_DISPLAY_PHONE_NUMBER = "5511940028922"
DEFAULT_TOKEN = "sandbox-token"  # noqa: S105

# Each status's place in the real sequence: its timestamp offset, whatever order the webhooks are POSTed in.
_STATUS_SEQUENCE = {"sent": 0, "delivered": 1, "read": 2, "played": 3, "failed": 1}
AUTO_STATUS_STEPS = (("sent", 0.2), ("delivered", 0.3), ("read", 0.5))   # (status, pause before it, seconds)


class Sandbox:
    """A local fake of Meta for one WhatsApp Business number.

    ``start()`` runs the Graph fake on ``host:port`` (0 = free port, see ``base_url``); customers created with
    :meth:`customer` POST signed webhooks to ``webhook_url``. Usable as a context manager.
    """

    def __init__(self, webhook_url=None, app_secret=DEFAULT_APP_SECRET, verify_token=DEFAULT_VERIFY_TOKEN,
                 phone_number_id=DEFAULT_PHONE_NUMBER_ID, waba_id=DEFAULT_WABA_ID,
                 display_phone_number=DEFAULT_DISPLAY_PHONE_NUMBER, token=DEFAULT_TOKEN, *, host="127.0.0.1",
                 port=0, clock=None, media_url_ttl=DEFAULT_MEDIA_URL_TTL, verified_name="Sandbox Helpdesk",
                 quiet=True):
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.token = token
        self.business = webhooks.BusinessNumber(str(waba_id), str(phone_number_id), str(display_phone_number))
        self.state = SandboxState(clock=clock, media_url_ttl=media_url_ttl)
        self.state.register_phone(phone_number_id, token=token, waba_id=waba_id,
                                  display_phone_number=display_phone_number, verified_name=verified_name)
        self.sender = WebhookSender(webhook_url, app_secret)
        self.server = GraphServer(GraphApp(self.state, fallback=CustomerPage(self)), host, port, quiet)
        self._auto_status = False
        self.auto_status_steps = AUTO_STATUS_STEPS   # tests may shorten the pauses

    # ---- lifecycle --------------------------------------------------------------------------------------

    def start(self):
        self.server.start()
        return self

    def stop(self):
        self.auto_status = False
        self.server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def base_url(self):
        """``http://127.0.0.1:PORT`` once started."""
        return self.server.base_url

    @property
    def port(self):
        return self.server.port

    def graph_url(self, version=DEFAULT_GRAPH_VERSION):
        """What to configure as the Graph API base instead of ``https://graph.facebook.com/v25.0``."""
        return f"{self.base_url}/{version}"

    # ---- customers and raw posts ------------------------------------------------------------------------

    def customer(self, wa_id=None, name=None, user_id=None, username=None):
        return Customer(self, wa_id, name, user_id, username)

    def post(self, payload, **options):
        """POST a webhook body (dict or raw bytes) signed with the app secret. Options: see WebhookSender.post."""
        if not self.webhook_url:
            raise RuntimeError("this Sandbox has no webhook_url to post to")
        return self.sender.post(payload, **options)

    def handshake(self, challenge="sandbox-challenge", verify_token=None):
        """Meta's GET verification against the webhook URL."""
        return self.sender.handshake(self.verify_token if verify_token is None else verify_token, challenge)

    def send_batch(self, items, *, entries=None, merge=False, **options):
        """POST several webhook bodies as one, as Meta batches them.

        ``items``: webhook payloads and/or :class:`Delivery` objects (e.g. from ``customer.text(..., send=False)``).
        ``merge=True`` folds all messages into one change (and all statuses into another); otherwise each item
        stays its own change, spread over ``entries`` entries (default: one per WABA).
        """
        payloads = [item.payload if isinstance(item, Delivery) else item for item in items]
        body = webhooks.merge(payloads) if merge else webhooks.combine(payloads, entries)
        return self.post(body, **options)

    # ---- templates (WhatsApp Manager and Meta's reviews) ------------------------------------------------

    def _template_webhook(self, field, value, post):
        payload = webhooks.field_payload(self.business.waba_id, field, value)
        return self.post(payload) if post else payload

    def change_template_status(self, name, language, status, *, reason=None, post=True, **extra):
        """Meta reviews, pauses, disables… a template: the list changes and a ``message_template_status_update``
        webhook is POSTed (returned unposted with ``post=False``). ``status`` is a status or an event that implies
        one (REINSTATED: approved again after a pause). ``extra``: ``other_info``, ``disable_date``."""
        template = self.state.set_template_status(name, language, EVENT_STATUSES.get(status, status), reason)
        return self._template_webhook("message_template_status_update", webhooks.template_status_update(
            template["id"], name, language, status, reason, category=template["category"], **extra), post)

    def change_template_quality(self, name, language, quality, *, post=True):
        """The template's quality score moves (``message_template_quality_update``)."""
        template, previous = self.state.set_template_quality(name, language, quality)
        return self._template_webhook("message_template_quality_update", webhooks.template_quality_update(
            template["id"], name, language, previous, quality), post)

    def change_template_category(self, name, language, category, *, post=True):
        """Meta recategorises a template (``template_category_update``, completed change)."""
        template, previous = self.state.set_template_category(name, language, category)
        return self._template_webhook("template_category_update", webhooks.template_category_update(
            template["id"], name, language, category, previous_category=previous), post)

    def delete_template(self, name, language, *, post=True):
        """The business deletes a template: it leaves the list and a DELETED status update is POSTed."""
        template = self.state.delete_template(name, language)
        return self._template_webhook("message_template_status_update", webhooks.template_status_update(
            template["id"], name, language, "DELETED", category=template["category"]), post)

    # ---- statuses of outbound messages ------------------------------------------------------------------

    def _pricing(self, sent):
        if sent.type == "template":
            template_ref = sent.payload["template"]
            template = self.state.find_template(self.business.waba_id, template_ref["name"],
                                                template_ref["language"]["code"])
            category = template["category"].lower() if template else "utility"
            return category, "regular"
        return "service", "free_customer_service"

    def status_for(self, wamid, status, *, failed_code=None, timestamp=None):
        """A ``statuses[]`` item for a message this sandbox accepted (recipient looked up in the state)."""
        sent = self.state.find_sent(wamid)
        if sent is None:
            raise KeyError(f"{wamid} was not accepted by this sandbox")
        if timestamp is None:
            timestamp = self.state.clock() + _STATUS_SEQUENCE.get(status, 0)
        options = {"recipient_user_id": sent.recipient_id} if sent.is_bsuid else {}
        if status == "failed":
            options["errors"] = [webhooks.error_item(failed_code or 131000)]
        else:
            category, price_type = self._pricing(sent)
            options["pricing"] = webhooks.pricing(category, price_type)
            if status in ("sent", "delivered"):
                expiration = sent.timestamp + 24 * 3600 if status == "sent" else None
                options["conversation"] = webhooks.conversation(category, f"sandbox-{sent.wamid[-16:]}",
                                                                expiration)
        return webhooks.status_item(wamid, status, None if sent.is_bsuid else sent.recipient_id,
                                    timestamp=timestamp,
                                    biz_opaque_callback_data=sent.payload.get("biz_opaque_callback_data"),
                                    **options)

    def emit_statuses(self, wamid, statuses=("sent", "delivered", "read"), *, order="as_given", failed_code=None,
                      one_post=False):
        """POST status webhooks for an accepted outbound message and return the responses.

        ``order="reverse"`` posts them backwards (read before delivered before sent) while their timestamps keep
        the real sequence. ``failed_code`` appends a ``failed`` status with that error (e.g. 131047, 131026).
        ``one_post=True`` sends all of them in one body instead of one POST each.
        """
        names = list(statuses)
        if failed_code is not None and "failed" not in names:
            names.append("failed")
        if order == "reverse":
            names.reverse()
        elif order != "as_given":
            raise ValueError(f"order must be 'as_given' or 'reverse', not {order!r}")
        items = [self.status_for(wamid, name, failed_code=failed_code) for name in names]
        if one_post:
            return [self.post(webhooks.statuses_payload(self.business, items))]
        return [self.post(webhooks.statuses_payload(self.business, [item])) for item in items]

    # ---- automatic statuses (demo) ----------------------------------------------------------------------

    @property
    def auto_status(self):
        """When True, every accepted outbound message gets sent → delivered → read webhooks shortly after."""
        return self._auto_status

    @auto_status.setter
    def auto_status(self, enabled):
        if enabled and not self._auto_status:
            self.state.add_listener(self._on_accepted)
        elif not enabled and self._auto_status:
            self.state.remove_listener(self._on_accepted)
        self._auto_status = bool(enabled)

    def _on_accepted(self, sent):
        if self.webhook_url:
            threading.Thread(target=self._play_statuses, args=(sent.wamid,), daemon=True,
                             name="meta-sandbox-auto-status").start()

    def _play_statuses(self, wamid):
        for status, pause in self.auto_status_steps:
            time.sleep(pause)
            try:
                self.post(webhooks.statuses_payload(self.business, [self.status_for(wamid, status)]))
            except requests.RequestException as error:
                _logger.warning("auto status %s for %s not delivered: %s", status, wamid, error)
                return
