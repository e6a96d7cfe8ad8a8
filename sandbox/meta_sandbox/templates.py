"""Message templates shaped like ``GET /{waba-id}/message_templates`` returns them, their placeholders, and the
checks Meta applies to a template send (132000 / 132005 / 132012)."""

import re

from .errors import GraphError
from .ids import new_numeric_id

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_HEADER_FORMATS = {"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"}
# Every status a template can have on Meta (the ``status`` field and the status-update webhook's events).
STATUSES = ("APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED",
            "ARCHIVED", "LIMIT_EXCEEDED", "FLAGGED", "LOCKED")
# Status-update events that are not statuses themselves, and the status they leave the template in.
EVENT_STATUSES = {"REINSTATED": "APPROVED"}
QUALITY_SCORES = ("GREEN", "YELLOW", "RED", "UNKNOWN")
# Meta refuses a send whose body, once its parameters are filled in, exceeds this (132005).
BODY_MAX_LENGTH = 1024
# Button type in the template -> ``sub_type`` a send must use for it (OTP buttons are sent as "url").
BUTTON_SUB_TYPES = {"URL": "url", "QUICK_REPLY": "quick_reply", "COPY_CODE": "copy_code", "OTP": "url",
                    "FLOW": "flow", "CATALOG": "catalog", "MPM": "mpm"}
TEXT_PARAMETER_TYPES = {"text", "currency", "date_time"}


def placeholders(text):
    """Distinct placeholder names in order of first use: ``'Olá {{1}}, {{2}} e {{1}}'`` -> ``['1', '2']``."""
    seen = []
    for name in PLACEHOLDER.findall(text or ""):
        if name not in seen:
            seen.append(name)
    return seen


def _examples(names, parameter_format, kind="body"):
    if parameter_format == "NAMED":
        return {f"{kind}_text_named_params": [{"param_name": n, "example": f"exemplo_{n}"} for n in names]}
    if kind == "header":
        return {"header_text": [f"exemplo {n}" for n in names]}
    return {"body_text": [[f"exemplo {n}" for n in names]]}


def _header_component(header, parameter_format):
    if isinstance(header, dict):
        return {"type": "HEADER", **header}
    component = {"type": "HEADER", "format": "TEXT", "text": header}
    names = placeholders(header)
    if names:
        component["example"] = _examples(names, parameter_format, "header")
    return component


def _buttons_component(buttons):
    items = [b if isinstance(b, dict) else {"type": "QUICK_REPLY", "text": b} for b in buttons]
    return {"type": "BUTTONS", "buttons": items}


def build_components(body="Olá {{1}}", header=None, buttons=None, parameter_format="POSITIONAL", footer=None):
    """Meta-shaped ``components`` of a template (see :func:`build_template`)."""
    components = []
    if header is not None:
        components.append(_header_component(header, parameter_format))
    body_component = {"type": "BODY", "text": body}
    names = placeholders(body)
    if names:
        body_component["example"] = _examples(names, parameter_format)
    components.append(body_component)
    if footer:
        components.append({"type": "FOOTER", "text": footer})
    if buttons:
        components.append(_buttons_component(buttons))
    return components


def build_template(name, language="pt_BR", category="UTILITY", status="APPROVED", body="Olá {{1}}",
                   header=None, buttons=None, parameter_format="POSITIONAL", footer=None, template_id=None,
                   quality="UNKNOWN"):
    """A template record exactly as the Graph API lists it.

    ``header`` is a text (may hold placeholders) or a dict such as ``{"format": "IMAGE"}``; ``buttons`` a list of
    quick-reply texts or of Meta button dicts (``{"type": "URL", "text": "Ver", "url": "https://x/{{1}}",
    "example": ["https://x/123"]}``).
    """
    return {
        "name": name,
        "parameter_format": parameter_format,
        "components": build_components(body, header, buttons, parameter_format, footer),
        "language": language,
        "status": status,
        "category": category,
        "quality_score": {"score": quality},
        "rejected_reason": "NONE",
        "id": template_id or new_numeric_id(),
    }


def expected_parameters(template):
    """How many parameters a send must give per component: ``{"body": n, "header": m}`` (zeros omitted).

    A media header (IMAGE/VIDEO/DOCUMENT/LOCATION) needs exactly one parameter carrying the media.
    """
    expected = {}
    for component in template["components"]:
        kind = component["type"].lower()
        if kind == "body":
            count = len(placeholders(component.get("text")))
        elif kind == "header":
            fmt = component.get("format", "TEXT")
            count = 1 if fmt in MEDIA_HEADER_FORMATS else len(placeholders(component.get("text")))
        else:
            continue
        if count:
            expected[kind] = count
    return expected


def body_parameter_names(template):
    for component in template["components"]:
        if component["type"] == "BODY":
            return placeholders(component.get("text"))
    return []


# ---- send checks -----------------------------------------------------------------------------------------

def _component(template, kind):
    return next((c for c in template["components"] if c["type"] == kind), None)


