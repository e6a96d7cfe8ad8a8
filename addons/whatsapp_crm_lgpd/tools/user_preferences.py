# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Meta's ``user_preferences`` webhook field → preference updates. Pure: no ORM, no I/O.

A user stops or resumes marketing messages in WhatsApp; Meta tells the business::

    {"field": "user_preferences",
     "value": {"messaging_product": "whatsapp", "metadata": {...},
               "contacts": [{"profile": {"name": "…"}, "wa_id": "5511…"}],
               "user_preferences": [{"wa_id": "5511…", "detail": "User requested to stop marketing messages",
                                     "category": "marketing_messages", "value": "stop", "timestamp": 1731705721}]}}

Only the ``marketing_messages`` category with ``stop`` or ``resume`` means something today; any
other item is skipped (returned as nothing), never an error.
"""

import datetime
from dataclasses import dataclass

FIELD = "user_preferences"
CATEGORY_MARKETING = "marketing_messages"
VALUES = ("stop", "resume")
_EPOCH = datetime.datetime(1970, 1, 1)


@dataclass(frozen=True)
class PreferenceUpdate:
    wa_id: str | None
    user_id: str | None
    value: str                   # "stop" | "resume"
    timestamp: datetime.datetime | None


def _timestamp(value):
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < seconds < 253402300799:
        return None
    return _EPOCH + datetime.timedelta(seconds=seconds)


def _text(item, key):
    value = item.get(key)
    return value if isinstance(value, str) and value else None


def parse_user_preferences(value):
    """The marketing stop/resume updates of one ``user_preferences`` change value."""
    if not isinstance(value, dict) or not isinstance(value.get(FIELD), list):
        return []
    updates = []
    for item in value[FIELD]:
        if not isinstance(item, dict) or item.get("category") != CATEGORY_MARKETING:
            continue
        choice = item.get("value")
        wa_id, user_id = _text(item, "wa_id"), _text(item, "user_id")
        if choice not in VALUES or not (wa_id or user_id):
            continue
        if wa_id and not (wa_id.isascii() and wa_id.isdigit()):
            continue
        updates.append(PreferenceUpdate(wa_id, user_id, choice, _timestamp(item.get("timestamp"))))
    return updates
