# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Remove one person from a stored webhook body. Pure: no ORM.

A webhook POST batches several people: the inbox row stays (it is the dedup memory and the
processing log) but loses everything about the erased person — their contact block, messages,
statuses of messages sent to them, preference updates — and any remaining string that still
carries one of their identifiers (a number inside another customer's shared contact, say).
"""

import json

ITEM_KEYS = ("contacts", "messages", "statuses", "user_preferences")


def _belongs(key, item, phones, user_ids):
    if not isinstance(item, dict):
        return False
    if key == "messages":
        values = (item.get("from"), item.get("from_user_id"))
    elif key == "statuses":
        values = (item.get("recipient_id"), item.get("recipient_user_id"))
    else:  # contacts, user_preferences
        values = (item.get("wa_id"), item.get("user_id"))
    return any(isinstance(value, str) and (value in phones or value in user_ids) for value in values)


def _replace_strings(node, needles, names, placeholder):
    """``node`` with every string holding a needle (or equal to a name) replaced; (new node, changed)."""
    if isinstance(node, dict):
        changed = False
        result = {}
        for key, value in node.items():
            result[key], sub_changed = _replace_strings(value, needles, names, placeholder)
            changed = changed or sub_changed
        return result, changed
    if isinstance(node, list):
        pairs = [_replace_strings(value, needles, names, placeholder) for value in node]
        return [value for value, _changed in pairs], any(changed for _value, changed in pairs)
    if isinstance(node, str) and (node.strip() in names or any(needle in node for needle in needles)):
        return placeholder, True
    return node, False


def scrub_payload(payload, phones, user_ids, names, placeholder):
    """``(payload without the person, changed)`` for a parsed webhook body."""
    phones, user_ids = frozenset(phones), frozenset(user_ids)
    names = frozenset(name.strip() for name in names if name and name.strip())
    changed = False
    entries = payload.get("entry") if isinstance(payload, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            for key in ITEM_KEYS:
                items = value.get(key)
                if isinstance(items, list):
                    kept = [item for item in items if not _belongs(key, item, phones, user_ids)]
                    if len(kept) != len(items):
                        value[key] = kept
                        changed = True
    payload, replaced = _replace_strings(payload, tuple(phones | user_ids), names, placeholder)
    return payload, changed or replaced


def scrub_webhook_body(raw_body, phones, user_ids, names, placeholder):
    """The stored body without the person, or ``None`` when it held nothing of them.

    A body that is not JSON (kept for inspection) is scrubbed as text.
    """
    try:
        payload = json.loads(raw_body)
    except ValueError:
        text = raw_body
        for needle in sorted(set(phones) | set(user_ids) | {name for name in names if name}, key=len, reverse=True):
            text = text.replace(needle, placeholder)
        return text if text != raw_body else None
    payload, changed = scrub_payload(payload, phones, user_ids, names, placeholder)
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False) if changed else None
