"""One form per WhatsApp number.

Meta still reports some Brazilian mobiles in their pre-2016 form, without the 9th digit
(``551187654321`` for ``5511987654321``). Mobiles of that form started with 6 to 9; today every
Brazilian mobile is those eight digits behind a 9. phonenumbers cannot settle it: its metadata
still accepts eight-digit mobiles starting with 7 (the retired radio networks), so
``551179127456`` would stay a second person.
"""

import re

_BR_MOBILE_WITHOUT_NINE = re.compile(r"55([1-9][0-9])([6-9][0-9]{7})")


def canonical_wa_id(wa_id):
    """``5511987654321`` for ``551187654321``: a Brazilian mobile gets its 9th digit; anything else
    is returned as is."""
    match = _BR_MOBILE_WITHOUT_NINE.fullmatch(wa_id or "")
    return f"55{match.group(1)}9{match.group(2)}" if match else wa_id
