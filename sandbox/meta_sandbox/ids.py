"""Random identifiers shaped like Meta's (wamids, numeric Graph ids, fbtrace ids)."""

import base64
import secrets
import string

_ALNUM = string.ascii_letters + string.digits


def new_wamid(phone=None):
    """A WhatsApp message id: ``wamid.`` + base64 of a small protobuf-like record.

    Real wamids decode to ``1c 18 <len> <phone digits> 15 02 00 11 18 12 <18 hex chars> 00``; this reproduces
    that layout (hence the familiar ``wamid.HBgN...`` prefix for 13-digit numbers) with a random tail, so the ids
    look real in logs and are unique.
    """
    digits = "".join(ch for ch in (phone or "") if ch.isdigit()) or "".join(secrets.choice(string.digits)
                                                                          for _ in range(13))
    raw = (b"\x1c\x18" + bytes([len(digits)]) + digits.encode() + b"\x15\x02\x00\x11\x18\x12"
           + secrets.token_hex(9).upper().encode() + b"\x00")
    return "wamid." + base64.b64encode(raw).decode()


def new_numeric_id(length=16):
    """A Graph object id (media, template, phone number...): a decimal string without leading zero."""
    return str(secrets.randbelow(9) + 1) + "".join(secrets.choice(string.digits) for _ in range(length - 1))


def new_fbtrace_id():
    return "".join(secrets.choice(_ALNUM) for _ in range(23))


def new_token():
    """An unguessable URL-safe token (media download links)."""
    return secrets.token_urlsafe(24)
