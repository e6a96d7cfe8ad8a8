# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""What we accept from a customer's media, and how it may be shown. Pure: no ORM, no I/O.

- size caps per WhatsApp media kind (Meta's own limits, in MiB so a file at Meta's limit passes);
- the served MIME type: sniffed from the bytes (libmagic), compared with what Meta declared; a kind
  that previews inline (image, sticker, audio, video) must sniff into its family, or the file is
  refused; anything a browser could run (HTML, SVG, XML, JavaScript) is only ever served as
  ``application/octet-stream``;
- display filenames: no path, no control or bidi characters, bounded length;
- Meta's sha256, base64 in webhooks and hex in ``GET /{media-id}``, compared in one form.
"""

import base64
import binascii
import os
import re
import unicodedata

import magic

MIB = 1024 * 1024
# Meta: image 5 MB, audio and video 16 MB, document 100 MB, sticker 100 KB static / 500 KB animated
# (the animated flag is the sender's word: one cap for both).
SIZE_CAPS = {
    "image": 5 * MIB,
    "sticker": 512 * 1024,
    "audio": 16 * MIB,
    "video": 16 * MIB,
    "document": 100 * MIB,
}
# How many leading bytes libmagic needs to recognise every type we accept.
SNIFF_BYTES = 8192

OCTET_STREAM = "application/octet-stream"
# What a kind previewed inline may really be. A mismatch is a lie (or a broken file): refused.
KIND_FAMILIES = {
    "image": frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
    "sticker": frozenset({"image/webp", "image/png"}),
    "audio": frozenset({"audio/ogg", "audio/opus", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/aac",
                        "audio/x-hx-aac-adts", "audio/amr", "audio/webm", "video/mp4", "application/ogg",
                        "video/webm"}),
    "video": frozenset({"video/mp4", "video/3gpp", "video/quicktime", "video/webm", "video/x-m4v"}),
}
# Containers libmagic reports for office files and other formats it cannot name more precisely:
# there the sender's declared type says more, as long as it is not one a browser would run.
GENERIC_SNIFFS = frozenset({
    OCTET_STREAM, "application/zip", "application/x-ole-storage", "application/cdfv2",
    "application/encrypted", "text/plain",
})
RASTER_IMAGES = KIND_FAMILIES["image"]

_ACTIVE_CONTENT = re.compile(r"html|xml|svg|javascript|ecmascript|x-sh\b|x-shellscript")
_OFFICE_XML = "application/vnd.openxmlformats-"
# Control characters, bidi overrides/isolates and zero-width characters: "‮fdp.exe" reads "exe.pdf".
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_RESERVED = re.compile(r'[<>:"|?*]')
MAX_FILENAME_LENGTH = 120


class MediaRejected(Exception):
    """The file is not what it claims to be (or is too big): keeping or retrying it is pointless."""

    def __init__(self, reason, message=""):
        super().__init__(message or reason)
        self.reason = reason


def base_mime(mime_type):
    """``"audio/ogg; codecs=opus"`` → ``"audio/ogg"``; junk → ``""``."""
    if not isinstance(mime_type, str):
        return ""
    return mime_type.split(";", 1)[0].strip().lower()


def is_active_content(mime_type):
    """Whether a browser given this type could run script (HTML, SVG, XML, JS) — never served inline."""
    mime_type = base_mime(mime_type)
    return bool(_ACTIVE_CONTENT.search(mime_type)) and not mime_type.startswith(_OFFICE_XML)


def sniff(head):
    """The MIME type libmagic reads in the first bytes of a file."""
    return base_mime(magic.from_buffer(bytes(head[:SNIFF_BYTES]), mime=True)) or OCTET_STREAM


def served_mimetype(kind, declared, sniffed):
    """The type we store and serve the file as, or raise :class:`MediaRejected`.

    :param str kind: WhatsApp media kind (``image``, ``sticker``, ``audio``, ``video``, ``document``)
    :param str declared: the type Meta announced (webhook or ``GET /{media-id}``)
    :param str sniffed: :func:`sniff` of the bytes
    """
    declared, sniffed = base_mime(declared), base_mime(sniffed)
    family = KIND_FAMILIES.get(kind)
    if family is not None:
        if sniffed not in family:
            raise MediaRejected("mime_mismatch", f"{kind} declared {declared or '-'}, bytes are {sniffed}")
        return sniffed
    mimetype = sniffed
    if sniffed in GENERIC_SNIFFS and declared and declared != "text/plain":
        # An office document is a zip or an OLE file to libmagic; the sender's type is more precise.
        mimetype = declared
    if is_active_content(mimetype) or (mimetype.startswith("image/") and mimetype not in RASTER_IMAGES):
        # Images are shown inline only in the formats we can bound before decoding (thumbnails.py).
        return OCTET_STREAM
    return mimetype


def check_size(kind, size):
    """Raise :class:`MediaRejected` if ``size`` bytes exceed the cap of ``kind``."""
    cap = SIZE_CAPS.get(kind, SIZE_CAPS["document"])
    if size is not None and size > cap:
        raise MediaRejected("too_large", f"{size} bytes, {kind} cap is {cap}")


def sha256_hex(value):
    """Meta's sha256 as lowercase hex, whether it came as hex (Graph) or base64 (webhook); else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return value.lower()
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest.hex() if len(digest) == 32 else None


def sanitize_filename(name, default="file"):
    """A filename safe to display and to offer for download.

    Keeps the customer's name readable but drops what could deceive or escape: directories
    (``../../etc/passwd`` → ``passwd``), control characters (CR/LF header injection), bidi overrides
    and zero-width characters, characters Windows refuses, leading dots; bounded length, extension kept.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _RESERVED.sub("_", _INVISIBLE.sub("", name))
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, extension = os.path.splitext(name)
        extension = extension[:16]
        name = stem[:MAX_FILENAME_LENGTH - len(extension)].rstrip(" .") + extension
    return name or default
