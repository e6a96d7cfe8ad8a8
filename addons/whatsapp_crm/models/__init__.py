from . import whatsapp_account
from . import whatsapp_inbox
from . import whatsapp_message
from . import whatsapp_message_status
from . import discuss_channel
from . import mail_message
from . import res_partner
