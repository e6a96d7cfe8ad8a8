# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""A stored webhook POST → its items, each with the customer whose order it belongs to. Pure Python.

A POST is one unit only for Meta's delivery: it may batch several customers (and the
``context.from`` of a reply is the *business* number, not the sender). Processing order is kept
per customer, so every item is keyed on its own customer:

- an inbound message on its sender: ``wa_id`` (the phone, Brazil's ninth digit settled) or, for a
  username-only customer, the business-scoped user id;
- a status on its recipient (``recipient_id`` / ``recipient_user_id``): the customer the message
  went to;
- anything else (change errors, template or account updates, malformed items) on the business
  number it names.

Hostile but signed bodies never raise out of here except as :class:`InboxPayloadError` with a
message fit for an administrator: JSON nested deeper than Python's parser can follow, numbers
with thousands of digits, a body that is not UTF-8, more items than Meta ever batches.
"""

import json
from dataclasses import dataclass

from .wa_number import canonical_wa_id
from .webhook_payload import (
    ChangeErrors,
    InboundMessage,
    MalformedItem,
    OtherChange,
    PayloadError,
    StatusUpdate,
    iter_events,
)

# A ``customer_key`` is stored in a Char column and hashed into an advisory lock: keep it short.
MAX_KEY_LENGTH = 80

KIND_MESSAGE = "message"
KIND_STATUS = "status"
KIND_ERRORS = "errors"
KIND_OTHER = "other"
KIND_MALFORMED = "malformed"


class InboxPayloadError(ValueError):
    """The stored body cannot be read as a WhatsApp webhook at all (never retried)."""


@dataclass(frozen=True)
class PlannedItem:
    """One item of a POST, as the inbox stores it for processing.

    ``index`` is the item's position in :func:`iter_events`' output: processing parses the POST
    again and takes that event (parsing is deterministic), so the payload is stored once.
    """

    index: int
    kind: str
    customer_key: str
    phone_number_id: str | None
    reference: str | None   # the wamid of a message or a status, for the admin's eye and a sanity check
    error: str | None       # why a malformed item cannot be processed


def load_payload(raw_body):
    """``json.loads`` that turns every way a signed body can be unreadable into InboxPayloadError."""
    if isinstance(raw_body, bytes | bytearray):
        try:
            raw_body = raw_body.decode()
        except UnicodeDecodeError as error:
            raise InboxPayloadError(f"the body is not UTF-8 ({error.reason} at byte {error.start})") from None
    try:
        return json.loads(raw_body)
    except RecursionError:
        raise InboxPayloadError("the JSON is nested too deeply to be read") from None
    except ValueError as error:
        # JSONDecodeError, and the int-digits limit of Python 3.11 ("Exceeds the limit ...")
        raise InboxPayloadError(f"not JSON: {str(error)[:200]}") from None


def parse_events(payload, max_items=None):
    """Every event of a decoded payload, in order (see :func:`.webhook_payload.iter_events`).

    :raise InboxPayloadError: not a WhatsApp envelope, more than ``max_items`` items, or a
        structure so deep that walking it exhausts the interpreter's recursion limit
    """
    try:
        events = []
        for event in iter_events(payload):
            events.append(event)
            if max_items is not None and len(events) > max_items:
                raise InboxPayloadError(f"more than {max_items} items in one POST")
        return events
    except PayloadError as error:
        raise InboxPayloadError(f"not a WhatsApp event: {error}") from None
    except RecursionError:
        raise InboxPayloadError("the JSON is nested too deeply to be read") from None


def plan_items(raw_body, max_items=None):
    """The body's items with their customer keys: ``(events, [PlannedItem])``.

    :raise InboxPayloadError: when the body as a whole is unreadable
    """
    events = parse_events(load_payload(raw_body), max_items)
    return events, [plan_item(index, event) for index, event in enumerate(events)]


def plan_item(index, event):
    """The :class:`PlannedItem` of one parsed event."""
    number = getattr(event, "phone_number_id", None)
    if isinstance(event, InboundMessage):
        customer = canonical_wa_id(event.wa_id) if event.wa_id else event.user_id
        return PlannedItem(index, KIND_MESSAGE, _key("customer", customer, number), number, event.wamid, None)
    if isinstance(event, StatusUpdate):
        recipient = event.recipient_id if _is_digits(event.recipient_id) else None
        customer = canonical_wa_id(recipient) if recipient else (event.recipient_user_id or event.recipient_id)
        if customer:
            key = _key("customer", customer, number)
        else:  # no recipient at all: the status is still ordered with its own message's other statuses
            key = _key("wamid", event.wamid, number)
        return PlannedItem(index, KIND_STATUS, key, number, event.wamid, None)
    if isinstance(event, MalformedItem):
        return PlannedItem(index, KIND_MALFORMED, _key("number", number), number, None,
                           f"{event.path}: {event.error}")
    kind = KIND_ERRORS if isinstance(event, ChangeErrors) else KIND_OTHER
    assert isinstance(event, ChangeErrors | OtherChange)
    return PlannedItem(index, kind, _key("number", number), number, None, None)


def _key(prefix, value, number=None):
    """``customer:5511987654321`` — the business number is not part of a customer's key: one
    person writing to two of our numbers is still one person (one partner)."""
    return f"{prefix}:{value or number or '-'}"[:MAX_KEY_LENGTH]


def _is_digits(value):
    return isinstance(value, str) and value.isascii() and value.isdigit()
