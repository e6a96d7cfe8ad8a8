"""Everything the Graph fake knows: numbers and tokens, templates, media, accepted messages, the customers'
last inbound times (24 h window) and queued failure injections. Thread-safe: one re-entrant lock."""

import base64
import hashlib
import threading
from collections import deque
from dataclasses import dataclass, field

from .clock import system_clock
from .errors import GraphError
from .ids import new_numeric_id, new_token, new_wamid
from .phone import canonical_wa_id
from .templates import QUALITY_SCORES, STATUSES, build_components, build_template

CUSTOMER_SERVICE_WINDOW = 24 * 3600
DEFAULT_MEDIA_URL_TTL = 300.0   # Meta's media URLs live ~5 minutes
UPLOADED_MEDIA_LIFETIME = 30 * 86400   # an uploaded media id can be sent for 30 days


@dataclass(frozen=True)
class PhoneNumber:
    id: str
    token: str
    waba_id: str
    display_phone_number: str
    verified_name: str = "Sandbox Helpdesk"


@dataclass
class Media:
    id: str
    data: bytes
    mime_type: str
    origin: str                 # "upload" (POST /media) or "inbound" (a customer sent it)
    created_at: float
    filename: str | None = None
    expired: bool = False

    @property
    def file_size(self):
        return len(self.data)

    @property
    def sha256_hex(self):
        """What ``GET /{media-id}`` reports."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_b64(self):
        """What inbound webhooks carry (``image.sha256``): the same digest, base64-encoded."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass(frozen=True)
class SentMessage:
    """An outbound message the fake accepted."""
    wamid: str
    phone_number_id: str
    to: str                     # as given by the caller (contacts[].input)
    recipient_id: str           # canonical wa_id, or the BSUID for `recipient` sends
    type: str
    payload: dict
    timestamp: float
    is_bsuid: bool = False


@dataclass(frozen=True)
class ReadReceipt:
    phone_number_id: str
    message_id: str
    typing_indicator: bool
    timestamp: float


@dataclass
class FailureRule:
    """One queued failure; see :meth:`SandboxState.inject_failure`."""
    endpoint: str
    code: int | None
    http_status: int | None
    times: int
    latency: float
    raw_status: int | None
    details: str | None = None
    subcode: int | None = None

    def matches(self, endpoint_names):
        return self.endpoint == "*" or self.endpoint in endpoint_names

    def error(self):
        return GraphError(self.code, self.details, subcode=self.subcode, http_status=self.http_status)


def user_key(user):
    """Key of a WhatsApp user: a BSUID as is, a phone number in its canonical form (Brazil's 9th digit settled),
    so the window opened by ``551188887777`` also covers sends to ``5511988887777``."""
    return user if "." in user else canonical_wa_id(user)


@dataclass
class _Data:
    templates: list = field(default_factory=list)       # [(waba_id | None, template dict)]
    media: dict = field(default_factory=dict)           # media id -> Media
    downloads: dict = field(default_factory=dict)       # url token -> (media id, expires_at)
    sent: list = field(default_factory=list)
    sent_by_wamid: dict = field(default_factory=dict)
    reads: list = field(default_factory=list)
    last_inbound: dict = field(default_factory=dict)    # user key -> timestamp
    failures: deque = field(default_factory=deque)


