from . import webhook
from . import contact_card
