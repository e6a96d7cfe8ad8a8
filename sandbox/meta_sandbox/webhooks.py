"""Pure builders for Meta's WhatsApp webhook bodies (no I/O, no state).

Shape of every body::

    {"object": "whatsapp_business_account",
     "entry": [{"id": <WABA id>, "changes": [{"field": "messages", "value": {
         "messaging_product": "whatsapp",
         "metadata": {"display_phone_number": ..., "phone_number_id": ...},
         "contacts": [{"profile": {"name": ...}, "wa_id": ...}],
         "messages": [...]            # or "statuses": [...]
     }}]}]}

Timestamps are unix seconds as strings. Message builders take ``sender`` (the customer's wa_id, Meta's ``from``)
and the common keyword options of :func:`inbound_message`.
"""

import json
import time
from dataclasses import dataclass

from .errors import details_for, title_for
from .ids import new_numeric_id, new_wamid

OBJECT = "whatsapp_business_account"
ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"


@dataclass(frozen=True)
class BusinessNumber:
    """The business side of a webhook: which WABA and phone number it is for."""
    waba_id: str
    phone_number_id: str
    display_phone_number: str

    def metadata(self):
        return {"display_phone_number": self.display_phone_number, "phone_number_id": self.phone_number_id}


def timestamp_str(ts=None):
    return str(int(time.time() if ts is None else ts))


# ---- envelopes -------------------------------------------------------------------------------------------

def change(field, value):
    return {"field": field, "value": value}


def envelope(waba_id, changes):
    return {"object": OBJECT, "entry": [{"id": waba_id, "changes": list(changes)}]}


def messages_payload(business, messages, contacts):
    """A ``messages`` change carrying inbound messages (and the senders' contacts)."""
    value = {"messaging_product": "whatsapp", "metadata": business.metadata(), "contacts": list(contacts),
             "messages": list(messages)}
    return envelope(business.waba_id, [change("messages", value)])


def statuses_payload(business, statuses):
    """A ``messages`` change carrying status updates of outbound messages."""
    value = {"messaging_product": "whatsapp", "metadata": business.metadata(), "statuses": list(statuses)}
    return envelope(business.waba_id, [change("messages", value)])


def field_payload(waba_id, field, value):
    """Any other webhook field (``message_template_status_update``, ``account_update``, ``user_preferences``…)."""
    return envelope(waba_id, [change(field, value)])


def _changes_of(payloads):
    return [(entry["id"], c) for p in payloads for entry in p["entry"] for c in entry["changes"]]


