# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""What attendants read for an inbound WhatsApp message: parsed event → safe HTML. No ORM.

Rendering starts from the :class:`~.webhook_payload.InboundMessage` the parser made (never from the
raw payload), plus what happened to the message since: the state of its file, the customer's edits,
a deletion by the customer. The same function renders a message when it arrives and every time it
changes, so the body is always a function of (event, facts).

Escaping: every string that came from WhatsApp goes through ``plaintext2html`` or a ``Markup``
``%`` interpolation (which escapes its arguments); nothing is concatenated into HTML as a ``str``.
Links are built only from values we validated (``http(s)`` ad URLs, numeric coordinates, our own
routes).

Translations: the caller passes its environment's ``_`` (``env._``), so the strings are the
addon's and follow the conversation's language.

Choices (see the issue 10.12 closing note):

- **edit**: the shown text becomes the newest version, marked "edited by the customer", and every
  earlier version stays visible under it: an attendant may have answered what it said before.
- **revoke**: what attendants already saw stays, struck through, under "deleted by the customer"
  (the file too): hiding it would silently rewrite a conversation someone may have acted on.
  Erasing personal data is the LGPD addon's job, not the customer's delete button.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from markupsafe import Markup

from odoo.tools import plaintext2html

from .media_rules import sanitize_filename
from .webhook_payload import FLOW_REPLY, INTERACTIVE_REPLY_TYPES, MEDIA_TYPES, UNSUPPORTED_KINDS

MAX_CONTACT_CARDS = 50
MAX_ORDER_ITEMS = 100
MAX_FLOW_FIELDS = 50
# Bidi overrides/isolates and zero-width characters let a name disguise itself ("‮gnp.exe" reads as
# "exe.png"); they carry no meaning in a contact's name.
_INVISIBLE_OR_BIDI = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
MAX_NAME_LENGTH = 128
_LINK = Markup('<p><a href="%s" target="_blank" rel="noopener noreferrer">%s</a></p>')


@dataclass(frozen=True)
class MessageFacts:
    """What happened to a message after it arrived (all optional)."""

    media_state: str | None = None   # whatsapp.media state: pending | stored | failed | unavailable
    media_reason: str = ""           # why the file is not shown (attendant's words)
    revisions: tuple = ()            # texts of the customer's edits, oldest first
    revoked: bool = False            # the customer deleted it


def clean_name(name):
    """A display name without invisible or direction-changing characters, bounded."""
    if not name:
        return ""
    return " ".join(_INVISIBLE_OR_BIDI.sub("", str(name)).split())[:MAX_NAME_LENGTH]


def _text(value):
    return value.strip() if isinstance(value, str) else ""


def contact_card_fields(card):
    """``(name, [(phone, wa_id)], [email], company)`` of a shared vCard as Meta maps it; strings only."""
    name_block = card.get("name") if isinstance(card.get("name"), dict) else {}
    name = clean_name(_text(name_block.get("formatted_name")))
    items = [item for key in ("phones", "emails") for item in (card.get(key) or []) if isinstance(item, dict)]
    phones = [(_text(item.get("phone")), _text(item.get("wa_id"))) for item in items if _text(item.get("phone"))]
    emails = [_text(item.get("email")) for item in items if _text(item.get("email"))]
    org = card.get("org") if isinstance(card.get("org"), dict) else {}
    return name, phones, emails, _text(org.get("company"))


# ------------------------------------------------------------
# Entry point
# ------------------------------------------------------------

def render_body(event, _, facts=None, contact_link=None):
    """The HTML body of an inbound message.

    :param event: the parsed ``InboundMessage`` (not an edit/revoke/reaction: those change others)
    :param _: the translation function of the caller's environment (``env._``)
    :param MessageFacts facts: what happened to the message since it arrived
    :param contact_link: ``index -> url`` of the "Create contact" link of a shared vCard
    :rtype: Markup
    """
    facts = facts or MessageFacts()
    text = facts.revisions[-1] if facts.revisions else (event.text or "")
    body = _content(event, _, text, facts, contact_link)
    if facts.revisions:
        body += _edit_history(event, _, facts.revisions)
    if facts.revoked:
        body = Markup("<s>%s</s>") % body if body else Markup()
        body += plaintext2html(_("🚫 Deleted by the customer"))
    return _referral(event.referral, _) + _markers(event, _) + body


