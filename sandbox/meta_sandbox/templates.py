"""Message templates shaped like ``GET /{waba-id}/message_templates`` returns them, and their placeholders."""

import re

from .ids import new_numeric_id

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_HEADER_FORMATS = {"IMAGE", "VIDEO", "DOCUMENT", "LOCATION"}


def placeholders(text):
    """Distinct placeholder names in order of first use: ``'Olá {{1}}, {{2}} e {{1}}'`` -> ``['1', '2']``."""
    seen = []
    for name in PLACEHOLDER.findall(text or ""):
        if name not in seen:
            seen.append(name)
    return seen


def _examples(names, parameter_format):
    if parameter_format == "NAMED":
        return {"body_text_named_params": [{"param_name": n, "example": f"exemplo_{n}"} for n in names]}
    return {"body_text": [[f"exemplo {n}" for n in names]]}


def _header_component(header):
    if isinstance(header, dict):
        return {"type": "HEADER", **header}
    component = {"type": "HEADER", "format": "TEXT", "text": header}
    names = placeholders(header)
    if names:
        component["example"] = {"header_text": [f"exemplo {n}" for n in names]}
    return component


def _buttons_component(buttons):
    items = [b if isinstance(b, dict) else {"type": "QUICK_REPLY", "text": b} for b in buttons]
    return {"type": "BUTTONS", "buttons": items}


def build_template(name, language="pt_BR", category="UTILITY", status="APPROVED", body="Olá {{1}}",
                   header=None, buttons=None, parameter_format="POSITIONAL", footer=None, template_id=None):
    """A template record exactly as the Graph API lists it.

    ``header`` is a text (may hold placeholders) or a dict such as ``{"format": "IMAGE"}``; ``buttons`` a list of
    quick-reply texts or of Meta button dicts.
    """
    components = []
    if header is not None:
        components.append(_header_component(header))
    body_component = {"type": "BODY", "text": body}
    names = placeholders(body)
    if names:
        body_component["example"] = _examples(names, parameter_format)
    components.append(body_component)
    if footer:
        components.append({"type": "FOOTER", "text": footer})
    if buttons:
        components.append(_buttons_component(buttons))
    return {
        "name": name,
        "parameter_format": parameter_format,
        "components": components,
        "language": language,
        "status": status,
        "category": category,
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
