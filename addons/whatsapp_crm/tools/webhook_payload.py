# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Meta webhook envelopes → immutable events. Pure Python: no ORM, no I/O, no translations.

One signed POST from Meta batches ``entry[] × changes[] × messages[]/statuses[]/errors[]``::

    {"object": "whatsapp_business_account",
     "entry": [{"id": "<WABA id>",
                "changes": [{"field": "messages",
                             "value": {"messaging_product": "whatsapp",
                                       "metadata": {"display_phone_number": "…", "phone_number_id": "…"},
                                       "contacts": [{"profile": {"name": "…"}, "wa_id": "…", "user_id": "…"}],
                                       "messages": [...] | "statuses": [...] | "errors": [...]}}]}]}

:func:`iter_events` turns every item into one event, in payload order. A bad item becomes a
:class:`MalformedItem` and the walk goes on: the caller stores and processes each event on its own,
so one broken item never costs the others. Text is kept verbatim (no stripping, no escaping) —
escaping belongs to the rendering layer.
"""

import datetime
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .meta_errors import MetaError

WHATSAPP_OBJECT = "whatsapp_business_account"
FIELD_MESSAGES = "messages"

# ------------------------------------------------------------
# Message kinds: the one home of their names (models, media rules and rendering import them)
# ------------------------------------------------------------

# Types whose sub-object is ``{id, mime_type, sha256, caption?, filename?, voice?, animated?}``.
MEDIA_KINDS = ("image", "video", "audio", "document", "sticker")
MEDIA_TYPES = frozenset(MEDIA_KINDS)
# Known types whose sub-object is a list (vCards); every other known type carries an object.
LIST_TYPES = frozenset({"contacts"})
# ``edit`` and ``revoke`` change an earlier message (``original_message_id``) instead of adding one.
EDIT, REVOKE = "edit", "revoke"
CHANGE_KINDS = frozenset({EDIT, REVOKE})
OBJECT_TYPES = MEDIA_TYPES | CHANGE_KINDS | {
    "text", "location", "interactive", "button", "reaction", "order", "system", "unsupported",
    "request_welcome",
}
# ``unknown`` is what older payloads call ``unsupported`` (error 131051 / 501).
UNSUPPORTED_KINDS = frozenset({"unsupported", "unknown"})
INTERACTIVE_REPLY_TYPES = frozenset({"button_reply", "list_reply"})
FLOW_REPLY = "nfm_reply"
# ``system`` notices: the customer's number (or BSUID) changed; the identity key changed.
NUMBER_CHANGED = frozenset({"user_changed_number", "customer_changed_number"})
USER_ID_CHANGED = "user_changed_user_id"
# A Flow's answer is a JSON string: bounded, so a hostile one cannot cost more than a small parse.
MAX_FLOW_RESPONSE_CHARS = 20000

# Last second a ``datetime`` can represent (9999-12-31T23:59:59Z).
_MAX_UNIX_SECONDS = 253402300799
_UNIX_EPOCH = datetime.datetime(1970, 1, 1)
# ASCII digits only: "\d" would also accept Arabic-Indic and other Unicode digits.
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
# "BR.1502576394655843", parent ids "US.ENT.1181…": two-letter country, then dot-separated alnum.
_BSUID_RE = re.compile(r"[A-Z]{2}(\.[A-Za-z0-9]+){1,3}")
_LABEL_RE = re.compile(r"[^a-z0-9_]")
# Any BSUID-like id Meta may send in ``user_id`` (kept verbatim): bounded, no spaces or markup.
_USER_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


class PayloadError(ValueError):
    """The POST is not a WhatsApp Business Account webhook at all (nothing to iterate)."""


# ------------------------------------------------------------
# Events
# ------------------------------------------------------------

@dataclass(frozen=True)
class MediaRef:
    """A media attachment as announced by the webhook; the bytes are fetched later by id."""

    media_id: str
    mime_type: str | None
    sha256: str | None
    filename: str | None
    caption: str | None = field(repr=False)
    voice: bool = False      # audio recorded in-app as a voice note (OGG/Opus)
    animated: bool = False   # animated sticker (larger size limit)


@dataclass(frozen=True)
class OrderItem:
    """One line of a catalog order. Quantities and prices are kept as Meta wrote them (numbers or strings)."""

    product_retailer_id: str | None
    quantity: str | None
    item_price: str | None
    currency: str | None


@dataclass(frozen=True)
class Order:
    """``order``: what the customer put in the cart from the business's catalog."""

    catalog_id: str | None
    text: str | None
    items: tuple[OrderItem, ...]