def render_placeholder(kind, _):
    """A line for a message type nothing here knows how to show."""
    return plaintext2html(_("[Message of a type not supported here: %(type)s]", type=kind))


# ------------------------------------------------------------
# Parts
# ------------------------------------------------------------

def _markers(event, _):
    lines = []
    if event.frequently_forwarded:
        lines.append(_("↪↪ Forwarded many times"))
    elif event.forwarded:
        lines.append(_("↪ Forwarded"))
    if event.referred_product:
        catalog_id, product_id = event.referred_product
        lines.append(_("About a catalog product: %(product)s", product=product_id or catalog_id or "?"))
    return Markup('<p class="o-whatsapp-Message-marker"><i>%s</i></p>') % Markup("<br/>").join(lines) \
        if lines else Markup()


def _content(event, _, text, facts, contact_link):
    kind = event.type
    if kind in ("text", "button"):
        return plaintext2html(text)
    if kind == "interactive":
        return _interactive(event, _, text)
    if kind in MEDIA_TYPES:
        media = event.media
        state = facts.media_state or ("pending" if media else "missing")
        return _media(kind, _, text, media and media.filename, media and media.voice, state, facts.media_reason)
    if kind == "location":
        return _location(event.data if isinstance(event.data, dict) else {}, _)
    if kind == "contacts":
        return _contacts(event.data, _, contact_link)
    if kind == "order" and event.order:
        return _order(event.order, _)
    if kind == "system" and event.system:
        return _system(event.system, _)
    if kind == "request_welcome":
        return plaintext2html(_("The customer opened a chat with us for the first time (nothing written yet)."))
    if kind in UNSUPPORTED_KINDS:
        label = f"{kind} ({event.unsupported_type})" if event.unsupported_type else kind
        return render_placeholder(label, _)
    return render_placeholder(kind, _)


def _interactive(event, _, text):
    data = event.data if isinstance(event.data, dict) else {}
    reply_type = data.get("type")
    if reply_type in INTERACTIVE_REPLY_TYPES:
        return plaintext2html(text)
    if reply_type == FLOW_REPLY and event.flow_reply:
        flow = event.flow_reply
        lines = [_("Form answered: %(name)s", name=flow.name) if flow.name else _("Form answered")]
        lines += [f"{key}: {value}" for key, value in flow.fields[:MAX_FLOW_FIELDS]]
        if len(flow.fields) > MAX_FLOW_FIELDS:
            lines.append(_("… and %(count)s more", count=len(flow.fields) - MAX_FLOW_FIELDS))
        if not flow.fields and flow.response_json:
            lines.append(flow.response_json)
        return plaintext2html("\n".join(lines))
    return render_placeholder(f"interactive ({reply_type})" if isinstance(reply_type, str) else "interactive", _)


def _edit_history(event, _, revisions):
    earlier = [event.text or "", *revisions[:-1]]
    lines = [_("✏️ Edited by the customer. Earlier versions:")]
    lines += [f"— {version}" if version else "— " + _("(no text)") for version in earlier]
    return Markup('<blockquote class="o-whatsapp-Message-history">%s</blockquote>') % plaintext2html(
        "\n".join(lines))


def _media(kind, _, caption, filename, voice, state, reason=""):
    """A label while the file is on its way or when it cannot be shown (with the reason); once
    stored the attachment speaks for itself, except that audio says whether it is a voice note."""
    labels = {
        "image": _("Image"), "video": _("Video"), "sticker": _("Sticker"),
        "audio": _("Voice message") if voice else _("Audio"), "document": _("Document"),
    }
    label = labels.get(kind, kind)
    if kind == "document" and filename:
        label = _("Document: %(filename)s", filename=sanitize_filename(filename))
    status = {
        "pending": _("receiving the file…"),
        "missing": _("WhatsApp sent no file"),
        "failed": reason,
        "unavailable": reason,
    }.get(state)
    lines = []
    if status:
        lines.append(_("[%(label)s] %(status)s", label=label, status=status))
    elif kind == "audio":
        lines.append(f"[{label}]")
    if caption:
        lines.append(caption)
    return plaintext2html("\n".join(lines)) if lines else Markup()


