# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Meta (Graph / WhatsApp Cloud API) error codes → what the product does about them.

Pure protocol code: no ORM, no translations. The same code arrives two ways — synchronously in
the Graph error JSON of a failed call, and asynchronously in ``statuses[].errors[]`` /
``messages[].errors[]`` / ``value.errors[]`` of a webhook — so both paths classify through here.
"""

import random
from dataclasses import dataclass

# ------------------------------------------------------------
# Categories
# ------------------------------------------------------------

CATEGORY_AUTH = "auth"                            # token expired / revoked / missing permission
CATEGORY_RATE_LIMIT = "rate_limit"                # throughput or pair rate: back off, never final
CATEGORY_WINDOW_CLOSED = "window_closed"          # 24 h customer-service window closed: template needed
CATEGORY_UNDELIVERABLE = "undeliverable"          # not a WhatsApp user / cannot be delivered
CATEGORY_MARKETING_OPT_OUT = "marketing_opt_out"  # marketing held or stopped by the user
CATEGORY_UNSUPPORTED = "unsupported"              # inbound type the Cloud API cannot render (polls…)
CATEGORY_MEDIA = "media"                          # media download / upload refused (type, size)
CATEGORY_PARAMETER = "parameter"                  # our request was wrong
CATEGORY_TRANSIENT = "transient"                  # Meta-side hiccup / network: retry later
CATEGORY_TEMPLATE = "template"                    # template missing, paused, disabled, wrong params
CATEGORY_POLICY = "policy"                        # account locked, policy block, country restricted
CATEGORY_UNKNOWN = "unknown"

CATEGORIES = (
    CATEGORY_AUTH, CATEGORY_RATE_LIMIT, CATEGORY_WINDOW_CLOSED, CATEGORY_UNDELIVERABLE,
    CATEGORY_MARKETING_OPT_OUT, CATEGORY_UNSUPPORTED, CATEGORY_MEDIA, CATEGORY_PARAMETER,
    CATEGORY_TRANSIENT, CATEGORY_TEMPLATE, CATEGORY_POLICY, CATEGORY_UNKNOWN,
)


class MetaErrorCodes:
    """Class-level maps from Meta error codes to behaviour categories.

    Meta documents a few hundred codes; only those the product reacts to differently are mapped,
    everything else is ``unknown`` (stored and shown, not retried).
    """

    CODE_TO_CATEGORY = {
        # Graph-level auth: 0 "AuthException", 190 access token expired/invalid, 10 permission denied.
        0: CATEGORY_AUTH,
        190: CATEGORY_AUTH,
        10: CATEGORY_AUTH,
        # 4 app call limit, 80007 WABA rate limit, 130429 throughput (80 msg/s per number),
        # 131056 pair rate (about one message every 6 s to the same user).
        4: CATEGORY_RATE_LIMIT,
        80007: CATEGORY_RATE_LIMIT,
        130429: CATEGORY_RATE_LIMIT,
        131056: CATEGORY_RATE_LIMIT,
        # "Re-engagement message": more than 24 h since the customer's last inbound message.
        131047: CATEGORY_WINDOW_CLOSED,
        131026: CATEGORY_UNDELIVERABLE,
        131049: CATEGORY_MARKETING_OPT_OUT,
        131050: CATEGORY_MARKETING_OPT_OUT,
        131051: CATEGORY_UNSUPPORTED,
        131052: CATEGORY_MEDIA,
        131053: CATEGORY_MEDIA,
        131008: CATEGORY_PARAMETER,
        131009: CATEGORY_PARAMETER,
        100: CATEGORY_PARAMETER,
        # 1 unknown API error, 2 service temporarily unavailable, 131000 something went wrong,
        # 131016 service unavailable, 135000 generic user error.
        131000: CATEGORY_TRANSIENT,
        131016: CATEGORY_TRANSIENT,
        135000: CATEGORY_TRANSIENT,
        1: CATEGORY_TRANSIENT,
        2: CATEGORY_TRANSIENT,
        # Template sends: 132000 parameter count, 132001 unknown name/language, 132005 text too long once
        # filled in, 132012 parameter format, 132015 paused, 132016 disabled.
        132000: CATEGORY_TEMPLATE,
        132001: CATEGORY_TEMPLATE,
        132005: CATEGORY_TEMPLATE,
        132012: CATEGORY_TEMPLATE,
        132015: CATEGORY_TEMPLATE,
        132016: CATEGORY_TEMPLATE,
        368: CATEGORY_POLICY,
        131031: CATEGORY_POLICY,
        130497: CATEGORY_POLICY,
    }
    # Graph reserves 200-299 for "permission not granted" variants (200 = generic, 2xx = scoped).
    CODE_RANGE_TO_CATEGORY = ((range(200, 300), CATEGORY_AUTH),)
    # window_closed is deliberately absent: Meta sometimes reports 131047 spuriously, so the
    # product *offers* a manual resend instead of retrying on its own (a template is the real fix).
    RETRYABLE_CATEGORIES = frozenset({CATEGORY_RATE_LIMIT, CATEGORY_TRANSIENT})


def as_error_code(code):
    """``int`` of a Meta error code, or ``None``. Meta sends JSON ints; digit strings are accepted
    because some relays and hand-written fixtures stringify them."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isascii() and code.strip().isdigit():
        return int(code.strip())
    return None


