"""The one home of the definitions the addon shares: the webhook's route and limits, Meta's
message states, the background jobs' channels, and the attendant-facing explanations.

The bottom floor: ``controllers/``, ``models/`` and ``tools/`` import from here, never the other way.
"""
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# ------------------------------------------------------------
# Webhook
# ------------------------------------------------------------

# Meta's one callback URL for every account.
WEBHOOK_ROUTE = "/whatsapp/webhook"
# Meta's bodies reach ~3 MB; anything larger is not Meta and is refused before it is read.
MAX_WEBHOOK_BODY_BYTES = 4 * 1024 * 1024
# Meta batches a few dozen items per POST; a signed body with more is refused as a whole.
MAX_WEBHOOK_ITEMS = 5000
# Meta retries a delivery for ~7 days: dedup memory (inbox, statuses) must outlive it.
INBOX_RETENTION_DAYS = 8

# ------------------------------------------------------------
# Graph API (Meta's Cloud API)
# ------------------------------------------------------------

GRAPH_BASE_URL = "https://graph.facebook.com"
GRAPH_API_VERSION = "v23.0"
# Meta's limit for a text message body.
MAX_TEXT_LENGTH = 4096

# ------------------------------------------------------------
# Message states
# ------------------------------------------------------------

# What became of a message, in the order it can only move forward: Meta statuses never move a
# message backwards (a late "delivered" never undoes "read"). "received" is inbound; "outgoing"
# waits in the send queue; "accepted" is ours: Meta answered the send with a wamid but has not
# reported "sent" yet; "uncertain": the send request left and no answer came back (a timeout, a
# dropped connection), so Meta may or may not have it — never sent again without a human decision.
MESSAGE_STATES = [
    ("received", "Received"),
    ("outgoing", "Queued"),
    ("uncertain", "Delivery uncertain"),
    ("accepted", "Accepted by WhatsApp"),
    ("sent", "Sent"),
    ("delivered", "Delivered"),
    ("read", "Read"),
    ("played", "Played"),
    ("failed", "Failed"),
]
OUTBOUND_STATE_RANK = {
    "outgoing": 0,
    "uncertain": 0,
    "accepted": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "played": 5,
}
META_STATUSES = ("sent", "delivered", "read", "played", "failed")
# Meta's pricing categories (``pricing.category`` of status webhooks; a template's category at send time).
PRICING_CATEGORIES = [
    ("marketing", "Marketing"),
    ("utility", "Utility"),
    ("authentication", "Authentication"),
    ("authentication_international", "Authentication (international)"),
    ("service", "Service"),
    ("marketing_lite", "Marketing Lite"),
]

# Who does what (security/whatsapp_crm_groups.xml): attendants read and answer conversations,
# managers also reassign anyone's; the processing group is the technical user that runs the jobs.
ATTENDANT_GROUP = "whatsapp_crm.group_whatsapp_attendant"
MANAGER_GROUP = "whatsapp_crm.group_whatsapp_manager"
PROCESSING_GROUP = "whatsapp_crm.group_whatsapp_processing"
# Field groups: what only administrators read (storage keys, Meta's ids, raw payloads and errors) and
# what managers read too (Meta's pricing); the processing user writes both.
ADMIN_AND_PROCESSING = f"base.group_system,{PROCESSING_GROUP}"
MANAGERS_AND_PROCESSING = f"{MANAGER_GROUP},{PROCESSING_GROUP}"
# The tick the client draws for each outbound state (the client reads it from the server).
OUTBOUND_TICKS = {
    "outgoing": "queued",
    "accepted": "queued",
    "uncertain": "uncertain",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}
TICK_TITLES = {
    "queued": _lt("Queued"),
    "uncertain": _lt("Delivery uncertain"),
    "sent": _lt("Sent"),
    "delivered": _lt("Delivered"),
    "read": _lt("Read"),
    "failed": _lt("Not delivered"),
}
# Every send carries ``biz_opaque_callback_data = <prefix><message id>``: Meta echoes it in the
# statuses of that send, which is how a send whose answer was lost is found again.
CALLBACK_DATA_PREFIX = "whatsapp_crm:"

# ------------------------------------------------------------
# Background jobs (OCA queue_job): channels, see data/queue_job_data.xml and README.md
# ------------------------------------------------------------

JOB_CHANNEL_WHATSAPP = "root.whatsapp"  # occasional work: template syncs
JOB_CHANNEL_INBOX = "root.whatsapp.inbox"
JOB_CHANNEL_SEND = "root.whatsapp.send"
JOB_CHANNEL_MEDIA = "root.whatsapp.media"
# Web push to attendants: its own channel, so a slow push service never holds a send or a download.
JOB_CHANNEL_PUSH = "root.whatsapp.push"
JOB_CHANNEL_ASSIGN = "root.whatsapp.assign"  # automatic assignment, one job per department
# A processing job works this long, then hands over to a fresh job (Odoo's limit_time_real
# kills an HTTP worker request after 120 s by default; jobs run in HTTP workers).
JOB_TIME_BUDGET_SECONDS = 20

# ------------------------------------------------------------
# Helpdesk
# ------------------------------------------------------------

DEFAULT_AUTO_RELEASE_MINUTES = 30

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
    "uncertain": _lt(
        "WhatsApp did not answer in time: the message may or may not have reached the customer. It is not "
        "sent again automatically; resend it if the customer did not get it."),
}

# A failed template send, explained by Meta's error code (more precise than the "template" category).
TEMPLATE_ERROR_EXPLANATIONS = {
    132000: _lt("The template's variables do not match what Meta approved (a value is missing or extra). "
                "Sync the templates and send it again."),
    132001: _lt("Meta does not know this template in this language, or it is not approved yet. "
                "Sync the templates and choose another one."),
    132005: _lt("The filled-in template is too long for WhatsApp: shorten the values."),
    132012: _lt("A template value has the wrong format for this template (for example a video where it "
                "expects an image)."),
    132015: _lt("Meta paused this template because of its low quality: choose another template."),
    132016: _lt("Meta disabled this template for good because of its low quality: choose another template."),
}
# Failures whose explanation is followed by the detail (Meta's words, or the file's problem).
DETAILED_FAILURES = frozenset({"media", "media_type", "media_too_large", "media_conversion"})
