"""Phone-number canonicalisation the way Meta settles it in send responses (``contacts[].wa_id``)."""


def digits_only(number):
    return "".join(ch for ch in str(number) if ch.isdigit())


def canonical_wa_id(number):
    """The ``wa_id`` Meta returns for a ``to`` number.

    Brazil added a 9th digit to mobile numbers (55 + 2-digit area code + 9 + 8 digits = 13 digits). Businesses
    still hold the old 12-digit form (55 + DDD + 8 digits starting 6-9, i.e. a mobile range); the sandbox settles
    those to the 13-digit form, so callers learn the canonical number from the response. Everything else is
    returned as digits, unchanged.
    """
    digits = digits_only(number)
    if len(digits) == 12 and digits.startswith("55") and digits[4] in "6789":
        return digits[:4] + "9" + digits[4:]
    return digits