def combine(payloads, entries=None):
    """Several webhook bodies as ONE POST, the way Meta batches deliveries.

    Every change of every payload is kept. ``entries=None``: one entry per WABA id; ``entries=N``: the changes
    are split into N consecutive entries (e.g. ``combine(six_payloads, entries=2)`` = 2 entries × 3 changes).
    """
    changes = _changes_of(payloads)
    if entries is None:
        grouped = {}
        for waba_id, item in changes:
            grouped.setdefault(waba_id, []).append(item)
        return {"object": OBJECT, "entry": [{"id": w, "changes": c} for w, c in grouped.items()]}
    size = -(-len(changes) // entries)   # ceil
    chunks = [changes[i:i + size] for i in range(0, len(changes), size)]
    return {"object": OBJECT, "entry": [{"id": chunk[0][0], "changes": [c for _w, c in chunk]}
                                         for chunk in chunks]}


def merge(payloads):
    """Fold ``messages``-field payloads of one number into one change holding all messages (contacts
    de-duplicated) and, if any, one change holding all statuses — Meta's "many messages in one value" batch."""
    changes = [c for _w, c in _changes_of(payloads)]
    first = changes[0]["value"]
    messages, statuses, contacts = [], [], []
    for item in changes:
        value = item["value"]
        messages += value.get("messages", [])
        statuses += value.get("statuses", [])
        contacts += [c for c in value.get("contacts", []) if c not in contacts]
    base = {"messaging_product": "whatsapp", "metadata": first["metadata"]}
    merged = []
    if messages:
        merged.append(change("messages", {**base, "contacts": contacts, "messages": messages}))
    if statuses:
        merged.append(change("messages", {**base, "statuses": statuses}))
    return envelope(payloads[0]["entry"][0]["id"], merged)


# ---- contacts, errors, context, referral ----------------------------------------------------------------

def contact(wa_id=None, name=None, *, user_id=None, username=None):
    """``contacts[]`` item. Users with a WhatsApp username may come with only a BSUID (``user_id``, like
    ``BR.1234…``) and no ``wa_id``."""
    profile = {"name": name or ""}
    if username:
        profile["username"] = username
    item = {"profile": profile}
    if wa_id:
        item["wa_id"] = wa_id
    if user_id:
        item["user_id"] = user_id
    return item


def error_item(code, details=None, title=None):
    """An ``errors[]`` item as in statuses and messages: ``{code, title, message, error_data{details}, href}``."""
    title = title or title_for(code)
    return {"code": code, "title": title, "message": title, "error_data": {"details": details or details_for(code)},
            "href": ERROR_CODES_HREF}


def reply_context(quoted_wamid, quoted_from, *, forwarded=False, frequently_forwarded=False):
    """``context`` of a reply: who wrote the quoted message and its wamid."""
    context = {"from": quoted_from, "id": quoted_wamid}
    return _forwarding(context, forwarded, frequently_forwarded)


def forwarded_context(*, frequently=False):
    """``context`` of a forwarded message: only the marker, no quoted message. Meta sets ``forwarded`` up to five
    forwards and ``frequently_forwarded`` beyond."""
    return {"frequently_forwarded": True} if frequently else {"forwarded": True}


def _forwarding(context, forwarded, frequently_forwarded):
    if forwarded:
        context["forwarded"] = True
    if frequently_forwarded:
        context["frequently_forwarded"] = True
    return context


def referral(headline="Promoção de verão", body="Fale com a gente pelo WhatsApp!", *, source_type="ad",
             media_type="image", source_url="https://fb.me/sandboxad", ctwa_clid=None):
    """Click-to-WhatsApp ad ``referral`` block."""
    block = {"source_url": source_url, "source_id": new_numeric_id(15), "source_type": source_type,
             "headline": headline, "body": body, "media_type": media_type,
             "ctwa_clid": ctwa_clid or new_numeric_id(20)}
    url_key = "video_url" if media_type == "video" else "image_url"
    block[url_key] = "https://scontent.xx.fbcdn.net/sandbox-ad." + ("mp4" if media_type == "video" else "jpg")
    block["thumbnail_url"] = "https://scontent.xx.fbcdn.net/sandbox-ad-thumb.jpg"
    return block


# ---- inbound messages ------------------------------------------------------------------------------------

def inbound_message(kind, content, *, sender=None, user_id=None, wamid=None, timestamp=None, context=None,
                    referral=None, errors=None, group_id=None):
    """One ``messages[]`` item. ``sender`` is ``from`` (absent for BSUID-only users, who come with
    ``from_user_id``). ``content`` goes under the ``kind`` key (omitted when None). ``group_id``: the message was
    written in a WhatsApp group the business is in (Groups API)."""
    message = {}
    if context:
        message["context"] = context
    if sender:
        message["from"] = sender
    if group_id:
        message["group_id"] = group_id
    if user_id:
        message["from_user_id"] = user_id
    message["id"] = wamid or new_wamid(sender)
    message["timestamp"] = timestamp_str(timestamp)
    if referral:
        message["referral"] = referral
    if errors:
        message["errors"] = errors
    message["type"] = kind
    if content is not None:
        message[kind] = content
    return message


def text_message(sender, body, **options):
    return inbound_message("text", {"body": body}, sender=sender, **options)


def media_content(media_id, mime_type, sha256, **extra):
    """``{id, mime_type, sha256, ...}`` of an inbound media message; ``sha256`` is base64 in webhooks."""
    content = {k: v for k, v in extra.items() if v is not None}
    content.update({"mime_type": mime_type, "sha256": sha256, "id": media_id})
    return content


def image_message(sender, media_id, sha256, mime_type="image/jpeg", caption=None, **options):
    return inbound_message("image", media_content(media_id, mime_type, sha256, caption=caption), sender=sender,
                           **options)


def audio_message(sender, media_id, sha256, mime_type="audio/ogg; codecs=opus", voice=True, **options):
    """``voice: true`` marks a recorded voice note (OGG/Opus); false an attached audio file."""
    return inbound_message("audio", media_content(media_id, mime_type, sha256, voice=voice), sender=sender,
                           **options)


def video_message(sender, media_id, sha256, mime_type="video/mp4", caption=None, **options):
    return inbound_message("video", media_content(media_id, mime_type, sha256, caption=caption), sender=sender,
                           **options)


def document_message(sender, media_id, sha256, filename, mime_type="application/pdf", caption=None, **options):
    return inbound_message("document", media_content(media_id, mime_type, sha256, filename=filename,
                                                     caption=caption), sender=sender, **options)


def sticker_message(sender, media_id, sha256, animated=False, **options):
    return inbound_message("sticker", media_content(media_id, "image/webp", sha256, animated=animated),
                           sender=sender, **options)


def location_message(sender, latitude, longitude, name=None, address=None, url=None, **options):
    content = {"latitude": latitude, "longitude": longitude}
    content.update({k: v for k, v in (("name", name), ("address", address), ("url", url)) if v is not None})
    return inbound_message("location", content, sender=sender, **options)


def contact_card(formatted_name, phone=None, wa_id=None, *, email=None, org=None, birthday=None):
    """One shared contact (vCard fields as Meta maps them)."""
    first, _, last = formatted_name.partition(" ")
    card = {"name": {"formatted_name": formatted_name, "first_name": first}}
    if last:
        card["name"]["last_name"] = last
    if phone:
        card["phones"] = [{"phone": phone, "type": "CELL", **({"wa_id": wa_id} if wa_id else {})}]
    if email:
        card["emails"] = [{"email": email, "type": "WORK"}]
    if org:
        card["org"] = {"company": org}
    if birthday:
        card["birthday"] = birthday
    return card


def contacts_message(sender, cards, **options):
    return inbound_message("contacts", list(cards), sender=sender, **options)


def button_reply_message(sender, button_id, title, **options):
    """The customer tapped a reply button of an interactive message."""
    return inbound_message("interactive", {"type": "button_reply", "button_reply": {"id": button_id,
                                                                                  "title": title}},
                           sender=sender, **options)


def list_reply_message(sender, row_id, title, description=None, **options):
    """The customer picked a row of an interactive list."""
    reply = {"id": row_id, "title": title}
    if description is not None:
        reply["description"] = description
    return inbound_message("interactive", {"type": "list_reply", "list_reply": reply}, sender=sender, **options)


def button_message(sender, text, payload=None, **options):
    """The customer tapped a quick-reply button of a *template* (type ``button``, not ``interactive``)."""
    return inbound_message("button", {"payload": text if payload is None else payload, "text": text},
                           sender=sender, **options)


def reaction_message(sender, message_id, emoji, **options):
    """A reaction to ``message_id``. ``emoji=""`` (or None: key absent) means the reaction was removed."""
    content = {"message_id": message_id}
    if emoji is not None:
        content["emoji"] = emoji
    return inbound_message("reaction", content, sender=sender, **options)


def unsupported_message(sender, unsupported_type="poll", **options):
    """What Meta sends for types the Cloud API cannot deliver (polls, view-once…): a placeholder + 131051."""
    return inbound_message("unsupported", {"type": unsupported_type}, sender=sender,
                           errors=[error_item(131051)], **options)


def edit_message(sender, original_wamid, kind, content, **options):
    """The customer edited ``original_wamid`` (text, or a media caption) within 15 minutes: the new version
    comes as ``edit.message`` (WhatsApp Business app numbers, "coexistence")."""
    return inbound_message("edit", {"original_message_id": original_wamid,
                                    "message": {"type": kind, kind: content}}, sender=sender, **options)


def revoke_message(sender, original_wamid, **options):
    """The customer deleted ``original_wamid`` for everyone (within two days)."""
    return inbound_message("revoke", {"original_message_id": original_wamid}, sender=sender, **options)


def number_change_message(sender, new_wa_id, name="User", **options):
    """``system`` notice: the customer moved their WhatsApp account from ``sender`` to ``new_wa_id``. Meta sends
    it from the old number, without a ``contacts`` block."""
    system = {"body": f"{name} changed from {sender} to {new_wa_id}", "wa_id": new_wa_id,
              "type": "user_changed_number"}
    return inbound_message("system", system, sender=sender, **options)


def order_message(sender, items, catalog_id="354160437058781", text="", **options):
    """A cart sent from the business's catalog; ``items`` are (retailer id, quantity, unit price, currency)."""
    product_items = [{"product_retailer_id": retailer_id, "quantity": quantity, "item_price": price,
                      "currency": currency} for retailer_id, quantity, price, currency in items]
    return inbound_message("order", {"catalog_id": catalog_id, "text": text, "product_items": product_items},
                           sender=sender, **options)


def flow_reply_message(sender, response, name="flow", body="Sent", flow_token=None, **options):
    """The customer completed a WhatsApp Flow: the answers come as a JSON *string* (``response_json``), with the
    ``flow_token`` the business sent the Flow with (Meta's examples: "unused")."""
    response_json = json.dumps({**response, "flow_token": flow_token or "unused"}, ensure_ascii=False)
    return inbound_message("interactive", {"type": "nfm_reply", "nfm_reply": {
        "response_json": response_json, "body": body, "name": name}}, sender=sender, **options)


def welcome_request_message(sender, **options):
    """``request_welcome``: the customer opened a chat with the business for the first time (no content)."""
    return inbound_message("request_welcome", None, sender=sender, **options)


# ---- statuses --------------------------------------------------------------------------------------------

def pricing(category="service", type="free_customer_service", *, billable=None, pricing_model="PMP"):
    """``pricing`` block (per-message pricing since July 2025). Stored as Meta sends it, never interpreted."""
    return {"billable": (not type.startswith("free")) if billable is None else billable,
            "pricing_model": pricing_model, "category": category, "type": type}


def conversation(origin_type="service", conversation_id=None, expiration_timestamp=None):
    block = {"id": conversation_id or new_numeric_id(32)}
    if expiration_timestamp is not None:
        block["expiration_timestamp"] = timestamp_str(expiration_timestamp)
    block["origin"] = {"type": origin_type}
    return block


def status_item(wamid, status, recipient_id=None, *, recipient_user_id=None, timestamp=None, conversation=None,
                pricing=None, errors=None, biz_opaque_callback_data=None):
    """One ``statuses[]`` item: sent | delivered | read | failed | played."""
    item = {"id": wamid, "status": status, "timestamp": timestamp_str(timestamp)}
    if recipient_id:
        item["recipient_id"] = recipient_id
    if recipient_user_id:
        item["recipient_user_id"] = recipient_user_id
    if biz_opaque_callback_data is not None:
        item["biz_opaque_callback_data"] = biz_opaque_callback_data
    if conversation:
        item["conversation"] = conversation
    if pricing:
        item["pricing"] = pricing
    if errors:
        item["errors"] = errors
    return item


# ---- other fields ----------------------------------------------------------------------------------------

def template_status_update(template_id, name, language="pt_BR", event="APPROVED", reason=None, *, category=None,
                           other_info=None, disable_date=None):
    """Value of a ``message_template_status_update`` change (``reason`` is "NONE" unless a rejection says why;
    PAUSED carries ``other_info{title, description}``, DISABLED may carry ``disable_info{disable_date}``)."""
    value = {"event": event, "message_template_id": int(template_id), "message_template_name": name,
             "message_template_language": language, "reason": reason or "NONE"}
    if category:
        value["message_template_category"] = category
    if other_info:
        value["other_info"] = other_info
    if disable_date is not None:
        value["disable_info"] = {"disable_date": int(disable_date)}
    return value


def template_quality_update(template_id, name, language, previous_score, new_score):
    """Value of a ``message_template_quality_update`` change (scores GREEN | YELLOW | RED | UNKNOWN)."""
    return {"previous_quality_score": previous_score, "new_quality_score": new_score,
            "message_template_id": int(template_id), "message_template_name": name,
            "message_template_language": language}


def template_category_update(template_id, name, language, new_category, *, previous_category=None,
                             correct_category=None, update_timestamp=None):
    """Value of a ``template_category_update`` change: a completed change (``previous_category``) or an impending
    one (``correct_category`` and the ``category_update_timestamp`` it will take effect at)."""
    value = {"message_template_id": int(template_id), "message_template_name": name,
             "message_template_language": language, "new_category": new_category}
    if previous_category:
        value["previous_category"] = previous_category
    if correct_category:
        value["correct_category"] = correct_category
    if update_timestamp is not None:
        value["category_update_timestamp"] = int(update_timestamp)
    return value


def user_preferences(business, wa_id, value, *, name=None, user_id=None, timestamp=None):
    """A ``user_preferences`` change: the user stopped (``value="stop"``) or resumed (``"resume"``)
    marketing messages in WhatsApp's settings. Meta sends it with the user's contact block."""
    detail = {"stop": "User requested to stop marketing messages",
              "resume": "User requested to resume marketing messages"}.get(value, "")
    item = {"wa_id": wa_id, "detail": detail, "category": "marketing_messages", "value": value,
            "timestamp": int(timestamp if timestamp is not None else time.time())}
    if user_id:
        item["user_id"] = user_id
    value_block = {"messaging_product": "whatsapp", "metadata": business.metadata(),
                   "contacts": [contact(wa_id, name, user_id=user_id)], "user_preferences": [item]}
    return field_payload(business.waba_id, "user_preferences", value_block)


def account_update(phone_number, event="VERIFIED_ACCOUNT", **extra):
    """Value of an ``account_update`` change (e.g. VERIFIED_ACCOUNT, DISABLED_UPDATE, ACCOUNT_VIOLATION)."""
    return {"phone_number": phone_number, "event": event, **extra}