@dataclass(frozen=True)
class FlowReply:
    """``interactive.nfm_reply``: the answers of a WhatsApp Flow the customer completed.

    ``fields`` are the response's top-level keys and values as text, in Meta's order, without the
    ``flow_token`` (our own correlation id, nothing the customer wrote); ``response_json`` is kept
    verbatim when it is not a JSON object (``fields`` is then empty).
    """

    name: str | None
    body: str | None
    fields: tuple[tuple[str, str], ...]
    response_json: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SystemNotice:
    """``system``: WhatsApp tells the business something about the customer's account.

    ``user_changed_number`` / ``customer_changed_number`` carry the new number (``wa_id``, older
    payloads ``new_wa_id``); ``user_changed_user_id`` the new BSUID; ``customer_identity_changed``
    only says the security code changed.
    """

    kind: str
    body: str | None = field(repr=False)
    new_wa_id: str | None
    new_user_id: str | None

    @property
    def number_changed(self):
        return self.kind in NUMBER_CHANGED


@dataclass(frozen=True)
class InboundMessage:
    """One ``messages[]`` item: something a customer sent (or did, for reactions)."""

    phone_number_id: str
    display_phone_number: str | None
    waba_id: str | None
    wamid: str
    wa_id: str | None            # phone number in Meta's digits form; absent for username-only users
    user_id: str | None          # business-scoped user id (BSUID), e.g. "BR.1502576394655843"
    profile_name: str | None = field(repr=False)
    timestamp: datetime.datetime | None  # naive UTC; None when missing or unusable
    type: str
    context_wamid: str | None    # the message quoted by this reply (reactions: data["message_id"])
    forwarded: bool
    media: MediaRef | None
    text: str | None = field(repr=False)
    data: Any = field(repr=False)  # the type's own sub-object (dict; list for "contacts")
    referral: dict | None = field(repr=False)
    errors: tuple[MetaError, ...] = ()
    raw: dict | None = field(default=None, repr=False)
    frequently_forwarded: bool = False  # forwarded more than five times (``forwarded`` is then true too)
    group_id: str | None = None          # sent in a WhatsApp group, not in the one-to-one chat
    target_wamid: str | None = None      # edit / revoke: the earlier message they change
    referred_product: tuple[str | None, str | None] | None = None  # (catalog_id, product_retailer_id)
    order: Order | None = field(default=None, repr=False)
    flow_reply: FlowReply | None = field(default=None, repr=False)
    system: SystemNotice | None = field(default=None, repr=False)
    unsupported_type: str | None = None  # what WhatsApp could not deliver (e.g. "poll")

    @property
    def is_change(self):
        """Whether this event changes an earlier message (edit, revoke) rather than adding one."""
        return self.type in CHANGE_KINDS


@dataclass(frozen=True)
class StatusUpdate:
    """One ``statuses[]`` item: what became of a message we sent. Arrive late and out of order."""

    phone_number_id: str
    wamid: str
    status: str                  # sent | delivered | read | played | failed | (future values)
    timestamp: datetime.datetime | None
    recipient_id: str | None
    errors: tuple[MetaError, ...] = ()
    pricing: dict | None = None  # stored as Meta sends it: the billing rules keep changing
    conversation: dict | None = None
    biz_opaque_callback_data: str | None = None
    raw: dict | None = field(default=None, repr=False)
    recipient_user_id: str | None = None  # BSUID of the recipient, when Meta provides it


@dataclass(frozen=True)
class ChangeErrors:
    """``value.errors[]``: an error about the change as a whole, not about one message."""

    phone_number_id: str | None
    field: str
    errors: tuple[MetaError, ...]
    raw: dict = field(repr=False)


