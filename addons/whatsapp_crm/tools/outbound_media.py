# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""What WhatsApp accepts from us, per media kind, and what must be converted first. Pure: no ORM.

Meta's rules for sent media (``POST /{phone-number-id}/media``): image JPEG/PNG ≤ 5 MB; audio
AAC/AMR/MP3/MP4 audio/OGG (Opus only) ≤ 16 MB; video MP4/3GP with H.264 + AAC ≤ 16 MB; document
PDF/text/Office ≤ 100 MB. The type is judged on the bytes (libmagic), never on the file name.

:func:`plan` says, for one file, which kind it goes out as, which type it is uploaded with and which
conversion (if any) the outbound job applies — or why it cannot be sent (:class:`Refusal`).
"""

from dataclasses import dataclass

from .graph_api import MAX_CAPTION_LENGTH as CAPTION_MAX  # noqa: F401 - the caption rule reads it here
from .media_rules import SIZE_CAPS, base_mime

MIB = 1024 * 1024
# Kinds whose message carries a caption (Meta refuses one on audio and stickers).
CAPTION_KINDS = frozenset({"image", "video", "document"})

SEND_AS_IS = {
    "image": frozenset({"image/jpeg", "image/png"}),
    "video": frozenset({"video/mp4", "video/3gpp"}),
    "audio": frozenset({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}),
    "document": frozenset({
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }),
}
# libmagic's names for what Meta lists under another name.
SNIFF_ALIASES = {
    "audio/x-hx-aac-adts": "audio/aac",
    "audio/x-m4a": "audio/mp4",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "application/ogg": "audio/ogg",
    "video/x-m4v": "video/mp4",
    "application/cdfv2": "application/msword",
}
# Images Meta refuses but Pillow (or FFmpeg, for HEIC) turns into JPEG.
CONVERTIBLE_IMAGES = frozenset({"image/webp", "image/gif", "image/bmp", "image/x-ms-bmp", "image/tiff",
                                "image/heic", "image/heif"})
# Containers libmagic reports for Office files: the extension tells which Office type it is.
OFFICE_CONTAINERS = frozenset({"application/zip", "application/x-ole-storage", "application/octet-stream",
                               "application/encrypted"})
OFFICE_EXTENSIONS = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Plain-text formats a phone opens as text (CSV, logs…): sent as text/plain documents.
TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown", "text/x-log", "text/tab-separated-values"})

CONVERT_JPEG = "jpeg"
CONVERT_VOICE = "voice"    # OGG/Opus for a voice note (sent with "voice": true)
CONVERT_OPUS = "opus"      # OGG/Opus for an audio file Meta refuses
CONVERT_MP4 = "mp4"        # H.264/AAC MP4 (decided after probing the codecs)


@dataclass(frozen=True)
class Refusal:
    """Why a file cannot go to WhatsApp; ``code`` is worded for attendants by the model layer."""

    code: str      # "type" | "too_large" | "needs_conversion"
    kind: str = ""
    mimetype: str = ""
    size: int = 0
    limit: int = 0


@dataclass(frozen=True)
class Plan:
    """How one file goes out: as ``kind``, uploaded as ``mimetype`` after ``conversion`` (or none)."""

    kind: str
    mimetype: str
    conversion: str | None = None
    voice: bool = False

    @property
    def takes_caption(self):
        return self.kind in CAPTION_KINDS


def normalise(sniffed, filename=""):
    """The type Meta knows the file as: libmagic's aliases mapped, Office containers named by extension."""
    mimetype = base_mime(sniffed)
    mimetype = SNIFF_ALIASES.get(mimetype, mimetype)
    extension = (filename or "").rsplit(".", 1)[-1].lower() if "." in (filename or "") else ""
    if mimetype in OFFICE_CONTAINERS or (mimetype in SEND_AS_IS["document"] and extension in OFFICE_EXTENSIONS):
        mimetype = OFFICE_EXTENSIONS.get(extension, mimetype)
    if mimetype in TEXT_TYPES:
        mimetype = "text/plain"
    return mimetype


def plan(sniffed, size, *, filename="", voice=False, ogg_opus=None, can_convert_av=True):
    """The :class:`Plan` of a file, or a :class:`Refusal`.

    :param str sniffed: the type libmagic reads in the bytes
    :param int size: bytes
    :param bool voice: recorded as a voice note (Discuss's recorder marks its files)
    :param bool ogg_opus: for ``audio/ogg``, whether the codec is Opus (None: unknown, assumed not)
    :param bool can_convert_av: PyAV is installed (audio and video conversions need it)
    """
    mimetype = normalise(sniffed, filename)
    family = mimetype.split("/", 1)[0]
    if family == "image":
        if mimetype in SEND_AS_IS["image"] and size <= SIZE_CAPS["image"]:
            return Plan("image", mimetype)
        if mimetype in SEND_AS_IS["image"] or mimetype in CONVERTIBLE_IMAGES:
            if mimetype in ("image/heic", "image/heif") and not can_convert_av:
                return Refusal("needs_conversion", "image", mimetype)
            return Plan("image", "image/jpeg", CONVERT_JPEG)
        return Refusal("type", "image", mimetype)
    if family == "audio" or (voice and family == "video"):
        # A voice recording in WebM is audio, whatever libmagic calls the container.
        if size > SIZE_CAPS["audio"]:
            return Refusal("too_large", "audio", mimetype, size, SIZE_CAPS["audio"])
        if voice and can_convert_av:
            return Plan("audio", "audio/ogg", CONVERT_VOICE, voice=True)
        accepted = mimetype in SEND_AS_IS["audio"] and (mimetype != "audio/ogg" or ogg_opus)
        if accepted:
            return Plan("audio", mimetype)
        if can_convert_av:
            return Plan("audio", "audio/ogg", CONVERT_OPUS)
        return Refusal("needs_conversion", "audio", mimetype)
    if family == "video":
        if size > SIZE_CAPS["video"]:
            return Refusal("too_large", "video", mimetype, size, SIZE_CAPS["video"])
        if mimetype in SEND_AS_IS["video"]:
            # The codecs decide: the job probes and converts if they are not H.264/AAC.
            return Plan("video", mimetype, CONVERT_MP4 if can_convert_av else None)
        if can_convert_av:
            return Plan("video", "video/mp4", CONVERT_MP4)
        return Refusal("needs_conversion", "video", mimetype)
    if mimetype in SEND_AS_IS["document"]:
        if size > SIZE_CAPS["document"]:
            return Refusal("too_large", "document", mimetype, size, SIZE_CAPS["document"])
        return Plan("document", mimetype)
    return Refusal("type", "document", mimetype)
