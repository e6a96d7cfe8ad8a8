from . import privacy_lookup_wizard
from . import privacy_lookup_wizard_line
from . import whatsapp_lgpd_anonymize_wizard
from . import whatsapp_consent_wizard
