from . import whatsapp_report_conversation
from . import whatsapp_report_cost_line
from . import whatsapp_report_cost
