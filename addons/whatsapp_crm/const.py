"""Constants shared by the models: Meta's message states and the attendant-facing explanations."""
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Meta statuses only ever move forward; a late "delivered" never undoes "read".
# "accepted" is ours: Meta answered the send with a wamid but has not reported "sent" yet.
OUTBOUND_STATE_RANK = {
    "outgoing": 0,
    "accepted": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "played": 5,
}
META_STATUSES = ("sent", "delivered", "read", "played", "failed")

# What an attendant reads under a failed message, by Meta error category (tools/meta_errors.py).
FAILURE_EXPLANATIONS = {
    "auth": _lt("WhatsApp refused our credentials. An administrator must check the account's access token."),
    "rate_limit": _lt("WhatsApp asked us to slow down. The message will be sent again automatically."),
    "window_closed": _lt(
        "More than 24 hours have passed since the customer's last message. WhatsApp only accepts an "
        "approved template until the customer writes again."),
    "undeliverable": _lt("This number cannot receive WhatsApp messages (not a WhatsApp user or unreachable)."),
    "marketing_opt_out": _lt("The customer stopped receiving marketing messages from us."),
    "unsupported": _lt("WhatsApp does not support this kind of message."),
    "media": _lt("Media not accepted by WhatsApp"),
    "media_type": _lt("WhatsApp does not accept this type of file"),
    "media_too_large": _lt("The file is larger than WhatsApp accepts for its type"),
    "media_conversion": _lt("The file could not be converted into a format WhatsApp accepts"),
    "media_missing": _lt("The file or place was deleted before it was sent"),
    "parameter": _lt("WhatsApp rejected the message as invalid (a required field is missing or wrong)."),
    "transient": _lt("WhatsApp is temporarily unavailable. The message will be sent again automatically."),
    "template": _lt("WhatsApp rejected the template (not approved, paused, or wrong variables)."),
    "policy": _lt("WhatsApp blocked this message by policy (account restricted). An administrator must check."),
    "unknown": _lt("WhatsApp did not deliver the message."),
    "no_recipient": _lt("This contact has no WhatsApp number."),
    "too_long": _lt("WhatsApp accepts at most 4,096 characters in a message."),
}
# Failures whose explanation is followed by the detail (Meta's words, or the file's problem).
DETAILED_FAILURES = frozenset({"media", "media_type", "media_too_large", "media_conversion"})