class SandboxState:
    """Shared state of one fake Meta. ``clock`` is any zero-argument callable returning unix seconds."""

    def __init__(self, clock=None, media_url_ttl=DEFAULT_MEDIA_URL_TTL):
        self.lock = threading.RLock()
        self.clock = clock or system_clock
        self.media_url_ttl = media_url_ttl
        self.latency = 0.0        # seconds added to every Graph request
        self._phones = {}
        self._listeners = []
        self._data = _Data()

    def reset(self):
        """Forget templates, media, messages, reads, windows, failures and latency. Numbers stay registered."""
        with self.lock:
            self._data = _Data()
            self.latency = 0.0

    # ---- phone numbers and tokens -------------------------------------------------------------------------

    def register_phone(self, phone_number_id, *, token, waba_id, display_phone_number,
                       verified_name="Sandbox Helpdesk"):
        phone = PhoneNumber(str(phone_number_id), token, str(waba_id), str(display_phone_number), verified_name)
        with self.lock:
            self._phones[phone.id] = phone
        return phone

    def phone(self, phone_number_id):
        with self.lock:
            return self._phones.get(str(phone_number_id))

    def token_is_valid(self, token):
        with self.lock:
            return any(p.token == token for p in self._phones.values())

    def waba_ids_for_token(self, token):
        with self.lock:
            return {p.waba_id for p in self._phones.values() if p.token == token}

    # ---- templates --------------------------------------------------------------------------------------

    def add_template(self, name, language="pt_BR", category="UTILITY", status="APPROVED", body="Olá {{1}}",
                     header=None, buttons=None, parameter_format="POSITIONAL", *, footer=None, waba_id=None,
                     quality="UNKNOWN"):
        """Register a template (Meta-shaped components, see :func:`meta_sandbox.templates.build_template`).

        ``waba_id=None`` makes it visible to every WABA. Returns the template dict.
        """
        template = build_template(name, language, category, status, body, header, buttons, parameter_format,
                                  footer, quality=quality)
        with self.lock:
            self._data.templates.append((waba_id, template))
        return template

    def _template(self, name, language):
        for _waba, template in self._data.templates:
            if template["name"] == name and template["language"] == language:
                return template
        raise KeyError(f"no template {name} ({language})")

    def set_template_status(self, name, language, status, reason=None):
        """Change a template's status (any of ``templates.STATUSES``); returns the template."""
        if status not in STATUSES:
            raise ValueError(f"unknown template status {status!r}")
        with self.lock:
            template = self._template(name, language)
            template["status"] = status
            template["rejected_reason"] = reason or "NONE"
            return dict(template)

    def set_template_quality(self, name, language, quality):
        """Change a template's quality score; returns ``(template, previous score)``."""
        if quality not in QUALITY_SCORES:
            raise ValueError(f"unknown quality score {quality!r}")
        with self.lock:
            template = self._template(name, language)
            previous = template["quality_score"]["score"]
            template["quality_score"] = {"score": quality, "date": int(self.clock())}
            return dict(template), previous

    def set_template_category(self, name, language, category):
        """Recategorise a template (Meta does it on review); returns ``(template, previous category)``."""
        with self.lock:
            template = self._template(name, language)
            previous, template["category"] = template["category"], category
            return dict(template), previous

    def edit_template(self, name, language, **changes):
        """Edit an approved template's components (``body``, ``header``, ``buttons``, ``footer``) as a business
        does in WhatsApp Manager; unspecified parts keep their current value. Returns the template."""
        with self.lock:
            template = self._template(name, language)
            current = {c["type"]: c for c in template["components"]}
            header = current.get("HEADER")
            parts = {
                "body": current["BODY"]["text"],
                "header": None if header is None else (
                    header["text"] if header.get("format", "TEXT") == "TEXT" else {"format": header["format"]}),
                "buttons": current["BUTTONS"]["buttons"] if "BUTTONS" in current else None,
                "footer": current["FOOTER"]["text"] if "FOOTER" in current else None,
            }
            parts.update(changes)
            template["components"] = build_components(parameter_format=template["parameter_format"], **parts)
            return dict(template)

    def delete_template(self, name, language):
        """Delete a template: it leaves the list at once. Returns the deleted template."""
        with self.lock:
            template = self._template(name, language)
            self._data.templates = [(w, t) for w, t in self._data.templates if t is not template]
            return template

    def list_templates(self, waba_id):
        with self.lock:
            return [dict(t) for w, t in self._data.templates if w in (None, waba_id)]

    def find_template(self, waba_id, name, language):
        return next((t for t in self.list_templates(waba_id) if t["name"] == name and t["language"] == language),
                    None)

    # ---- media ------------------------------------------------------------------------------------------

    def add_media(self, data, mime_type, *, filename=None, origin="inbound"):
        """Store media bytes (as a customer's upload to Meta, or a business upload) and return its media id."""
        media = Media(new_numeric_id(), bytes(data), mime_type, origin, self.clock(), filename)
        with self.lock:
            self._data.media[media.id] = media
        return media.id

    def get_media(self, media_id):
        """The media of an id; an upload older than Meta's 30 days comes back expired."""
        with self.lock:
            media = self._data.media.get(str(media_id))
            if media is not None and media.origin == "upload" and \
                    self.clock() - media.created_at >= UPLOADED_MEDIA_LIFETIME:
                media.expired = True
            return media

    def expire_media(self, media_id):
        """Make a media id unknown to Meta, as happens 7 days after a webhook (30 days after an upload)."""
        with self.lock:
            self._data.media[str(media_id)].expired = True

    def issue_download_token(self, media_id):
        """A fresh short-lived download URL token, like each ``GET /{media-id}`` hands out."""
        token = new_token()
        with self.lock:
            self._data.downloads[token] = (str(media_id), self.clock() + self.media_url_ttl)
        return token

    def resolve_download(self, token):
        """The media behind a download token, or None once the URL expired (or the media did)."""
        with self.lock:
            media_id, expires_at = self._data.downloads.get(token, (None, 0.0))
            media = self.get_media(media_id) if media_id else None
            if media is None or media.expired or self.clock() >= expires_at:
                return None
            return media

    # ---- customer-service window ---------------------------------------------------------------------------

    def record_inbound(self, user, at=None):
        """Note a customer's inbound message (opens/extends the 24 h window). ``at`` defaults to now."""
        with self.lock:
            self._data.last_inbound[user_key(user)] = self.clock() if at is None else at

    def clear_inbound(self, user):
        with self.lock:
            self._data.last_inbound.pop(user_key(user), None)

    def last_inbound(self, user):
        with self.lock:
            return self._data.last_inbound.get(user_key(user))

    def window_open(self, user):
        """Meta lets free-form messages through only within 24 h of the customer's last inbound message."""
        last = self.last_inbound(user)
        return last is not None and self.clock() - last < CUSTOMER_SERVICE_WINDOW

    # ---- accepted sends and reads --------------------------------------------------------------------------

    def record_sent(self, *, phone_number_id, to, recipient_id, type, payload, is_bsuid=False):
        message = SentMessage(new_wamid(None if is_bsuid else recipient_id), phone_number_id, to, recipient_id,
                              type, payload, self.clock(), is_bsuid)
        with self.lock:
            self._data.sent.append(message)
            self._data.sent_by_wamid[message.wamid] = message
            listeners = list(self._listeners)
        for listener in listeners:   # outside the lock: listeners may be slow or call back into the state
            listener(message)
        return message

    @property
    def sent(self):
        with self.lock:
            return list(self._data.sent)

    def find_sent(self, wamid):
        with self.lock:
            return self._data.sent_by_wamid.get(wamid)

    def record_read(self, phone_number_id, message_id, typing_indicator):
        with self.lock:
            self._data.reads.append(ReadReceipt(phone_number_id, message_id, typing_indicator, self.clock()))

    @property
    def reads(self):
        with self.lock:
            return list(self._data.reads)

    def add_listener(self, callback):
        """Call ``callback(SentMessage)`` after each accepted send (used for automatic status webhooks)."""
        with self.lock:
            self._listeners.append(callback)

    def remove_listener(self, callback):
        with self.lock:
            self._listeners.remove(callback)

    # ---- failure injection ---------------------------------------------------------------------------------

    def inject_failure(self, endpoint="messages", code=130429, http_status=None, times=1, latency=0.0,
                       raw_status=None, *, details=None, subcode=None):
        """Queue a failure for the next ``times`` requests to ``endpoint``.

        endpoint: "messages" (sends and mark-read), "media" (upload and ``GET /{media-id}``; or "media_upload" /
        "media_info" for one of them), "media_download", "templates", "phone", or "*" (any).
        code: a Meta error code answered in Meta's JSON shape; HTTP status derived unless ``http_status``.
        raw_status: answer that bare HTTP status with a non-JSON body instead (a proxy/load-balancer failure).
        code=None and raw_status=None: only add ``latency`` seconds, then serve normally.
        Rules are consumed first-in first-out among those matching a request.
        """
        with self.lock:
            self._data.failures.append(FailureRule(endpoint, code, http_status, times, latency, raw_status,
                                                   details, subcode))

    def take_failure(self, endpoint_names):
        """Consume one use of the oldest rule matching a request to ``endpoint_names``."""
        with self.lock:
            for rule in self._data.failures:
                if rule.matches(endpoint_names):
                    rule.times -= 1
                    if rule.times <= 0:
                        self._data.failures.remove(rule)
                    return rule
            return None

    @property
    def pending_failures(self):
        with self.lock:
            return list(self._data.failures)