def _count_error(kind, given, wanted):
    return GraphError(132000, f"{kind}: number of localizable_params ({given}) does not match the expected number "
                              f"of params ({wanted})")


def _format_error(details):
    return GraphError(132012, details)


def _check_text_parameters(template, kind, text, parameters):
    """Count, type and (NAMED) names of the text parameters of a header or body; returns name -> value."""
    names = placeholders(text)
    if len(parameters) != len(names):
        raise _count_error(kind, len(parameters), len(names))
    named = template["parameter_format"] == "NAMED"
    values = {}
    for index, parameter in enumerate(parameters):
        allowed = {"text"} if named or kind == "header" else TEXT_PARAMETER_TYPES
        if parameter.get("type") not in allowed:
            raise _format_error(f"{kind}: parameter {index} has type {parameter.get('type')!r}, expected text")
        if named:
            values[str(parameter.get("parameter_name"))] = parameter.get("text", "")
        else:
            values[names[index]] = parameter.get("text") or parameter.get("fallback_value") or ""
    if named and sorted(values) != sorted(names):
        raise GraphError(132000, f"{kind}: parameter names {sorted(values)} do not match the template's "
                                 f"{sorted(names)}")
    return values


def _check_header(template, parameters):
    header = _component(template, "HEADER")
    fmt = header.get("format", "TEXT") if header else None
    if header is None or fmt == "TEXT":
        _check_text_parameters(template, "header", header.get("text") if header else "", parameters)
        return
    if len(parameters) != 1:
        raise _count_error("header", len(parameters), 1)
    kind = parameters[0].get("type")
    if kind != fmt.lower():
        raise _format_error(f"header: parameter of type {kind!r} given, the template's header is {fmt}")
    content = parameters[0].get(kind)
    if fmt == "LOCATION":
        if not isinstance(content, dict) or content.get("latitude") is None or content.get("longitude") is None:
            raise _format_error("header: a location needs latitude and longitude")
    elif not isinstance(content, dict) or not (content.get("id") or content.get("link")):
        raise _format_error(f"header: the {kind} needs an 'id' or a 'link'")


def _check_buttons(template, given):
    """``given``: ``{index: (sub_type, parameters)}`` of the send's button components."""
    buttons_component = _component(template, "BUTTONS")
    buttons = buttons_component["buttons"] if buttons_component else []
    for index, (sub_type, parameters) in given.items():
        if not 0 <= index < len(buttons):
            raise _format_error(f"button: index {index} does not exist in the template")
        button = buttons[index]
        if BUTTON_SUB_TYPES.get(button.get("type")) != sub_type:
            raise _format_error(f"button {index}: sub_type {sub_type!r} does not match the template's "
                                f"{button.get('type')} button")
        if sub_type == "url" and button.get("type") == "URL":
            wanted = len(placeholders(button.get("url")))
            if len(parameters) != wanted:
                raise _count_error(f"button {index}", len(parameters), wanted)
            if parameters and parameters[0].get("type") != "text":
                raise _format_error(f"button {index}: a URL suffix is a text parameter")
        elif sub_type == "copy_code":
            if len(parameters) != 1 or parameters[0].get("type") != "coupon_code":
                raise _format_error(f"button {index}: a copy-code button needs one coupon_code parameter")
        elif sub_type == "quick_reply":
            if any(p.get("type") not in ("payload", "text") for p in parameters):
                raise _format_error(f"button {index}: a quick reply takes a payload")
    for index, button in enumerate(buttons):
        dynamic = (button.get("type") == "URL" and placeholders(button.get("url"))) or button.get("type") in (
            "COPY_CODE", "OTP")
        if dynamic and index not in given:
            raise _count_error(f"button {index}", 0, 1)


def check_send(template, components):
    """Validate the ``components`` of a template send against the approved template, like Meta.

    132000: wrong number (or names) of parameters; 132012: a parameter of the wrong kind (an image for a video
    header, a text for a coupon code…); 132005: the body, filled in, is longer than Meta allows.
    """
    header, body, buttons = [], [], {}
    for component in components:
        kind = component["type"].lower()
        parameters = component.get("parameters") or []
        if kind == "header":
            header += parameters
        elif kind == "body":
            body += parameters
        elif kind == "button":
            try:
                index = int(component.get("index"))
            except (TypeError, ValueError):
                raise _format_error("button: index must be a number") from None
            buttons[index] = (component.get("sub_type"), parameters)
    _check_header(template, header)
    body_component = _component(template, "BODY") or {}
    values = _check_text_parameters(template, "body", body_component.get("text"), body)
    filled = PLACEHOLDER.sub(lambda match: str(values.get(match.group(1), "")), body_component.get("text") or "")
    if len(filled) > BODY_MAX_LENGTH:
        raise GraphError(132005, f"The body is {len(filled)} characters long once filled in "
                                 f"(at most {BODY_MAX_LENGTH}).")
    _check_buttons(template, buttons)
