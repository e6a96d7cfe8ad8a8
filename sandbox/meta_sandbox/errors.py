"""Meta Graph API errors: codes, titles, HTTP statuses and the exact error body shape.

Meta answers every failed Graph call with::

    {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException", "code": 131047,
               "error_subcode"?: 2494010, "error_data": {"messaging_product": "whatsapp", "details": "..."},
               "fbtrace_id": "AbCdEf..."}}

The same numeric codes (with a ``title``) appear in ``statuses[].errors[]`` and ``messages[].errors[]`` of webhooks,
so the titles below are shared with the webhook builders.
"""

from .ids import new_fbtrace_id

# Code -> (title used in "(#code) title" and in webhook errors[].title, default details).
ERRORS = {
    0: ("AuthException", "We were unable to authenticate the app user."),
    4: ("Application request limit reached", "The app has reached its API call rate limit."),
    10: ("Application does not have permission for this action", "Permission is either not granted or removed."),
    100: ("Invalid parameter", "Invalid parameter."),
    190: ("Invalid OAuth access token - Cannot parse access token", "The access token is invalid or expired."),
    200: ("Permission error", "Permission is either not granted or removed."),
    368: ("Temporarily blocked for policies violations", "The account is restricted for policy violations."),
    80007: ("Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    130497: ("Business account is restricted from messaging users in this country",
             "The business is not allowed to message users in this country."),
    131000: ("Something went wrong", "Message failed to send due to an unknown error."),
    131008: ("Required parameter is missing", "The request is missing a required parameter."),
    131009: ("Parameter value is not valid", "One or more parameter values are invalid."),
    131016: ("Service unavailable", "A service is temporarily unavailable."),
    131026: ("Message undeliverable", "Unable to deliver message."),
    131031: ("Account has been locked", "The business account was locked."),
    131047: ("Re-engagement message",
             "Message failed to send because more than 24 hours have passed since the customer last replied "
             "to this number."),
    131049: ("This message was not delivered to maintain healthy ecosystem engagement.",
             "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."),
    131050: ("Unable to deliver the message. This recipient has chosen to stop receiving marketing messages "
             "on WhatsApp from your business.", "The user stopped marketing messages."),
    131051: ("Message type unknown", "Message type is currently not supported."),
    131052: ("Media download error", "Unable to download the media sent by the user."),
    131053: ("Media upload error", "Unable to upload the media used in the message."),
    131056: ("(Business Account, Consumer Account) pair rate limit hit",
             "Message failed to send because there were too many messages sent from this phone number to the "
             "same phone number in a short period of time."),
    132000: ("Number of parameters does not match the expected number of params",
             "The number of variable parameter values does not match the number of variables in the template."),
    132001: ("Template name does not exist in the translation",
             "The template does not exist in the specified language or has not been approved."),
    132005: ("Translated text too long", "Translated text is too long."),
    132012: ("Parameter format does not match format in the created template",
             "Variable parameter values formatted incorrectly."),
    132015: ("Template is Paused", "The template is paused due to low quality."),
    132016: ("Template is Disabled", "The template has been permanently disabled due to low quality."),
    133010: ("Phone number Not Registered", "The phone number is not registered on the WhatsApp Business Platform."),
    135000: ("Generic user error", "Message failed to send because of an unknown error with the parameters."),
}

# Meta's HTTP status conventions as observed by partners: auth 401, throttling 429, its own outages 500.
_AUTH_CODES = {0, 190}
_RATE_LIMIT_CODES = {4, 80007, 130429, 131056}
_INTERNAL_CODES = {131000, 131016}


def http_status_for(code):
    """The HTTP status Meta pairs with an error code."""
    if code in _AUTH_CODES:
        return 401
    if code in _RATE_LIMIT_CODES:
        return 429
    if code in _INTERNAL_CODES:
        return 500
    return 400


def title_for(code):
    return ERRORS.get(code, ("Unknown error", ""))[0]


def details_for(code):
    return ERRORS.get(code, ("", "Unknown error."))[1]


class GraphError(Exception):
    """An error the Graph fake answers with, in Meta's exact shape."""

    def __init__(self, code, details=None, *, message=None, subcode=None, http_status=None,
                 error_type="OAuthException"):
        self.code = code
        self.details = details or details_for(code)
        # Meta prefixes most messages with "(#code)"; the OAuth token error famously has no prefix.
        self.message = message or (title_for(code) if code == 190 else f"(#{code}) {title_for(code)}")
        self.subcode = subcode
        self.http_status = http_status or http_status_for(code)
        self.error_type = error_type
        super().__init__(f"{code}: {self.message} ({self.details})")

    def body(self):
        error = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        error["fbtrace_id"] = new_fbtrace_id()
        return {"error": error}


def missing(param):
    """131008 for a required parameter that is absent, worded like Meta."""
    return GraphError(131008, f"The parameter {param} is required.")


def invalid(details):
    """131009 for a parameter that is present but wrong."""
    return GraphError(131009, details)


def object_not_found(object_id, method="get"):
    """Error 100 / subcode 33: what Meta answers for unknown, expired (media after 7/30 days) or foreign ids."""
    return GraphError(
        100,
        f"Object with ID '{object_id}' does not exist.",
        message=(f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded due "
                 "to missing permissions, or does not support this operation. Please read the Graph API "
                 "documentation at https://developers.facebook.com/docs/graph-api"),
        subcode=33,
        # Meta reports this one as a GraphMethodException, not an OAuthException.
        error_type="GraphMethodException",
    )
