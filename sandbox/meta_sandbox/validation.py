"""Shape validation of ``POST /{phone-number-id}/messages`` bodies, as strict as Meta's.

Pure functions: they look only at the JSON. Checks that need state (does the media id exist, is the template
approved, is the customer-service window open) live in :mod:`meta_sandbox.send`.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlparse

from .errors import GraphError, invalid, missing

MESSAGE_TYPES = ("text", "image", "audio", "video", "document", "sticker", "location", "contacts",
                 "interactive", "template", "reaction")
MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
INTERACTIVE_TYPES = ("button", "list", "cta_url", "flow", "product", "product_list", "catalog_message",
                     "location_request_message", "address_message", "call_permission_request")
PHONE_PUNCTUATION = set("+-() .")
# BSUID: ISO country code, a dot, optional "ENT." (parent BSUID), then an opaque alphanumeric id.
BSUID = re.compile(r"^[A-Z]{2}\.(ENT\.)?[A-Za-z0-9]{1,128}$")

TEXT_BODY_MAX = 4096
CAPTION_MAX = 1024
MAX_REPLY_BUTTONS = 3
MAX_LIST_ROWS = 10
MAX_LIST_SECTIONS = 10
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
# Meta echoes this string in the message's status webhooks; at most 512 characters.
CALLBACK_DATA_MAX = 512


@dataclass
class OutboundRequest:
    """What the state-aware checks need from a validated send."""
    recipient: str            # exactly as given in `to` / `recipient`: echoed as contacts[].input
    is_bsuid: bool
    type: str
    media_id: str | None = None
    voice: bool = False
    template_name: str | None = None
    template_language: str | None = None
    template_components: list = field(default_factory=list)
    context_message_id: str | None = None


def check_messaging_product(payload):
    """Meta rejects anything but ``messaging_product: "whatsapp"`` with a plain (#100)."""
    if not isinstance(payload, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    product = payload.get("messaging_product")
    if product is None:
        raise GraphError(100, "The parameter messaging_product is required.",
                         message="(#100) The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(100, "messaging_product must be whatsapp.",
                         message=f'(#100) Param messaging_product must be one of {{WHATSAPP}} - got "{product}".')


def _require_str(obj, key, label, max_len=None, allow_empty=False):
    value = obj.get(key) if isinstance(obj, dict) else None
    if value is None or (value == "" and not allow_empty):
        raise missing(label)
    if not isinstance(value, str):
        raise invalid(f"Param {label} must be a string.")
    if max_len is not None and len(value) > max_len:
        raise invalid(f"Param {label} must be at most {max_len} characters long.")
    return value


def _optional_str(obj, key, label, max_len=None):
    if obj.get(key) is None:
        return None
    return _require_str(obj, key, label, max_len)


def _recipient(payload):
    to, bsuid = payload.get("to"), payload.get("recipient")
    if to not in (None, ""):   # Meta: when both are given, `to` wins
        if not isinstance(to, str) or not set(to) <= PHONE_PUNCTUATION | set("0123456789"):
            raise invalid("Param to must be a phone number.")
        digits = sum(ch.isdigit() for ch in to)
        if not 7 <= digits <= 15:
            raise invalid("Param to must be a valid phone number.")
        return to, False
    if bsuid not in (None, ""):
        if not isinstance(bsuid, str) or not BSUID.match(bsuid):
            raise invalid("Param recipient must be a business-scoped user ID.")
        return bsuid, True
    raise missing("to")


def _text(obj, request):
    _require_str(obj, "body", "text['body']", TEXT_BODY_MAX)
    if "preview_url" in obj and not isinstance(obj["preview_url"], bool):
        raise invalid("Param text['preview_url'] must be a boolean.")


def _media(obj, request):
    kind = request.type
    has_id, has_link = obj.get("id") not in (None, ""), obj.get("link") not in (None, "")
    if has_id and has_link:
        raise invalid(f"Param {kind} must contain either 'id' or 'link', not both.")
    if not (has_id or has_link):
        raise GraphError(131008, f"Param {kind} must contain either 'id' or 'link'.")
    if has_id:
        request.media_id = _require_str(obj, "id", f"{kind}['id']")
    else:
        link = _require_str(obj, "link", f"{kind}['link']")
        if urlparse(link).scheme not in ("http", "https"):
            raise invalid(f"Param {kind}['link'] must be an http(s) URL.")
    if obj.get("caption") is not None:
        if kind in ("audio", "sticker"):
            raise invalid(f"Param {kind}['caption'] is not supported for {kind} messages.")
        _require_str(obj, "caption", f"{kind}['caption']", CAPTION_MAX)
    if obj.get("voice") is not None:
        if kind != "audio":
            raise invalid(f"Param {kind}['voice'] is only supported for audio messages.")
        if not isinstance(obj["voice"], bool):
            raise invalid("Param audio['voice'] must be a boolean.")
        request.voice = obj["voice"]
    if obj.get("filename") is not None:
        if kind != "document":
            raise invalid(f"Param {kind}['filename'] is only supported for documents.")
        _require_str(obj, "filename", "document['filename']")


def _coordinate(obj, key, bound):
    value = obj.get(key)
    if value is None or value == "":
        raise missing(f"location['{key}']")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise invalid(f"Param location['{key}'] must be a number.") from None
    if not -bound <= number <= bound:
        raise invalid(f"Param location['{key}'] must be between -{bound} and {bound}.")


def _location(obj, request):
    _coordinate(obj, "latitude", 90)
    _coordinate(obj, "longitude", 180)


def _contacts(cards, request):
    if not isinstance(cards, list) or not cards:
        raise invalid("Param contacts must be a non-empty array.")
    for index, card in enumerate(cards):
        if not isinstance(card, dict):
            raise invalid(f"Param contacts[{index}] must be an object.")
        _require_str(card.get("name") or {}, "formatted_name", f"contacts[{index}]['name']['formatted_name']")


def _reaction(obj, request):
    _require_str(obj, "message_id", "reaction['message_id']")
    # An empty emoji is valid: it removes the reaction.
    _require_str(obj, "emoji", "reaction['emoji']", allow_empty=True)


def _reply_buttons(action):
    buttons = action.get("buttons")
    if not isinstance(buttons, list) or not buttons:
        raise missing("interactive['action']['buttons']")
    if len(buttons) > MAX_REPLY_BUTTONS:
        raise invalid(f"Param interactive['action']['buttons'] must have at most {MAX_REPLY_BUTTONS} elements.")
    for index, button in enumerate(buttons):
        label = f"interactive['action']['buttons'][{index}]"
        reply = button.get("reply") if isinstance(button, dict) else None
        if not isinstance(button, dict) or button.get("type") != "reply" or not isinstance(reply, dict):
            raise invalid(f"Param {label} must be a reply button.")
        _require_str(reply, "id", f"{label}['reply']['id']", 256)
        _require_str(reply, "title", f"{label}['reply']['title']", BUTTON_TITLE_MAX)


def _list_sections(action):
    _require_str(action, "button", "interactive['action']['button']", BUTTON_TITLE_MAX)
    sections = action.get("sections")
    if not isinstance(sections, list) or not sections:
        raise missing("interactive['action']['sections']")
    if len(sections) > MAX_LIST_SECTIONS:
        raise invalid(f"Param interactive['action']['sections'] must have at most {MAX_LIST_SECTIONS} elements.")
    total_rows = 0
    for s_index, section in enumerate(sections):
        rows = section.get("rows") if isinstance(section, dict) else None
        if not isinstance(rows, list) or not rows:
            raise missing(f"interactive['action']['sections'][{s_index}]['rows']")
        total_rows += len(rows)
        for r_index, row in enumerate(rows):
            label = f"interactive['action']['sections'][{s_index}]['rows'][{r_index}]"
            if not isinstance(row, dict):
                raise invalid(f"Param {label} must be an object.")
            _require_str(row, "id", f"{label}['id']", 200)
            _require_str(row, "title", f"{label}['title']", ROW_TITLE_MAX)
            _optional_str(row, "description", f"{label}['description']", ROW_DESCRIPTION_MAX)
    if total_rows > MAX_LIST_ROWS:
        raise invalid(f"Lists may have at most {MAX_LIST_ROWS} rows in total; got {total_rows}.")


def _interactive(obj, request):
    kind = obj.get("type")
    if kind is None:
        raise missing("interactive['type']")
    if kind not in INTERACTIVE_TYPES:
        raise invalid(f"Param interactive['type'] must be one of {{{', '.join(INTERACTIVE_TYPES)}}}.")
    action = obj.get("action")
    if not isinstance(action, dict):
        raise missing("interactive['action']")
    if kind in ("button", "list"):
        _require_str(obj.get("body") or {}, "text", "interactive['body']['text']", 1024)
    if kind == "button":
        _reply_buttons(action)
    elif kind == "list":
        _list_sections(action)


def _template(obj, request):
    request.template_name = _require_str(obj, "name", "template['name']")
    language = obj.get("language")
    if not isinstance(language, dict):
        raise missing("template['language']")
    request.template_language = _require_str(language, "code", "template['language']['code']")
    components = obj.get("components") or []
    if not isinstance(components, list):
        raise invalid("Param template['components'] must be an array.")
    for index, component in enumerate(components):
        if not isinstance(component, dict) or not isinstance(component.get("type"), str):
            raise missing(f"template['components'][{index}]['type']")
        if component["type"].lower() == "button":
            _require_str(component, "sub_type", f"template['components'][{index}]['sub_type']")
            if component.get("index") in (None, ""):
                raise missing(f"template['components'][{index}]['index']")
        parameters = component.get("parameters") or []
        if not isinstance(parameters, list):
            raise invalid(f"Param template['components'][{index}]['parameters'] must be an array.")
        for p_index, parameter in enumerate(parameters):
            label = f"template['components'][{index}]['parameters'][{p_index}]"
            if not isinstance(parameter, dict) or not parameter.get("type"):
                raise missing(f"{label}['type']")
            if parameter["type"] == "text":
                _require_str(parameter, "text", f"{label}['text']")
    request.template_components = components


_TYPE_CHECKS = {"text": _text, "location": _location, "contacts": _contacts, "reaction": _reaction,
                "interactive": _interactive, "template": _template,
                **{kind: _media for kind in MEDIA_TYPES}}


def validate_message(payload):
    """Validate a send body and return an :class:`OutboundRequest`; raise :class:`GraphError` like Meta.

    Missing fields -> 131008, wrong values -> 131009, wrong messaging_product -> 100. ``type`` defaults to
    ``text`` when absent, as on Meta.
    """
    check_messaging_product(payload)
    recipient, is_bsuid = _recipient(payload)
    recipient_type = payload.get("recipient_type", "individual")
    if recipient_type != "individual":
        raise invalid(f'Param recipient_type must be one of {{individual}} - got "{recipient_type}".')
    kind = payload.get("type", "text")
    if kind not in MESSAGE_TYPES:
        raise invalid(f"Param type must be one of {{{', '.join(MESSAGE_TYPES)}}} - got \"{kind}\".")
    request = OutboundRequest(recipient=recipient, is_bsuid=is_bsuid, type=kind)
    obj = payload.get(kind)
    if obj is None:
        raise missing(kind)
    if kind != "contacts" and not isinstance(obj, dict):
        raise invalid(f"Param {kind} must be an object.")
    _TYPE_CHECKS[kind](obj, request)
    context = payload.get("context")
    if context is not None:
        if not isinstance(context, dict):
            raise invalid("Param context must be an object.")
        request.context_message_id = _require_str(context, "message_id", "context['message_id']")
    _optional_str(payload, "biz_opaque_callback_data", "biz_opaque_callback_data", CALLBACK_DATA_MAX)
    return request


def validate_read(payload):
    """Validate a mark-as-read body (``status: "read"``, ``message_id``, optional typing indicator)."""
    check_messaging_product(payload)
    if payload.get("status") != "read":
        raise invalid(f'Param status must be one of {{read}} - got "{payload.get("status")}".')
    message_id = _require_str(payload, "message_id", "message_id")
    indicator = payload.get("typing_indicator")
    if indicator is not None and (not isinstance(indicator, dict) or indicator.get("type") != "text"):
        raise invalid('Param typing_indicator must be {"type": "text"}.')
    return message_id, indicator is not None
