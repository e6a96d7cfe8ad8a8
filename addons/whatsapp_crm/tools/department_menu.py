# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""The greeting menu of departments: how it reads and how a customer's answer picks one.
Pure: no ORM, no I/O.

A customer answers a numbered menu the way people do on WhatsApp: "2", "2.", "opção 2", "2 - Educativo",
"Bilheteria", "bilheteria!", "EDUCATIVO" — or by tapping a button / a list row, whose reply id names the
department.
"""
import re
import unicodedata

# The reply id of a menu button or list row: the prefix and the department's id.
REPLY_PREFIX = "whatsapp_department_"
# The number the customer typed: alone, or first ("2 - Educativo"), or after a word ("opção 2").
_NUMBER_RE = re.compile(r"^(?:\D{0,12}?\s)?(\d{1,2})(?:\s*[-.):]\s*.*)?$")


def normalise(text):
    """Lower case, without accents, punctuation at the ends or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.casefold().split()).strip(" .,;:!?-*\"'()")


def choice_of(text, titles):
    """The position (0-based) in ``titles`` that ``text`` chooses, or None.

    :param str text: what the customer wrote
    :param list titles: the menu's entries, in the order shown (numbered from 1)
    """
    answer = normalise(text)
    if not answer:
        return None
    names = [normalise(title) for title in titles]
    if answer in names:
        return names.index(answer)
    match = _NUMBER_RE.match(answer)
    if match:
        position = int(match.group(1))
        if 1 <= position <= len(titles):
            return position - 1
    return None


def reply_id(department_id):
    return f"{REPLY_PREFIX}{department_id}"


def department_of_reply(reply):
    """The department id a tapped reply id names, or None."""
    if not reply or not str(reply).startswith(REPLY_PREFIX):
        return None
    value = str(reply)[len(REPLY_PREFIX):]
    return int(value) if value.isdigit() else None


def numbered_menu(intro, titles, instruction):
    """The text menu: the introduction, one numbered line per entry, the instruction."""
    lines = [f"{position} - {title}" for position, title in enumerate(titles, 1)]
    return "\n".join([intro, "", *lines, "", instruction]).strip()


def fill_opening(text, opening):
    """An absence message with its ``{{abertura}}`` replaced by ``opening``; None when the text has
    no such placeholder (the caller then adds the opening time itself)."""
    if "{{abertura}}" not in (text or ""):
        return None
    return text.replace("{{abertura}}", opening)
