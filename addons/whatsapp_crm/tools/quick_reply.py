# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Variables of quick replies and of the automatic messages (farewell, nudges). Pure: no ORM.

An attendant writes ``{{saudacao}}, {{primeiro_nome}}! Seu protocolo é {{protocolo}}.`` once; each
conversation gets ``Bom dia, Maria! Seu protocolo é 2026-000123.``. The names are Portuguese because
the attendants type them; spaces inside the braces and upper case are tolerated
(``{{ Nome }}``). An unknown name is left as typed, so a typo shows instead of vanishing.
"""

import re
from datetime import datetime

VARIABLES = ("nome", "primeiro_nome", "protocolo", "atendente", "setor", "saudacao")
_VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_]+)\s*\}\}")
# A greeting at the start of a sentence is capitalised: "Bom dia, Maria" but "Olá, bom dia".
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?\n]\s*)$")


def fill(text, values):
    """``text`` with every known ``{{variable}}`` replaced by ``values[name]`` (missing: empty).

    The greeting (``saudacao``) is given in lower case; it is capitalised where a sentence starts.
    """
    if not text:
        return text or ""

    def replace(match):
        name = match.group(1).lower()
        if name not in VARIABLES:
            return match.group(0)
        value = str(values.get(name) or "")
        if name == "saudacao" and _SENTENCE_START_RE.search(match.string[:match.start()]):
            value = value[:1].upper() + value[1:]
        return value

    return _VARIABLE_RE.sub(replace, text)


def first_name(name):
    """The first word of a customer's name ("Maria" of "Maria Souza"), or the name itself."""
    words = (name or "").split()
    return words[0] if words else ""


def greeting_period(local_time):
    """``"morning"`` from 05:00, ``"afternoon"`` from 12:00, ``"evening"`` from 18:00 until 04:59.

    :param datetime local_time: the time where the company is (naive or aware, only the hour counts)
    """
    if not isinstance(local_time, datetime):
        raise TypeError("local_time must be a datetime")
    hour = local_time.hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    return "evening"
