"""Constants of the LGPD addon: consent vocabulary, request types and deadlines, job settings.

Selection labels are plain strings: Odoo exports and translates them with the fields.
"""
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# What every screen and every erased text shows in place of the person's data (Portuguese
# catalogue: "[Dados removidos]"), written in the company's language like the product's notices.
REMOVED = _lt("[Data removed]")

CONSENT_STATUSES = [
    ("unknown", "No record"),
    ("opted_in", "Opted in"),
    ("opted_out", "Opted out"),
]
CONSENT_SOURCES = [
    ("customer_initiated", "Message started by the customer"),
    ("keyword", "Opt-out keyword"),
    ("meta_preferences", "WhatsApp marketing preferences"),
    ("meta_error", "Refused by WhatsApp (error 131050)"),
    ("dpo", "Recorded by the DPO"),
]
# LGPD Art. 7: the legal bases that fit a helpdesk conversation.
LEGAL_BASES = [
    ("consent", "Consent (Art. 7, I)"),
    ("legal_obligation", "Legal obligation (Art. 7, II)"),
    ("contract", "Contract or preliminary steps (Art. 7, V)"),
    ("legal_claims", "Exercise of rights in proceedings (Art. 7, VI)"),
    ("legitimate_interest", "Legitimate interest (Art. 7, IX)"),
]
# A customer who writes first gives an unequivocal sign (Art. 8) that they want to talk to us.
FIRST_MESSAGE_LEGAL_BASIS = "consent"

OPT_OUT_KEYWORDS_PARAM = "whatsapp_crm_lgpd.opt_out_keywords"
DEFAULT_OPT_OUT_KEYWORDS = "PARAR, SAIR, CANCELAR"

# Meta's error when a user stopped marketing messages (the send is refused, not retried).
MARKETING_STOPPED_ERROR = 131050

# Art. 19, II: a full answer within 15 days of the request.
ANSWER_DAYS = 15
REQUEST_TYPES = [
    ("access", "Access (Art. 18, II)"),
    ("portability", "Portability (Art. 18, V)"),
    ("anonymization", "Anonymisation (Art. 18, IV)"),
    ("deletion", "Deletion (Art. 18, VI)"),
]
ERASURE_TYPES = ("anonymization", "deletion")

EXPORT_LINK_HOURS_PARAM = "whatsapp_crm_lgpd.export_link_hours"
DEFAULT_EXPORT_LINK_HOURS = 72
EXPORT_TOKEN_SCOPE = "whatsapp_crm_lgpd.export"  # noqa: S105 - the HMAC scope name, not a secret
EXPORT_ROUTE = "/whatsapp_lgpd/export"

# Rows an erasure step handles before it commits (and the request shows progress).
ERASE_BATCH = 5000
# Attempts of a failing job before it stops and waits for the DPO (a storage outage can last).
MAX_JOB_ATTEMPTS = 12
# The LGPD jobs' queue_job channel (data/queue_job_data.xml): exports and erasures, one job per request.
JOB_CHANNEL_LGPD = "root.whatsapp.lgpd"
# A request's job works this long at most, then hands over to a new job: a worker is never held for
# hours, and a prefork worker's time limit is never reached.
JOB_TIME_BUDGET_SECONDS = 60