@dataclass(frozen=True)
class OtherChange:
    """Any change whose ``field`` is not ``messages`` (template status, account_update, …)."""

    field: str
    phone_number_id: str | None
    waba_id: str | None
    value: dict = field(repr=False)


@dataclass(frozen=True)
class MalformedItem:
    """An item that could not be understood; kept (with its path) so it can be shown and replayed."""

    path: str                    # e.g. "entry[0].changes[1].value.messages[3]"
    error: str                   # why, in protocol terms; never contains payload content
    raw: Any = field(repr=False)
    phone_number_id: str | None = None


Event = InboundMessage | StatusUpdate | ChangeErrors | OtherChange | MalformedItem


# ------------------------------------------------------------
# Field helpers
# ------------------------------------------------------------

class _Malformed(Exception):
    """Internal: raised by item parsers, turned into a MalformedItem by the walker."""


class _ChangeContext(NamedTuple):
    phone_number_id: str
    display_phone_number: str | None
    waba_id: str | None
    contacts: tuple


def _opt_str(obj, key):
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _Malformed(f"'{key}' is {type(value).__name__}, expected a string")


def _req_str(obj, key):
    value = _opt_str(obj, key)
    if not value:
        raise _Malformed(f"'{key}' is missing")
    return value


def _opt_dict(obj, key):
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise _Malformed(f"'{key}' is {type(value).__name__}, expected an object")


def _opt_id(value):
    """Graph ids are JSON strings; accept ints too (hand-written fixtures, relays)."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _is_phone_digits(value):
    # str.isdigit() alone accepts "²" and Arabic-Indic digits.
    return bool(value) and value.isascii() and value.isdigit() and len(value) <= 20


def _opt_phone(obj, key, where):
    """A phone number in Meta's digits form, or ``None``; anything else is refused, never guessed."""
    value = _opt_str(obj, key)
    if value is None:
        return None
    if not _is_phone_digits(value):
        raise _Malformed(f"'{where}' is not a phone number (Meta sends digits only)")
    return value


def _opt_user_id(obj, key):
    value = _opt_str(obj, key)
    if value is not None and not _USER_ID_RE.fullmatch(value):
        raise _Malformed(f"'{key}' is not a WhatsApp user id")
    return value or None


def _opt_scalar(obj, key):
    """Numbers Meta sometimes writes as strings (quantities, prices): kept as text."""
    value = obj.get(key)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    raise _Malformed(f"'{key}' is {type(value).__name__}, expected a number or a string")


