# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Meta message templates: their components → the variables a send fills in, the text the customer reads,
and the ``template`` object of a send. Pure Python: no ORM, no I/O, no translations.

A template as ``GET /{waba-id}/message_templates`` lists it::

    {"name": "lembrete", "language": "pt_BR", "status": "APPROVED", "category": "UTILITY",
     "parameter_format": "POSITIONAL" | "NAMED",
     "components": [{"type": "HEADER", "format": "TEXT|IMAGE|VIDEO|DOCUMENT|LOCATION", "text"?, "example"?},
                    {"type": "BODY", "text": "Olá {{1}}", "example": {"body_text": [["Maria"]]}},
                    {"type": "FOOTER", "text": "…"},
                    {"type": "BUTTONS", "buttons": [{"type": "URL", "text": "Ver", "url": "https://x/{{1}}",
                                                     "example": ["https://x/123"]}, …]}]}

A send names the template and gives one parameter per placeholder, in this shape (Meta's reference)::

    {"name": "lembrete", "language": {"code": "pt_BR"}, "components": [
        {"type": "header", "parameters": [{"type": "image", "image": {"id": "<media id>"}}]},
        {"type": "body", "parameters": [{"type": "text", "parameter_name": "nome", "text": "Maria"}]},
        {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "123"}]}]}

