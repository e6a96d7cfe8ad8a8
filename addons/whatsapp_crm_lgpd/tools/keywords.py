# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Opt-out keywords ("PARAR", "SAIR", "CANCELAR"): a message that is only the keyword. Pure: no ORM.

Matching the whole message, not a word inside it, keeps "não quero cancelar meu ingresso" from
opting anyone out; case, accents, spaces and end punctuation do not matter ("Parar!", "sair.").
"""

import unicodedata

_STRIP = " \t\r\n.,;:!?¡¿\"'()[]*_~-"


def normalize(text):
    """Upper case, no accents, single spaces, no surrounding punctuation."""
    if not isinstance(text, str):
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(plain.upper().split()).strip(_STRIP)


def parse_keywords(setting):
    """The keywords of a comma- or line-separated setting, normalized."""
    if not setting:
        return frozenset()
    parts = setting.replace("\n", ",").split(",")
    return frozenset(keyword for keyword in map(normalize, parts) if keyword)


def matching_keyword(text, keywords):
    """The keyword ``text`` consists of, or ``None``."""
    normalized = normalize(text)
    return normalized if normalized and normalized in keywords else None