def parse_timestamp(value):
    """Unix seconds (Meta sends a decimal string) → naive UTC datetime, or ``None``.

    1970 and 2099 are kept as they are — judging plausibility is the caller's business — but
    anything missing, non-numeric, negative or beyond what ``datetime`` holds yields ``None``
    instead of an exception.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not _TIMESTAMP_RE.fullmatch(value):
            return None
        seconds = float(value) if "." in value else int(value)
    elif isinstance(value, int | float):
        seconds = value
    else:
        return None
    if not 0 <= seconds <= _MAX_UNIX_SECONDS:  # also rejects NaN
        return None
    return _UNIX_EPOCH + datetime.timedelta(seconds=seconds)


def _parse_errors(obj):
    errors = obj.get("errors")
    if errors is None:
        return ()
    if not isinstance(errors, list):
        raise _Malformed(f"'errors' is {type(errors).__name__}, expected a list")
    if not all(isinstance(error, dict) for error in errors):
        raise _Malformed("'errors' holds a non-object item")
    return tuple(MetaError.from_dict(error) for error in errors)


# ------------------------------------------------------------
# Item parsers
# ------------------------------------------------------------

def _match_contact(contacts, sender, user_id):
    """The ``contacts[]`` entry describing the sender of one message.

    Meta puts the sender's profile next to the messages, not inside them: match on ``wa_id``
    (phone) or ``user_id`` (BSUID); a lone contact is the sender of every message of the change.
    """
    for contact in contacts:
        if sender and contact.get("wa_id") == sender:
            return contact
        if contact.get("user_id") and contact.get("user_id") in (user_id, sender):
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _message_text(msg_type, sub):
    """The text a human would read for this message, or ``None``."""
    if not isinstance(sub, dict):
        return None
    if msg_type == "text":
        return _opt_str(sub, "body")
    if msg_type in MEDIA_TYPES:
        return _opt_str(sub, "caption")
    if msg_type == "interactive":
        reply_type = sub.get("type")
        if reply_type in INTERACTIVE_REPLY_TYPES:
            reply = _opt_dict(sub, reply_type) or {}
            return _opt_str(reply, "title")
        return None  # nfm_reply (Flows) and future kinds carry data, not text
    if msg_type == "button":
        return _opt_str(sub, "text")
    if msg_type == "order":
        return _opt_str(sub, "text") or None  # the note sent with the cart ("" when none)
    if msg_type == EDIT:
        # The new version of the message: its text, or its caption for media.
        new = _opt_dict(sub, "message") or {}
        new_type = _opt_str(new, "type")
        return _message_text(new_type, new.get(new_type)) if new_type not in (None, EDIT) else None
    return None


def _parse_order(sub):
    items = sub.get("product_items")
    if items is None:
        items = []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _Malformed("'order.product_items' is not a list of objects")
    return Order(
        catalog_id=_opt_id(sub.get("catalog_id")),
        text=_opt_str(sub, "text") or None,
        items=tuple(
            OrderItem(
                product_retailer_id=_opt_scalar(item, "product_retailer_id"),
                quantity=_opt_scalar(item, "quantity"),
                item_price=_opt_scalar(item, "item_price"),
                currency=_opt_str(item, "currency"),
            ) for item in items
        ),
    )


def _flow_value(value):
    if isinstance(value, str):
        return value
    # Nested answers (lists, objects) read as compact JSON: still text, still escaped when shown.
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _parse_flow_reply(reply):
    raw = reply.get("response_json")
    fields = ()
    if isinstance(raw, str) and len(raw) <= MAX_FLOW_RESPONSE_CHARS:
        try:
            answers = json.loads(raw)
        except (ValueError, RecursionError):
            answers = None
        if isinstance(answers, dict):
            fields = tuple((str(key), _flow_value(value)) for key, value in answers.items() if key != "flow_token")
    elif isinstance(raw, dict):  # a relay that already decoded it
        fields = tuple((str(key), _flow_value(value)) for key, value in raw.items() if key != "flow_token")
        raw = None
    elif raw is not None and not isinstance(raw, str):
        raise _Malformed("'nfm_reply.response_json' is not a string")
    return FlowReply(
        name=_opt_str(reply, "name"),
        body=_opt_str(reply, "body"),
        fields=fields,
        response_json=raw if not fields else None,
    )


def _parse_system(sub):
    kind = _opt_str(sub, "type") or "unknown"
    new_wa_id = new_user_id = None
    if kind in NUMBER_CHANGED:
        # Meta's current payloads say "wa_id"; older ones (and several libraries' fixtures) "new_wa_id".
        key = "wa_id" if sub.get("wa_id") is not None else "new_wa_id"
        new_wa_id = _opt_phone(sub, key, f"system.{key}")
    elif kind == USER_ID_CHANGED:
        new_user_id = _opt_user_id(sub, "user_id")
    return SystemNotice(kind=kind, body=_opt_str(sub, "body"), new_wa_id=new_wa_id, new_user_id=new_user_id)


def _referred_product(context):
    product = _opt_dict(context, "referred_product")
    if not product:
        return None
    return (_opt_id(product.get("catalog_id")), _opt_scalar(product, "product_retailer_id"))


def _media_ref(msg_type, sub):
    if msg_type not in MEDIA_TYPES or not isinstance(sub, dict):
        return None
    media_id = _opt_id(sub.get("id"))
    if not media_id:
        return None  # announced without an id: nothing to download, the placeholder says so
    return MediaRef(
        media_id=media_id,
        mime_type=_opt_str(sub, "mime_type"),
        sha256=_opt_str(sub, "sha256"),
        filename=_opt_str(sub, "filename"),
        caption=_opt_str(sub, "caption"),
        voice=sub.get("voice") is True,
        animated=sub.get("animated") is True,
    )


def _infer_type(msg):
    """A message without ``type`` (seen in relays' and libraries' payloads) whose content says what it is."""
    kinds = [key for key in msg if key in OBJECT_TYPES or key in LIST_TYPES]
    return kinds[0] if len(kinds) == 1 else "unknown"


def _parse_sender(msg, ctx, group_id):
    """``(wa_id, user_id, profile_name)`` of a message's sender.

    ``from`` is the customer's phone number (digits) or, for username-only users, their BSUID;
    ``contacts[].wa_id`` must be digits too. A value that is neither is refused: guessing would turn
    ``"bla"`` into a partner ``+bla``.
    """
    sender = _opt_str(msg, "from")
    from_user_id = _opt_user_id(msg, "from_user_id")
    if sender is not None and not (_is_phone_digits(sender) or _BSUID_RE.fullmatch(sender)):
        if not group_id:
            raise _Malformed("'from' is neither a phone number (digits only) nor a WhatsApp user id")
        sender = None  # group participants are never made into partners: nothing to guess from
    contact = _match_contact(ctx.contacts, sender, from_user_id) or {}
    wa_id = _opt_phone(contact, "wa_id", "contacts[].wa_id")
    if not wa_id and sender and _is_phone_digits(sender):
        wa_id = sender
    user_id = _opt_user_id(contact, "user_id") or from_user_id
    if not user_id and sender and _BSUID_RE.fullmatch(sender):
        user_id = sender  # username-only users: "from" carries the BSUID
    if not wa_id and not user_id and not group_id:
        raise _Malformed("message has no sender (no wa_id, phone 'from' or user_id)")
    profile = _opt_dict(contact, "profile") or {}
    return wa_id, user_id, _opt_str(profile, "name")


def _parse_message(msg, ctx):
    if not isinstance(msg, dict):
        raise _Malformed(f"message is {type(msg).__name__}, expected an object")
    wamid = _req_str(msg, "id")
    # An unknown or missing type still becomes a message: customers see a placeholder, not silence.
    msg_type = _opt_str(msg, "type") or _infer_type(msg)
    group_id = _opt_id(msg.get("group_id"))
    wa_id, user_id, profile_name = _parse_sender(msg, ctx, group_id)

    context = _opt_dict(msg, "context") or {}
    sub = msg.get(msg_type)
    if msg_type in LIST_TYPES and sub is not None and not isinstance(sub, list):
        raise _Malformed(f"'{msg_type}' is {type(sub).__name__}, expected a list")
    if msg_type in OBJECT_TYPES and sub is not None and not isinstance(sub, dict):
        raise _Malformed(f"'{msg_type}' is {type(sub).__name__}, expected an object")

    details = {}
    if msg_type == "reaction":
        sub = sub or {}
        reacted_wamid = _req_str(sub, "message_id")
        # Meta signals a removed reaction by an empty or absent emoji.
        data = {"message_id": reacted_wamid, "emoji": _opt_str(sub, "emoji") or ""}
    elif sub is None:
        data = [] if msg_type in LIST_TYPES else {}
    else:
        data = sub
    if msg_type in CHANGE_KINDS:
        details["target_wamid"] = _req_str(data, "original_message_id")
    elif msg_type == "order":
        details["order"] = _parse_order(data)
    elif msg_type == "system":
        details["system"] = _parse_system(data)
    elif msg_type in UNSUPPORTED_KINDS:
        details["unsupported_type"] = _opt_str(data, "type") if isinstance(data, dict) else None
    elif msg_type == "interactive" and data.get("type") == FLOW_REPLY:
        details["flow_reply"] = _parse_flow_reply(_opt_dict(data, FLOW_REPLY) or {})

    return InboundMessage(
        phone_number_id=ctx.phone_number_id,
        display_phone_number=ctx.display_phone_number,
        waba_id=ctx.waba_id,
        wamid=wamid,
        wa_id=wa_id,
        user_id=user_id,
        profile_name=profile_name,
        timestamp=parse_timestamp(msg.get("timestamp")),
        type=msg_type,
        context_wamid=_opt_str(context, "id"),
        forwarded=context.get("forwarded") is True or context.get("frequently_forwarded") is True,
        media=_media_ref(msg_type, sub),
        text=_message_text(msg_type, sub),
        data=data,
        referral=_opt_dict(msg, "referral"),
        errors=_parse_errors(msg),
        raw=msg,
        frequently_forwarded=context.get("frequently_forwarded") is True,
        group_id=group_id,
        referred_product=_referred_product(context),
        **details,
    )


def parse_stored_message(msg, phone_number_id=None, contacts=()):
    """Parse one ``messages[]`` item kept from an earlier webhook (``whatsapp.message.payload``).

    The same parser as :func:`iter_events`, without the envelope: rendering a message again (its
    file arrived, the customer edited or deleted it) reads the event, never the raw dict.

    :param contacts: ``contacts[]`` entries standing for the envelope's (the sender's identifiers,
        for items whose ``from`` was absent)
    :raise ValueError: if the item cannot be parsed (it was stored, so it parsed once)
    """
    ctx = _ChangeContext(phone_number_id=phone_number_id or "", display_phone_number=None, waba_id=None,
                         contacts=tuple(contacts))
    try:
        return _parse_message(msg, ctx)
    except _Malformed as exc:
        raise ValueError(str(exc)) from None


def _parse_status(status, ctx):
    if not isinstance(status, dict):
        raise _Malformed(f"status is {type(status).__name__}, expected an object")
    return StatusUpdate(
        phone_number_id=ctx.phone_number_id,
        wamid=_req_str(status, "id"),
        status=_req_str(status, "status"),
        timestamp=parse_timestamp(status.get("timestamp")),
        recipient_id=_opt_str(status, "recipient_id"),
        errors=_parse_errors(status),
        pricing=_opt_dict(status, "pricing"),
        conversation=_opt_dict(status, "conversation"),
        biz_opaque_callback_data=_opt_str(status, "biz_opaque_callback_data"),
        raw=status,
        recipient_user_id=_opt_str(status, "recipient_user_id"),
    )


_ITEM_PARSERS = (("messages", _parse_message), ("statuses", _parse_status))


# ------------------------------------------------------------
# Walker
# ------------------------------------------------------------

def _describe_bug(exc):
    # Only the exception type: its message could quote payload content (names, texts).
    return f"unexpected {type(exc).__name__} while parsing"


def _iter_change(change, path, waba_id):
    if not isinstance(change, dict):
        yield MalformedItem(path, f"change is {type(change).__name__}, expected an object", change)
        return
    field_name = change.get("field")
    value = change.get("value")
    if not isinstance(field_name, str) or not field_name:
        yield MalformedItem(path, "change has no 'field'", change)
        return
    if not isinstance(value, dict):
        yield MalformedItem(f"{path}.value", "change value is not an object", change)
        return
    metadata = value.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    phone_number_id = _opt_id(metadata.get("phone_number_id"))

    if field_name != FIELD_MESSAGES:
        yield OtherChange(field_name, phone_number_id, waba_id, value)
        return
    if not phone_number_id:
        # Routing is by phone_number_id: without it no item can be attributed to an account.
        yield MalformedItem(f"{path}.value.metadata", "no phone_number_id to route by", value)
        return
    display_phone_number = metadata.get("display_phone_number")
    contacts = value.get("contacts")
    ctx = _ChangeContext(
        phone_number_id=phone_number_id,
        display_phone_number=display_phone_number if isinstance(display_phone_number, str) else None,
        waba_id=waba_id,
        # Contacts only enrich messages (names, ids): a broken list must not cost the messages.
        contacts=tuple(c for c in contacts if isinstance(c, dict)) if isinstance(contacts, list) else (),
    )

    known = False
    for key, parser in _ITEM_PARSERS:
        items = value.get(key)
        if items is None:
            continue
        known = True
        items_path = f"{path}.value.{key}"
        if not isinstance(items, list):
            yield MalformedItem(items_path, f"'{key}' is not a list", items, phone_number_id)
            continue
        for index, item in enumerate(items):
            item_path = f"{items_path}[{index}]"
            try:
                event = parser(item, ctx)
            except _Malformed as exc:
                event = MalformedItem(item_path, str(exc), item, phone_number_id)
            except Exception as exc:  # noqa: BLE001 - the contract is "one bad item never stops the batch"
                event = MalformedItem(item_path, _describe_bug(exc), item, phone_number_id)
            yield event

    if value.get("errors") is not None:
        known = True
        try:
            errors = _parse_errors(value)
        except _Malformed as exc:
            yield MalformedItem(f"{path}.value.errors", str(exc), value.get("errors"), phone_number_id)
        else:
            yield ChangeErrors(phone_number_id, field_name, errors, value)

    if not known:
        # A "messages" change with none of the keys we know: a future shape. Keep it visible.
        yield OtherChange(field_name, phone_number_id, waba_id, value)


def iter_events(payload) -> Iterator[Event]:
    """Yield one event per item of a webhook POST, in payload order (entry, change, item).

    Never raises for a bad entry, change or item — those become :class:`MalformedItem` — so the
    caller can store every good item of a batch whatever the others look like.

    :param dict payload: the JSON-decoded body (already signature-checked on its raw bytes)
    :raise PayloadError: if the payload is not a ``whatsapp_business_account`` envelope with an
        ``entry`` list (the only exception of this module)
    """
    if not isinstance(payload, dict) or payload.get("object") != WHATSAPP_OBJECT:
        raise PayloadError("not a whatsapp_business_account webhook payload")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("webhook payload has no 'entry' list")
    return _iter_entries(entries)


def _iter_entries(entries):
    # Split from iter_events so that PayloadError is raised at call time, not at first next().
    for entry_index, entry in enumerate(entries):
        path = f"entry[{entry_index}]"
        if not isinstance(entry, dict):
            yield MalformedItem(path, f"entry is {type(entry).__name__}, expected an object", entry)
            continue
        waba_id = _opt_id(entry.get("id"))
        changes = entry.get("changes")
        if not isinstance(changes, list):
            yield MalformedItem(f"{path}.changes", "entry has no 'changes' list", entry)
            continue
        for change_index, change in enumerate(changes):
            yield from _iter_change(change, f"{path}.changes[{change_index}]", waba_id)


def _label(value):
    """Enum-like value safe for a log line (no newlines, bounded)."""
    return _LABEL_RE.sub("_", str(value).lower())[:40] or "_"


def summarize(payload):
    """Counts for a log line about one POST — ids of our own numbers and Meta enums only,
    never a phone number, name, text or wamid of a customer.

    Never raises: an invalid envelope is reported as ``{"valid": False, …}``.
    """
    summary = {
        "valid": True, "messages": 0, "statuses": 0, "change_errors": 0, "other": 0, "malformed": 0,
        "message_types": {}, "status_values": {}, "other_fields": {}, "phone_number_ids": [],
    }
    try:
        events = list(iter_events(payload))
    except PayloadError:
        summary["valid"] = False
        return summary
    message_types, status_values, other_fields = Counter(), Counter(), Counter()
    phone_number_ids = set()
    for event in events:
        if isinstance(event, InboundMessage):
            summary["messages"] += 1
            message_types[_label(event.type)] += 1
        elif isinstance(event, StatusUpdate):
            summary["statuses"] += 1
            status_values[_label(event.status)] += 1
        elif isinstance(event, ChangeErrors):
            summary["change_errors"] += 1
        elif isinstance(event, OtherChange):
            summary["other"] += 1
            other_fields[_label(event.field)] += 1
        else:
            summary["malformed"] += 1
        if event.phone_number_id and _is_phone_digits(event.phone_number_id):
            phone_number_ids.add(event.phone_number_id)
    summary.update(
        message_types=dict(message_types),
        status_values=dict(status_values),
        other_fields=dict(other_fields),
        phone_number_ids=sorted(phone_number_ids),
    )
    return summary
