from . import webhook
from . import contact_card
from . import attachment