def classify(code):
    """Return the behaviour category (one of ``CATEGORIES``) of a Meta error code.

    :param code: int (or digit string) as found in ``error.code``; ``None`` or junk → ``unknown``
    """
    code = as_error_code(code)
    if code is None:
        return CATEGORY_UNKNOWN
    category = MetaErrorCodes.CODE_TO_CATEGORY.get(code)
    if category:
        return category
    for code_range, range_category in MetaErrorCodes.CODE_RANGE_TO_CATEGORY:
        if code in code_range:
            return range_category
    return CATEGORY_UNKNOWN


def is_retryable(code):
    """Whether a failure with this code may be retried automatically (rate limits, transient)."""
    return classify(code) in MetaErrorCodes.RETRYABLE_CATEGORIES


# ------------------------------------------------------------
# Retry schedule
# ------------------------------------------------------------

# Seconds to wait before retry number 1, 2, 3…; the last value repeats. Rate limits clear in
# seconds to minutes, Meta outages in up to an hour: this spans ~1.7 h over six attempts.
RETRY_BACKOFF_SECONDS = (10, 30, 120, 600, 1800, 3600)
# Jitter is added on top of the base delay (never subtracted: the base already is the minimum
# courtesy towards a rate limit), up to this fraction of it.
RETRY_JITTER_RATIO = 0.25


def next_retry_delay(attempt, seed=None):
    """Delay in whole seconds before retry number ``attempt`` (1 = first retry).

    Jitter spreads the retries of messages that failed together (a 130429 burst) so they do not
    hit the throughput limit again in lock-step. With a ``seed`` (e.g. the message id) the jitter
    is deterministic — same seed and attempt, same delay — which keeps tests and logs readable.

    :param int attempt: retries already scheduled plus one; values < 1 count as 1, values past
        the end of ``RETRY_BACKOFF_SECONDS`` reuse its last entry
    :param seed: any int/str/bytes; ``None`` → non-deterministic jitter
    """
    index = min(max(int(attempt), 1), len(RETRY_BACKOFF_SECONDS)) - 1
    base = RETRY_BACKOFF_SECONDS[index]
    # Seeding with the attempt too, so one message does not get the same jitter fraction every time.
    rng = random.Random(f"{seed}:{index}") if seed is not None else random.Random()
    return base + int(base * RETRY_JITTER_RATIO * rng.random())


# ------------------------------------------------------------
# Parsed error object
# ------------------------------------------------------------

@dataclass(frozen=True)
class MetaError:
    """One entry of an ``errors[]`` array as Meta sends it in webhooks.

    ``{"code": 131047, "title": "Re-engagement message", "message": "…",
    "error_data": {"details": "Message failed to send because more than 24 hours have passed…"}}``
    """

    code: int | None
    title: str
    message: str
    details: str

    @classmethod
    def from_dict(cls, error):
        """Build from one ``errors[]`` item; tolerant of missing keys, never raises for a dict."""
        error_data = error.get("error_data")
        details = error_data.get("details") if isinstance(error_data, dict) else None
        return cls(
            code=as_error_code(error.get("code")),
            title=_as_text(error.get("title")),
            message=_as_text(error.get("message")),
            details=_as_text(details),
        )

    @property
    def category(self):
        return classify(self.code)

    @property
    def retryable(self):
        return is_retryable(self.code)


def _as_text(value):
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)
