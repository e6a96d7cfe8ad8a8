# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""The forms a person's phone number takes, and its masked form for logs. Pure: no ORM.

Brazil added a 9 in front of mobile numbers (2012-2016); WhatsApp still reports some numbers without
it (``551187654321``) while the contact holds the canonical ``5511987654321``. Finding every trace of
one person therefore means looking for both.
"""

import re

_NON_DIGITS = re.compile(r"[^0-9]")
BRAZIL = "55"
# Shorter digit strings (an 8-digit local number) occur by chance in unrelated data.
MIN_DIGITS = 10


def digits_of(value):
    """ASCII digits of ``value`` ("+55 (11) 98765-4321" -> "5511987654321")."""
    return _NON_DIGITS.sub("", value or "") if isinstance(value, str) else ""


def phone_digit_variants(number):
    """The digit strings (country code first) under which ``number`` may be stored or sent.

    >>> sorted(phone_digit_variants("+55 11 98765-4321"))
    ['551187654321', '5511987654321']
    """
    digits = digits_of(number)
    if len(digits) < MIN_DIGITS:
        return set()
    variants = {digits}
    if digits.startswith(BRAZIL):
        national = digits[len(BRAZIL):]
        area, local = national[:2], national[2:]
        if len(local) == 9 and local[0] == "9":
            variants.add(BRAZIL + area + local[1:])
        elif len(local) == 8 and local[0] in "6789":
            variants.add(BRAZIL + area + "9" + local)
    return variants


def phone_text_forms(number):
    """Every way people and systems write ``number``: E.164, national, with and without the 9th
    digit, with punctuation. Used to prove that nothing of it is left anywhere."""
    forms = set()
    for digits in phone_digit_variants(number):
        forms |= {digits, f"+{digits}"}
        if digits.startswith(BRAZIL):
            national = digits[len(BRAZIL):]
            area, local = national[:2], national[2:]
            head, tail = local[:-4], local[-4:]
            forms |= {
                national, f"0{national}", local,
                f"({area}) {head}-{tail}", f"({area}) {local}", f"{area} {head}-{tail}", f"{area} {local}",
                f"+55 {area} {head}-{tail}", f"+55 ({area}) {head}-{tail}", f"+55 {area} {local}",
                f"55 {area} {head}-{tail}", f"{head}-{tail}", f"{area}{head}-{tail}",
            }
    return forms


def mask_phone(number):
    """A phone number with only its country code, area code and last two digits left.

    "+55 11 98765-4321" -> "+55 11 *******21": enough for the DPO to tell two lookups apart,
    useless for calling or for finding the person.
    """
    digits = digits_of(number)
    if len(digits) < 6:
        return "*" * len(digits)
    return f"+{digits[:2]} {digits[2:4]} {'*' * (len(digits) - 6)}{digits[-2:]}"


def like_patterns(needles):
    """SQL ``LIKE`` patterns matching any text that contains one of ``needles`` (escaped)."""
    return ["%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for needle in sorted(set(needles)) if needle]
