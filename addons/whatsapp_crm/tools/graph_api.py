# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""The one place that talks HTTP to Meta's Graph API (WhatsApp Cloud API).

Every call goes through :meth:`WhatsAppGraphClient._request`: URL and API version, bearer token,
timeouts, redirect policy, redacted logging and the mapping of failures to :class:`GraphError`.
Tests either point ``base_url`` at a local fake or patch that one method — never ``requests``
globally. Pure protocol code: no ORM, no translations (the model layer words the errors).
"""

import ipaddress
import logging
import re
import socket
import time
from urllib.parse import urljoin, urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError

from ..const import GRAPH_API_VERSION as DEFAULT_API_VERSION
from ..const import GRAPH_BASE_URL as DEFAULT_BASE_URL
from ..const import MAX_TEXT_LENGTH
from .meta_errors import (
    CATEGORY_AUTH,
    CATEGORY_PARAMETER,
    CATEGORY_POLICY,
    CATEGORY_RATE_LIMIT,
    CATEGORY_TRANSIENT,
    CATEGORY_UNKNOWN,
    MetaErrorCodes,
    as_error_code,
    classify,
)

_logger = logging.getLogger(__name__)

# (connect, read) seconds: connecting to Meta is fast or broken; a send may take a while to answer.
DEFAULT_TIMEOUT = (5, 20)
# Meta serves media downloads from this host; the bearer token must never travel anywhere else.
DEFAULT_MEDIA_HOSTS = ("lookaside.fbsbx.com",)
# A media URL may redirect within the allowlist (CDN edge); more hops than this is a loop.
MAX_MEDIA_REDIRECTS = 3

PHONE_NUMBER_FIELDS = ("display_phone_number", "verified_name", "quality_rating", "messaging_limit_tier")
TEMPLATE_FIELDS = (
    "id", "name", "language", "status", "category", "parameter_format", "components",
    "quality_score", "rejected_reason",
)
# A WABA holds at most a few thousand templates (≤ 100 per page): more pages means a paging loop.
MAX_TEMPLATE_PAGES = 100
MAX_CAPTION_LENGTH = 1024

_API_VERSION_RE = re.compile(r"v\d{1,3}\.\d{1,3}")
# Graph ids are numeric; letters, "_" and "-" are tolerated for fakes. No "/", ".", "?", "%":
# an id taken from a webhook must not be able to steer the request to another endpoint.
_PATH_SEGMENT_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_DEFAULT_PORTS = {"http": 80, "https": 443}


class GraphError(Exception):
    """A Graph API call that did not succeed, with Meta's error fields when it sent them.

    Meta answers failures as ``{"error": {"message", "type", "code", "error_subcode",
    "error_data": {"details"}, "fbtrace_id"}}``. Network failures and non-JSON 5xx have
    ``code=None`` and category ``transient``. ``category``/``retryable`` default to the
    classification of ``code`` (see :mod:`.meta_errors`).

    ``outcome_unknown`` is True when the request may have reached Meta and been acted upon even
    though no answer was read (read timeout, connection dropped mid-request, unreadable 2xx):
    Meta has no idempotency key, so retrying such a *send* may deliver it twice.
    """

    def __init__(self, code=None, message="", http_status=None, subcode=None, details="",
                 fbtrace_id=None, category=None, retryable=None, error_type=None, outcome_unknown=False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.subcode = subcode
        self.details = details or ""
        self.fbtrace_id = fbtrace_id
        self.error_type = error_type
        self.outcome_unknown = outcome_unknown
        self.category = category or classify(code)
        self.retryable = (
            retryable if retryable is not None
            else self.category in MetaErrorCodes.RETRYABLE_CATEGORIES
        )

    def __str__(self):
        return f"{self.message} (code={self.code}, http={self.http_status}, category={self.category})"


# ------------------------------------------------------------
# Client
# ------------------------------------------------------------

class WhatsAppGraphClient:
    """Graph API client for one WhatsApp business phone number (and its WABA).

    :param str access_token: system-user token, sent only as ``Authorization: Bearer``
    :param str phone_number_id: Graph id of the business number (sends, media upload, mark read)
    :param str waba_id: WhatsApp Business Account id (templates)
    :param str base_url: ``https://graph.facebook.com`` or a local sandbox (``http://`` allowed);
        empty → default
    :param str api_version: e.g. ``v23.0``; empty → default
    :param timeout: requests timeout, seconds or ``(connect, read)``
    :param requests.Session session: reuse connections across calls (one is created otherwise)
    :param media_hosts: hosts (optionally ``host:port``, default port 443) that may receive the
        token through ``absolute_url``; the ``base_url`` origin is always allowed
    :raise ValueError: on a malformed ``base_url`` or ``api_version`` (configuration error)
    """

    def __init__(self, *, access_token, phone_number_id=None, waba_id=None,
                 base_url=DEFAULT_BASE_URL, api_version=DEFAULT_API_VERSION,
                 timeout=DEFAULT_TIMEOUT, session=None, media_hosts=DEFAULT_MEDIA_HOSTS):
        # Empty settings mean "Meta's defaults", so an account form left blank still works.
        base_url = base_url or DEFAULT_BASE_URL
        api_version = api_version or DEFAULT_API_VERSION
        base = urlsplit(base_url)
        if base.scheme not in _DEFAULT_PORTS or not base.hostname or base.query or base.fragment:
            raise ValueError("base_url must be an http(s) URL without query")
        if not _API_VERSION_RE.fullmatch(api_version):
            raise ValueError("api_version must look like 'v23.0'")
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.phone_number_id = phone_number_id
        self.waba_id = waba_id
        self.timeout = timeout
        self._access_token = access_token
        self._own_session = session is None
        self._session = session or requests.Session()
        self._base_origin = _origin(base)
        # Plain http is only ever acceptable towards a local sandbox configured as such.
        self._allowed_schemes = {"https", "http"} if base.scheme == "http" else {"https"}
        self._allowed_origins = {self._base_origin} | {_host_entry_origin(h) for h in media_hosts}

    def __repr__(self):
        # Never the token.
        return f"<WhatsAppGraphClient {self.base_url}/{self.api_version} phone={self.phone_number_id}>"

    def close(self):
        if self._own_session:
            self._session.close()

    # === CHOKEPOINT === #

    def _request(self, method, path, *, params=None, json=None, data=None, files=None,
                 absolute_url=None, stream=False, expect_json=True, redirect_response=False):
        """Send one request to Meta and map every failure to :class:`GraphError`.

        :param str path: path below ``{base_url}/{api_version}/``; ignored with ``absolute_url``
        :param str absolute_url: full URL (media download, paging link); only sent if its origin
            is allowlisted and its scheme acceptable, and redirects are never followed — a
            refused URL raises ``GraphError(category="policy")`` without any request
        :param bool stream: leave the body unread (large media)
        :param bool expect_json: return the decoded JSON; otherwise the ``requests.Response``
        :param bool redirect_response: return a 3xx answer (with ``expect_json=False``) instead of
            raising, for a caller that vets the ``Location`` itself (:meth:`download_media`)
        :raise GraphError: on any network failure, non-2xx answer or undecodable JSON
        """
        if absolute_url is not None:
            url = self._check_absolute_url(absolute_url)
            log_target = _loggable_url(url)
        else:
            url = f"{self.base_url}/{self.api_version}/{path.lstrip('/')}"
            log_target = f"/{self.api_version}/{path.lstrip('/')}"
        if not self._access_token:
            raise GraphError(message="No access token configured", category=CATEGORY_AUTH,
                             retryable=False)

        started = time.monotonic()
        try:
            response = self._session.request(
                method, url, params=params, json=json, data=data, files=files,
                headers={"Authorization": f"Bearer {self._access_token}"},
                timeout=self.timeout, stream=stream,
                # A redirect could carry the bearer token off the allowlist: never follow one.
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            self._log_failure(method, log_target, None, started, None, "timeout")
            raise GraphError(message="Meta did not answer in time", category=CATEGORY_TRANSIENT,
                             retryable=True, outcome_unknown=_may_have_reached_meta(exc)) from None
        except requests.ConnectionError as exc:
            self._log_failure(method, log_target, None, started, None, "connection error")
            raise GraphError(message="Could not connect to Meta", category=CATEGORY_TRANSIENT,
                             retryable=True, outcome_unknown=_may_have_reached_meta(exc)) from None
        except requests.RequestException as exc:
            # The exception text can hold the full URL: log and raise its type only.
            self._log_failure(method, log_target, None, started, None, type(exc).__name__)
            raise GraphError(message=f"Request to Meta failed ({type(exc).__name__})",
                             category=CATEGORY_UNKNOWN, retryable=False) from None

        elapsed_ms = int((time.monotonic() - started) * 1000)
        trace_id = response.headers.get("x-fb-trace-id")
        if redirect_response and response.is_redirect:
            return response
        if not 200 <= response.status_code < 300:
            error = self._error_from_response(response, trace_id)
            response.close()
            self._log_failure(method, log_target, response.status_code, started, error.fbtrace_id,
                              f"code={error.code} category={error.category}")
            raise error
        _logger.debug("Graph %s %s -> %s in %d ms (fbtrace_id=%s)",
                      method, log_target, response.status_code, elapsed_ms, trace_id)
        if not expect_json:
            return response
        try:
            return response.json()
        except ValueError:
            # A 2xx we cannot read: the call may well have taken effect (a send!), so no retry.
            raise GraphError(message="Meta answered with a body that is not JSON",
                             http_status=response.status_code, fbtrace_id=trace_id,
                             category=CATEGORY_UNKNOWN, retryable=False, outcome_unknown=True) from None

    @staticmethod
    def _log_failure(method, target, status, started, trace_id, reason):
        elapsed_ms = int((time.monotonic() - started) * 1000)
        _logger.warning("Graph %s %s failed: HTTP %s, %s, %d ms (fbtrace_id=%s)",
                        method, target, status or "-", reason, elapsed_ms, trace_id)

    @staticmethod
    def _error_from_response(response, trace_id):
        """Build the GraphError of a non-2xx answer, from Meta's error JSON when there is one."""
        status = response.status_code
        if 300 <= status < 400:
            return GraphError(message="Redirect refused", http_status=status, fbtrace_id=trace_id,
                              category=CATEGORY_POLICY, retryable=False)
        try:
            body = response.json()
        except ValueError:
            body = None
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            # Proxies and load balancers answer without Meta's JSON: judge by the status alone.
            return GraphError(message=f"HTTP {status} without a Graph error body", http_status=status,
                              fbtrace_id=trace_id, category=_category_from_status(status))
        code = as_error_code(error.get("code"))
        category = classify(code)
        if category == CATEGORY_UNKNOWN:
            category = _category_from_status(status)
        error_data = error.get("error_data")
        return GraphError(
            code=code,
            message=str(error.get("message") or ""),
            http_status=status,
            subcode=as_error_code(error.get("error_subcode")),
            details=str(error_data.get("details") or "") if isinstance(error_data, dict) else "",
            fbtrace_id=error.get("fbtrace_id") or trace_id,
            category=category,
            error_type=error.get("type"),
        )

    def _check_absolute_url(self, url):
        """Return ``url`` if the token may be sent there, else raise a policy GraphError."""
        refused = GraphError(message="Refused to send the access token outside the allowlist",
                             category=CATEGORY_POLICY, retryable=False)
        # Backslashes, whitespace and control characters are parsed differently by different
        # URL parsers: refuse rather than guess which host requests would really contact.
        if not isinstance(url, str) or re.search(r"[\\\s\x00-\x1f\x7f]", url):
            raise refused
        parts = urlsplit(url)
        try:
            origin = _origin(parts)
        except ValueError:  # unparsable port
            raise refused from None
        if parts.scheme not in self._allowed_schemes or "@" in parts.netloc \
                or origin not in self._allowed_origins:
            _logger.warning("Graph: refused absolute URL on host %s", parts.hostname)
            raise refused
        return url

    def _check_public_address(self, url):
        """Refuse a URL whose host resolves to a private, loopback, link-local or otherwise
        non-public address — unless it is the configured Graph origin (a local sandbox).

        Defence in depth behind the host allowlist (a tampered resolver, a misconfigured
        allowlist entry). The HTTP client resolves again when it connects; the allowlist, not this
        check, is what keeps the token on Meta's hosts.
        """
        parts = urlsplit(url)
        if _origin(parts) == self._base_origin:
            return
        try:
            addresses = _resolve(parts.hostname, parts.port or _DEFAULT_PORTS.get(parts.scheme))
        except OSError:
            raise GraphError(message="Could not resolve the media host", category=CATEGORY_TRANSIENT,
                             retryable=True) from None
        if not addresses or not all(_is_public_address(address) for address in addresses):
            _logger.warning("Graph: refused media host %s (non-public address)", parts.hostname)
            raise GraphError(message="Refused to download from a non-public address", category=CATEGORY_POLICY,
                             retryable=False)

    def _phone_path(self, suffix=""):
        phone_number_id = self._segment(self.phone_number_id, "phone number id")
        return f"{phone_number_id}/{suffix}" if suffix else phone_number_id

    def _segment(self, value, what):
        """Validate an id used as a URL path segment (no path traversal, no query injection)."""
        if not isinstance(value, str) or not _PATH_SEGMENT_RE.fullmatch(value):
            raise GraphError(message=f"Invalid or missing {what}", category=CATEGORY_PARAMETER,
                             retryable=False)
        return value

    # === ENDPOINTS === #

    def send_message(self, payload):
        """``POST /{phone-number-id}/messages``; see :func:`parse_send_response` for the answer."""
        return self._request("POST", self._phone_path("messages"),
                             json=dict(payload, messaging_product="whatsapp"))

    def mark_read(self, wamid, typing_indicator=False):
        """Mark an inbound message (and every earlier one) read; optionally show "typing…"
        to the customer, which Meta clears after 25 s or at our next message."""
        payload = {"status": "read", "message_id": wamid}
        if typing_indicator:
            payload["typing_indicator"] = {"type": "text"}
        return self.send_message(payload)

    def get_phone_number(self):
        """Display number, verified name and quality rating of the configured number."""
        fields = ",".join(PHONE_NUMBER_FIELDS)
        return self._request("GET", self._phone_path(), params={"fields": fields})

    def get_media(self, media_id):
        """``{url, mime_type, sha256, file_size, id}``; the url expires after about 5 minutes."""
        return self._request("GET", self._segment(media_id, "media id"))

    def download_media(self, url, max_redirects=MAX_MEDIA_REDIRECTS):
        """Open a streamed ``GET`` of a media URL returned by :meth:`get_media` (it lives ~5 min).

        The bearer token goes only to allowlisted origins resolving to public addresses (see
        :meth:`_check_public_address`); a redirect is followed only when its target passes the same
        checks. The caller reads the body (bounded) and closes the response.

        :return: ``requests.Response`` with its body unread
        :raise GraphError: ``policy`` for a refused URL or redirect, as :meth:`_request` otherwise
            (an expired URL is a 404 from the media host: ``GraphError(http_status=404)``)
        """
        for _hop in range(max_redirects + 1):
            self._check_absolute_url(url)
            self._check_public_address(url)
            response = self._request("GET", "", absolute_url=url, stream=True, expect_json=False,
                                     redirect_response=True)
            if not response.is_redirect:
                return response
            location = response.headers.get("Location", "")
            response.close()
            url = urljoin(url, location)
        raise GraphError(message="Too many redirects from the media host", category=CATEGORY_POLICY,
                         retryable=False)

    def list_templates(self, fields=TEMPLATE_FIELDS, limit=100):
        """Every message template of the WABA, following ``paging.next`` until Meta omits it.

        :raise GraphError: also when paging loops or exceeds ``MAX_TEMPLATE_PAGES`` — returning a
            partial list would make a sync believe the missing templates were deleted
        """
        path = f"{self._segment(self.waba_id, 'WhatsApp Business Account id')}/message_templates"
        fields = fields if isinstance(fields, str) else ",".join(fields)
        templates, seen_links, next_link = [], set(), None
        for _page_number in range(MAX_TEMPLATE_PAGES):
            if next_link is None:
                page = self._request("GET", path, params={"fields": fields, "limit": limit})
            else:
                # Meta's "next" is a complete URL carrying every query parameter (cursor included).
                page = self._request("GET", path, absolute_url=next_link)
            if not isinstance(page, dict) or not isinstance(page.get("data", []), list):
                raise GraphError(message="Unexpected template list format", category=CATEGORY_UNKNOWN)
            templates.extend(item for item in page.get("data", []) if isinstance(item, dict))
            paging = page.get("paging")
            next_link = paging.get("next") if isinstance(paging, dict) else None
            if not next_link:
                return templates
            if not isinstance(next_link, str):
                raise GraphError(message="Unexpected template paging format", category=CATEGORY_UNKNOWN)
            if next_link in seen_links:
                raise GraphError(message="Template paging loops", category=CATEGORY_UNKNOWN)
            seen_links.add(next_link)
            # Only ever follow it on our own Graph origin (not even to the media hosts).
            try:
                same_origin = _origin(urlsplit(next_link)) == self._base_origin
            except ValueError:
                same_origin = False
            if not same_origin:
                raise GraphError(message="Template paging link leaves the Graph API host",
                                 category=CATEGORY_POLICY, retryable=False)
        raise GraphError(message=f"Template paging exceeded {MAX_TEMPLATE_PAGES} pages",
                         category=CATEGORY_UNKNOWN)

    def upload_media(self, data, mime_type, filename):
        """Upload bytes for a later send; returns the media id (valid 30 days)."""
        result = self._request(
            "POST", self._phone_path("media"),
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        media_id = result.get("id") if isinstance(result, dict) else None
        if not media_id:
            raise GraphError(message="Media upload answered without an id", category=CATEGORY_UNKNOWN)
        return str(media_id)


# ------------------------------------------------------------
# Payload builders and response helpers (pure)
# ------------------------------------------------------------

def _addressing(to, recipient):
    """``to`` (phone digits) when known; ``recipient`` (BSUID) for username-only contacts."""
    if to:
        return {"recipient_type": "individual", "to": to}
    if recipient:
        return {"recipient_type": "individual", "recipient": recipient}
    raise ValueError("a message needs 'to' or 'recipient'")


def text_payload(to, body, *, recipient=None, reply_to=None, preview_url=False):
    """Body of a text send (``messaging_product`` is added by :meth:`send_message`).

    :param str reply_to: wamid to quote (shown as a reply bubble on the customer's phone)
    :raise ValueError: on an empty body, one over Meta's 4096 characters, or no addressee
    """
    if not body or not isinstance(body, str):
        raise ValueError("text body is empty")
    if len(body) > MAX_TEXT_LENGTH:
        raise ValueError(f"text body exceeds {MAX_TEXT_LENGTH} characters")
    payload = _addressing(to, recipient)
    payload.update(type="text", text={"body": body, "preview_url": bool(preview_url)})
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def reaction_payload(to, wamid, emoji, *, recipient=None):
    """React to a message; an empty ``emoji`` removes our previous reaction."""
    payload = _addressing(to, recipient)
    payload.update(type="reaction", reaction={"message_id": wamid, "emoji": emoji or ""})
    return payload


def template_payload(to, template, *, recipient=None):
    """Body of a template send; ``template`` comes from :func:`.template_payload.template_object`."""
    payload = _addressing(to, recipient)
    payload.update(type="template", template=template)
    return payload


def media_payload(to, kind, media_id, *, recipient=None, caption=None, filename=None, voice=False,
                  reply_to=None):
    """Body of an uploaded file's send (``image``, ``video``, ``audio``, ``document``) by media id.

    Meta takes a caption (≤ 1024 characters) on images, videos and documents only, a file name on
    documents only, and ``voice`` only on OGG/Opus audio (the caller knows what it uploaded).
    :raise ValueError: on a field Meta would refuse for ``kind``
    """
    if kind not in ("image", "video", "audio", "document", "sticker"):
        raise ValueError(f"not a media kind: {kind}")
    if not media_id:
        raise ValueError("media id missing")
    media = {"id": media_id}
    if caption:
        if kind not in ("image", "video", "document"):
            raise ValueError(f"{kind} messages take no caption")
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ValueError(f"caption exceeds {MAX_CAPTION_LENGTH} characters")
        media["caption"] = caption
    if filename and kind == "document":
        media["filename"] = filename
    if voice and kind == "audio":
        media["voice"] = True
    payload = _addressing(to, recipient)
    payload.update({"type": kind, kind: media})
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def location_payload(to, latitude, longitude, *, recipient=None, name=None, address=None, reply_to=None):
    """Body of a ``location`` send: the customer's phone shows a map pin with the name and address."""
    location = {"latitude": float(latitude), "longitude": float(longitude)}
    if name:
        location["name"] = name
    if address:
        location["address"] = address
    payload = _addressing(to, recipient)
    payload.update(type="location", location=location)
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def parse_send_response(resp):
    """``(wamid, wa_id)`` from ``{"contacts": [{"input", "wa_id"}], "messages": [{"id"}]}``.

    The returned ``wa_id`` is Meta's canonical form of the number (it settles Brazil's ninth
    digit); it is ``None`` for sends addressed by BSUID only.

    :raise GraphError: if the answer holds no message id (the send cannot be tracked)
    """
    messages = resp.get("messages") if isinstance(resp, dict) else None
    first_message = messages[0] if isinstance(messages, list) and messages else None
    wamid = first_message.get("id") if isinstance(first_message, dict) else None
    if not isinstance(wamid, str) or not wamid:
        # Meta answered 2xx: the message may well have left. Not knowing its id, it cannot be tracked
        # by wamid; it must not be sent again blindly either.
        raise GraphError(message="Send answered without a message id", category=CATEGORY_UNKNOWN,
                         retryable=False, outcome_unknown=True)
    contacts = resp.get("contacts")
    first_contact = contacts[0] if isinstance(contacts, list) and contacts else None
    wa_id = first_contact.get("wa_id") if isinstance(first_contact, dict) else None
    return wamid, (wa_id if isinstance(wa_id, str) and wa_id else None)


# ------------------------------------------------------------
# URL helpers
# ------------------------------------------------------------

def _origin(parts):
    """``(host, port)`` of a split URL, the port defaulted from the scheme.

    Comparing origins rather than host names keeps other services of the same host (another
    port of a sandbox machine) off the allowlist. ``parts.port`` raises ValueError if junk.
    """
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    return ((parts.hostname or "").lower(), port)


def _may_have_reached_meta(exc):
    """False only when no connection was ever established (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    # requests wraps urllib3's MaxRetryError, whose ``reason`` tells a failed connect
    # (NewConnectionError is a ConnectTimeoutError in urllib3 1.26) from a dropped exchange.
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return not isinstance(reason, ConnectTimeoutError)


def _category_from_status(status):
    """Category of a failure Meta did not explain (no error JSON, or a code we do not map)."""
    if status == 429:
        return CATEGORY_RATE_LIMIT
    if status >= 500:
        return CATEGORY_TRANSIENT
    if status == 401:
        return CATEGORY_AUTH
    return CATEGORY_UNKNOWN


def _host_entry_origin(entry):
    """``"host"`` → (host, 443); ``"host:port"`` → (host, port)."""
    parts = urlsplit(f"//{entry}")
    return ((parts.hostname or "").lower(), parts.port or 443)


def _resolve(host, port):
    """Every address ``host`` resolves to (a separate function so tests can stand in for DNS)."""
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _is_public_address(address):
    """A globally routable unicast address (IPv4-mapped IPv6 judged as the IPv4 it carries)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _loggable_url(url):
    """Host and path only: media URLs carry signed query strings, paging links may carry tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"

