# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Interactive messages (reply buttons, lists) sent to a customer, and the taps that come back.
Pure: no ORM, no I/O. The send itself goes through :mod:`.graph_api` like every other message.

Meta's limits (checked here so an attendant hears of them before anything is queued):
reply buttons 1–3, titles ≤ 20 characters, ids ≤ 256; a list has one button label (≤ 20), 1–10 rows
in total, row titles ≤ 24, descriptions ≤ 72, ids ≤ 200; the body ≤ 1,024 characters.
A tap arrives as ``interactive{type: button_reply|list_reply, <type>: {id, title}}`` whose
``context.id`` is the wamid of the question.
"""

from .graph_api import _addressing

MAX_BUTTONS = 3
MAX_ROWS = 10
BODY_MAX = 1024
BUTTON_TITLE_MAX = 20
BUTTON_ID_MAX = 256
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200
LIST_BUTTON_MAX = 20


class InteractiveError(ValueError):
    """The interactive message breaks one of Meta's limits; ``code`` says which, for the UI."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def check_spec(spec):
    """Validate an interactive message described as::

        {"kind": "buttons", "body": "…", "options": [{"id": "…", "title": "…"}, …]}
        {"kind": "list", "body": "…", "button": "Ver opções",
         "options": [{"id": "…", "title": "…", "description": "…"}, …]}

    :return: the spec, normalised (stripped strings, no empty descriptions)
    :raise InteractiveError: with the code of the first broken rule
    """
    if not isinstance(spec, dict) or spec.get("kind") not in ("buttons", "list"):
        raise InteractiveError("kind")
    kind = spec["kind"]
    body = (spec.get("body") or "").strip()
    if not body:
        raise InteractiveError("body_missing")
    if len(body) > BODY_MAX:
        raise InteractiveError("body_too_long", limit=BODY_MAX)
    options = spec.get("options")
    if not isinstance(options, list) or not options:
        raise InteractiveError("options_missing")
    limit = MAX_BUTTONS if kind == "buttons" else MAX_ROWS
    if len(options) > limit:
        raise InteractiveError("too_many_options", limit=limit)
    title_max = BUTTON_TITLE_MAX if kind == "buttons" else ROW_TITLE_MAX
    id_max = BUTTON_ID_MAX if kind == "buttons" else ROW_ID_MAX
    normalised, seen_ids, seen_titles = [], set(), set()
    for option in options:
        if not isinstance(option, dict):
            raise InteractiveError("option_missing")
        option_id = str(option.get("id") or "").strip()
        title = str(option.get("title") or "").strip()
        if not option_id or not title:
            raise InteractiveError("option_missing")
        if len(title) > title_max:
            raise InteractiveError("title_too_long", title=title, limit=title_max)
        if len(option_id) > id_max:
            raise InteractiveError("id_too_long", limit=id_max)
        # Meta refuses duplicate button titles; duplicate ids would make taps ambiguous.
        if option_id in seen_ids or title.lower() in seen_titles:
            raise InteractiveError("duplicate_option", title=title)
        seen_ids.add(option_id)
        seen_titles.add(title.lower())
        item = {"id": option_id, "title": title}
        description = str(option.get("description") or "").strip()
        if description and kind == "list":
            if len(description) > ROW_DESCRIPTION_MAX:
                raise InteractiveError("description_too_long", title=title, limit=ROW_DESCRIPTION_MAX)
            item["description"] = description
        normalised.append(item)
    result = {"kind": kind, "body": body, "options": normalised}
    if kind == "list":
        button = (spec.get("button") or "").strip()
        if not button:
            raise InteractiveError("list_button_missing")
        if len(button) > LIST_BUTTON_MAX:
            raise InteractiveError("list_button_too_long", limit=LIST_BUTTON_MAX)
        result["button"] = button
    return result


def interactive_payload(to, spec, *, recipient=None, reply_to=None):
    """Body of an interactive send (``messaging_product`` is added by ``send_message``).

    :param dict spec: as accepted by :func:`check_spec` (checked again here)
    """
    spec = check_spec(spec)
    if spec["kind"] == "buttons":
        interactive = {
            "type": "button",
            "body": {"text": spec["body"]},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": option["id"], "title": option["title"]}}
                for option in spec["options"]
            ]},
        }
    else:
        interactive = {
            "type": "list",
            "body": {"text": spec["body"]},
            "action": {
                "button": spec["button"],
                "sections": [{"rows": [dict(option) for option in spec["options"]]}],
            },
        }
    payload = _addressing(to, recipient)
    payload.update(type="interactive", interactive=interactive)
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def reply_of(data):
    """``(id, title)`` of a tapped reply button or list row, from an inbound ``interactive`` object;
    ``(None, None)`` for anything else (Flows answers, unknown kinds, malformed data)."""
    if not isinstance(data, dict):
        return None, None
    kind = data.get("type")
    if kind not in ("button_reply", "list_reply"):
        return None, None
    reply = data.get(kind)
    if not isinstance(reply, dict):
        return None, None
    reply_id, title = reply.get("id"), reply.get("title")
    return (reply_id if isinstance(reply_id, str) and reply_id else None,
            title if isinstance(title, str) else None)