``parameter_name`` is present for NAMED templates only; positional parameters follow ``{{1}}``, ``{{2}}``…
Variables are keyed ``"<component>.<name>"``: ``body.1``, ``body.nome``, ``header.1``, ``header.media``,
``header.latitude``…, ``button.0`` (the dynamic part of button 0).
"""

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_HEADER_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
HEADER_FORMATS = ("TEXT", *MEDIA_HEADER_FORMATS, "LOCATION")
LOCATION_FIELDS = ("latitude", "longitude", "name", "address")
# Meta's limits: a filled-in body over 1,024 characters is refused (132005); headers hold 60.
BODY_MAX_LENGTH = 1024
HEADER_TEXT_MAX_LENGTH = 60
# The customer's phone formats *bold*, _italic_, ~strikethrough~ and ```monospace```.
_FORMATTING = (
    (re.compile(r"```(.+?)```", re.S), "code"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)(.+?)(?<=\S)~(?![\w~])"), "s"),
)


class TemplateError(ValueError):
    """A template or a set of values that cannot make a valid send (``key`` names the variable at fault)."""

    def __init__(self, message, key=None):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Variable:
    """One value a send must provide."""

    key: str                  # "body.nome", "header.media", "button.0"…
    component: str            # header | body | button
    name: str                 # placeholder name, "media", a location field, or the button index
    example: str = ""
    button_index: int | None = None


@dataclass(frozen=True)
class Button:
    index: int
    type: str                 # QUICK_REPLY | URL | PHONE_NUMBER | COPY_CODE | OTP | FLOW | …
    text: str
    url: str = ""             # URL buttons: may end with one placeholder, the part a send fills in
    phone_number: str = ""

    @property
    def dynamic(self):
        """Whether a send must give this button a parameter."""
        return (self.type == "URL" and bool(PLACEHOLDER.search(self.url))) or self.type in ("COPY_CODE", "OTP")


@dataclass(frozen=True)
class TemplateSpec:
    """What a template asks of a send and shows to the customer."""

    parameter_format: str     # POSITIONAL | NAMED
    header_format: str | None  # None, or one of HEADER_FORMATS
    header_text: str
    body_text: str
    footer_text: str
    buttons: tuple
    variables: tuple

    @property
    def named(self):
        return self.parameter_format == "NAMED"

    @property
    def media_header(self):
        return self.header_format in MEDIA_HEADER_FORMATS

    def variable(self, key):
        return next((variable for variable in self.variables if variable.key == key), None)


# ------------------------------------------------------------
# Parsing
# ------------------------------------------------------------

def placeholders(text, positional=False):
    """Distinct placeholder names in order of first use (by number for positional templates)."""
    names = []
    for name in PLACEHOLDER.findall(text or ""):
        if name not in names:
            names.append(name)
    if positional:
        names.sort(key=lambda name: int(name) if name.isdigit() else float("inf"))
    return names


def _text(value):
    return value if isinstance(value, str) else ""


def _named_examples(example, key):
    items = example.get(key) if isinstance(example, dict) else None
    return {str(item.get("param_name")): _text(item.get("example"))
            for item in items or () if isinstance(item, dict)}


def _positional_examples(values, names):
    values = values if isinstance(values, list) else []
    return {name: _text(value) for name, value in zip(names, values, strict=False)}


def _text_variables(component, text, example, named, examples_key):
    names = placeholders(text, positional=not named)
    if named:
        examples = _named_examples(example, f"{examples_key}_named_params")
    else:
        raw = example.get(examples_key) if isinstance(example, dict) else None
        # Body examples are a list of lists (one list per example set), header examples a flat list.
        if raw and isinstance(raw, list) and isinstance(raw[0], list):
            raw = raw[0]
        examples = _positional_examples(raw, names)
    return [Variable(f"{component}.{name}", component, name, examples.get(name, "")) for name in names]


def _url_suffix_example(button):
    example = button.get("example")
    example = example[0] if isinstance(example, list) and example else example
    url, example = _text(button.get("url")), _text(example)
    prefix = PLACEHOLDER.split(url, maxsplit=1)[0]
    return example[len(prefix):] if example.startswith(prefix) else example


def parse_template(components, parameter_format="POSITIONAL"):
    """The :class:`TemplateSpec` of a template's ``components`` (as Meta lists them).

    :raise TemplateError: if the components are not a list of objects with a BODY
    """
    if not isinstance(components, list):
        raise TemplateError("components must be a list")
    named = parameter_format == "NAMED"
    header_format, header_text, body_text, footer_text, buttons, variables = None, "", None, "", [], []
    for component in components:
        if not isinstance(component, dict):
            continue
        kind = _text(component.get("type")).upper()
        example = component.get("example") if isinstance(component.get("example"), dict) else {}
        if kind == "HEADER":
            header_format = _text(component.get("format")).upper() or "TEXT"
            if header_format == "TEXT":
                header_text = _text(component.get("text"))
                variables += _text_variables("header", header_text, example, named, "header_text")
            elif header_format == "LOCATION":
                variables += [Variable(f"header.{field}", "header", field) for field in LOCATION_FIELDS]
            elif header_format in MEDIA_HEADER_FORMATS:
                handles = example.get("header_handle") if isinstance(example.get("header_handle"), list) else []
                variables.append(Variable("header.media", "header", "media", _text(handles[0]) if handles else ""))
        elif kind == "BODY":
            body_text = _text(component.get("text"))
            variables += _text_variables("body", body_text, example, named, "body_text")
        elif kind == "FOOTER":
            footer_text = _text(component.get("text"))
        elif kind == "BUTTONS":
            for index, item in enumerate(component.get("buttons") or ()):
                if not isinstance(item, dict):
                    continue
                button = Button(index, _text(item.get("type")).upper(), _text(item.get("text")),
                                _text(item.get("url")), _text(item.get("phone_number")))
                buttons.append(button)
                if button.type == "URL" and button.dynamic:
                    variables.append(Variable(f"button.{index}", "button", str(index),
                                              _url_suffix_example(item), index))
                elif button.type == "COPY_CODE":
                    example_code = item.get("example")
                    example_code = example_code[0] if isinstance(example_code, list) and example_code else example_code
                    variables.append(Variable(f"button.{index}", "button", str(index), _text(example_code), index))
    if body_text is None:
        raise TemplateError("a template has a BODY")
    return TemplateSpec(parameter_format="NAMED" if named else "POSITIONAL", header_format=header_format,
                        header_text=header_text, body_text=body_text, footer_text=footer_text,
                        buttons=tuple(buttons), variables=tuple(variables))


# ------------------------------------------------------------
# Rendering (what the customer reads)
# ------------------------------------------------------------

def _fill(text, component, values, keep_missing=True):
    def replace(match):
        value = values.get(f"{component}.{match.group(1)}")
        if value in (None, ""):
            return match.group(0) if keep_missing else ""
        return str(value)
    return PLACEHOLDER.sub(replace, text or "")


def render(spec, values, keep_missing=True):
    """The message as the customer's phone shows it: ``{"header", "body", "footer", "buttons": [{"type",
    "text", "url"}]}``. A value not given yet stays as its placeholder (``keep_missing``) so a preview shows
    what is left to fill; a media or location header is ``header`` ``None`` (the caller shows the file/place).
    """
    header = _fill(spec.header_text, "header", values, keep_missing) if spec.header_format == "TEXT" else None
    buttons = []
    for button in spec.buttons:
        url = button.url
        if button.type == "URL" and button.dynamic:
            suffix = values.get(f"button.{button.index}")
            url = PLACEHOLDER.sub(lambda match, s=suffix: str(s) if s else match.group(0), url)
        buttons.append({"type": button.type, "text": button.text, "url": url,
                        "phone_number": button.phone_number})
    return {"header": header, "body": _fill(spec.body_text, "body", values, keep_missing),
            "footer": spec.footer_text, "buttons": buttons}


def render_text(spec, values):
    """The rendered message as plain text lines (for the conversation's history): header, body, footer and
    the buttons' labels in brackets."""
    rendered = render(spec, values)
    lines = [part for part in (rendered["header"], rendered["body"], rendered["footer"]) if part]
    labels = [f"[{button['text']}]" for button in rendered["buttons"] if button["text"]]
    if labels:
        lines.append(" ".join(labels))
    return "\n\n".join(lines)


def whatsapp_html(text):
    """HTML of a text as WhatsApp formats it (*bold*, _italic_, ~strike~, ```mono```), every other character
    escaped; line breaks kept."""
    html = str(escape(text or ""))
    for pattern, tag in _FORMATTING:
        html = pattern.sub(lambda match, t=tag: f"<{t}>{match.group(1)}</{t}>", html)
    return Markup(html.replace("\n", "<br/>"))


# ------------------------------------------------------------
# The send
# ------------------------------------------------------------

def missing_keys(spec, values):
    """Keys of the variables without a value (the location's optional name and address excepted)."""
    optional = {"header.name", "header.address"}
    return [variable.key for variable in spec.variables
            if variable.key not in optional and str(values.get(variable.key) or "").strip() == ""]


def check_values(spec, values):
    """Raise :class:`TemplateError` for what Meta would refuse: a missing value (132000), a parameter that
    breaks a line in a header or is too long (132005), coordinates that are not numbers (132012)."""
    missing = missing_keys(spec, values)
    if missing:
        raise TemplateError(f"no value for {missing[0]}", missing[0])
    for variable in spec.variables:
        value = str(values.get(variable.key) or "")
        if variable.component == "header" and variable.name in ("latitude", "longitude"):
            try:
                number = float(value)
            except ValueError:
                raise TemplateError(f"{variable.key} is not a number", variable.key) from None
            bound = 90 if variable.name == "latitude" else 180
            if not -bound <= number <= bound:
                raise TemplateError(f"{variable.key} is out of range", variable.key)
        elif variable.component == "header" and variable.name != "media" and "\n" in value:
            raise TemplateError("a header holds one line", variable.key)
    rendered = render(spec, values)
    if len(rendered["body"]) > BODY_MAX_LENGTH:
        raise TemplateError(f"the body exceeds {BODY_MAX_LENGTH} characters", "body")
    if rendered["header"] and len(rendered["header"]) > HEADER_TEXT_MAX_LENGTH:
        raise TemplateError(f"the header exceeds {HEADER_TEXT_MAX_LENGTH} characters", "header")


def _text_parameter(spec, name, value):
    parameter = {"type": "text"}
    if spec.named:
        parameter["parameter_name"] = name
    parameter["text"] = str(value)
    return parameter


def _header_parameters(spec, values, media):
    if spec.header_format == "TEXT":
        return [_text_parameter(spec, variable.name, values[variable.key])
                for variable in spec.variables if variable.component == "header"]
    if spec.header_format == "LOCATION":
        location = {"latitude": float(values["header.latitude"]), "longitude": float(values["header.longitude"])}
        for field in ("name", "address"):
            if values.get(f"header.{field}"):
                location[field] = str(values[f"header.{field}"])
        return [{"type": "location", "location": location}]
    if spec.media_header:
        if not media or not media.get("id"):
            raise TemplateError("the header needs its media", "header.media")
        kind = spec.header_format.lower()
        content = {"id": media["id"]}
        if kind == "document" and media.get("filename"):
            content["filename"] = media["filename"]
        return [{"type": kind, kind: content}]
    return []


def _button_component(spec, button, values):
    if button.type == "URL" and button.dynamic:
        parameters = [{"type": "text", "text": str(values[f"button.{button.index}"])}]
        sub_type = "url"
    elif button.type == "COPY_CODE":
        parameters = [{"type": "coupon_code", "coupon_code": str(values[f"button.{button.index}"])}]
        sub_type = "copy_code"
    elif button.type == "OTP":
        # Authentication templates: the copy-code / one-tap button carries the code of the body's {{1}}.
        body = [variable for variable in spec.variables if variable.component == "body"]
        parameters = [{"type": "text", "text": str(values[body[0].key]) if body else ""}]
        sub_type = "url"
    else:
        return None
    return {"type": "button", "sub_type": sub_type, "index": str(button.index), "parameters": parameters}


def template_object(name, language, spec, values, media=None):
    """The ``template`` object of a send (Meta's reference shape, see the module docstring).

    :param dict values: variable key → value (see :func:`parse_template`)
    :param dict media: ``{"id": <uploaded media id>, "filename"?}`` for an IMAGE/VIDEO/DOCUMENT header
    :raise TemplateError: when a value is missing or invalid (see :func:`check_values`)
    """
    check_values(spec, dict(values, **({"header.media": "uploaded"} if media else {})))
    components = []
    header = _header_parameters(spec, values, media)
    if header:
        components.append({"type": "header", "parameters": header})
    body = [_text_parameter(spec, variable.name, values[variable.key])
            for variable in spec.variables if variable.component == "body"]
    if body:
        components.append({"type": "body", "parameters": body})
    for button in spec.buttons:
        component = _button_component(spec, button, values)
        if component:
            components.append(component)
    template = {"name": name, "language": {"code": language}}
    if components:
        template["components"] = components
    return template