def _referral(referral, _):
    """Click-to-WhatsApp ad details: which ad or post brought the customer here."""
    if not isinstance(referral, dict) or not referral:
        return Markup()
    post, headline = _text(referral.get("source_type")) == "post", _text(referral.get("headline"))
    if headline:
        origin = _("From a post: %(headline)s", headline=headline) if post else \
            _("From an ad: %(headline)s", headline=headline)
    else:
        origin = _("From a post") if post else _("From an ad")
    html = plaintext2html("\n".join(filter(None, [origin, _text(referral.get("body"))])))
    url = _text(referral.get("source_url"))
    if url.startswith(("https://", "http://")):
        html += _LINK % (url, _("Open the post") if post else _("Open the ad"))
    return Markup("<blockquote>%s</blockquote>") % html


def render_location(location, _):
    """The card of a place (``latitude``, ``longitude``, ``name``, ``address``): a customer's location,
    and the same card for a place an attendant sends."""
    return _location(location, _)


def _location(location, _):
    lines = [_("Location")]
    lines += [location[key] for key in ("name", "address") if location.get(key)]
    body = plaintext2html("\n".join(str(line) for line in lines))
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
    except (KeyError, TypeError, ValueError):
        return body
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return body
    url = f"https://www.google.com/maps/search/?api=1&query={latitude:.6f},{longitude:.6f}"
    return body + _LINK % (url, _("Open map"))


def _contacts(cards, _, contact_link):
    """One card per shared contact (name, phones, emails, company) with a "Create contact" link."""
    cards = [card for card in cards if isinstance(card, dict)] if isinstance(cards, list) else []
    html = plaintext2html(_("Shared contacts") if len(cards) > 1 else _("Shared contact"))
    for index, card in enumerate(cards[:MAX_CONTACT_CARDS]):
        name, phones, emails, company = contact_card_fields(card)
        lines = [*(f"{phone} (WhatsApp)" if wa_id else phone for phone, wa_id in phones), *emails]
        if company:
            lines.append(company)
        link = Markup('<p><a href="%s">%s</a></p>') % (contact_link(index), _("Create contact")) \
            if contact_link else Markup()
        html += Markup("<blockquote><b>%s</b>%s%s</blockquote>") % (
            name or _("(no name)"), plaintext2html("\n".join(lines)) if lines else "", link)
    if len(cards) > MAX_CONTACT_CARDS:
        html += plaintext2html(_("… and %(count)s more", count=len(cards) - MAX_CONTACT_CARDS))
    return html


def contact_link_url(message_id, index, token):
    """Our own route that turns card ``index`` of message ``message_id`` into a partner."""
    return "/whatsapp/contact/create?" + urlencode({"message_id": message_id, "index": index, "token": token})


def _number(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _order(order, _):
    """A catalog order: one line per item (quantity × product @ price) and the total when it adds up."""
    lines = [_("Order from the catalog %(catalog)s", catalog=order.catalog_id) if order.catalog_id
             else _("Order from the catalog")]
    total, currencies = Decimal(0), set()
    for item in order.items[:MAX_ORDER_ITEMS]:
        quantity, price = _number(item.quantity), _number(item.item_price)
        lines.append(_("%(quantity)s × %(product)s — %(price)s %(currency)s each",
                       quantity=item.quantity or "?", product=item.product_retailer_id or "?",
                       price=item.item_price or "?", currency=item.currency or ""))
        if quantity is None or price is None or total is None:
            total = None
        else:
            total += quantity * price
        currencies.add(item.currency)
    if len(order.items) > MAX_ORDER_ITEMS:
        lines.append(_("… and %(count)s more", count=len(order.items) - MAX_ORDER_ITEMS))
        total = None
    if order.items and total is not None and len(currencies) == 1:
        lines.append(_("Total: %(total)s %(currency)s", total=f"{total.normalize():f}",
                       currency=currencies.pop() or ""))
    if order.text:
        lines.append(order.text)
    return plaintext2html("\n".join(lines))


def _system(notice, _):
    if notice.number_changed:
        line = _("The customer changed their WhatsApp number to +%(number)s.", number=notice.new_wa_id) \
            if notice.new_wa_id else _("The customer changed their WhatsApp number.")
    elif notice.kind == "customer_identity_changed":
        line = _("The customer's WhatsApp security code changed (new phone or WhatsApp reinstalled).")
    elif notice.new_user_id:
        line = _("The customer's WhatsApp user id changed.")
    else:
        line = _("WhatsApp notice: %(notice)s", notice=notice.body or notice.kind)
    return Markup('<p class="o-whatsapp-Message-marker"><i>%s</i></p>') % line
