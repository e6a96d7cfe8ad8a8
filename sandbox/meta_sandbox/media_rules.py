"""Which media Meta accepts on upload (``POST /{phone-number-id}/media``), and how big it may be."""

from .errors import GraphError

MB = 1024 * 1024
KB = 1024

# kind -> (accepted MIME types, size cap in bytes)
MEDIA_KINDS = {
    "image": ({"image/jpeg", "image/png"}, 5 * MB),
    # Meta accepts OGG only with the Opus codec; browsers' audio/webm and raw audio/opus are refused (131053).
    "audio": ({"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}, 16 * MB),
    "video": ({"video/mp4", "video/3gpp"}, 16 * MB),
    "document": ({
        "text/plain",
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }, 100 * MB),
    "sticker": ({"image/webp"}, 500 * KB),
}
STATIC_STICKER_CAP = 100 * KB


def base_mime(mime_type):
    """``'audio/ogg; codecs=opus'`` -> ``'audio/ogg'`` (parameters do not change what Meta accepts)."""
    return (mime_type or "").split(";", 1)[0].strip().lower()


def kind_of(mime_type):
    """The WhatsApp media kind a MIME type uploads as, or None when Meta refuses it."""
    mime = base_mime(mime_type)
    for kind, (mimes, _cap) in MEDIA_KINDS.items():
        if mime in mimes:
            return kind
    return None


def is_animated_webp(data):
    # An animated WebP is a VP8X container whose ANIM chunk follows the 30-byte header + VP8X chunk.
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP" and b"ANIM" in data[12:64]


def size_cap(kind, data):
    if kind == "sticker" and not is_animated_webp(data):
        return STATIC_STICKER_CAP
    return MEDIA_KINDS[kind][1]


def is_ogg_opus(data):
    """An Ogg stream whose first packet is the Opus identification header."""
    return data[:4] == b"OggS" and b"OpusHead" in data[:64]


def _is_text(data):
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4   # a multi-byte character cut by the 4 KB window
    return True


# (declared types, test on the bytes): Meta reads the file itself, the declared type must match it.
_SIGNATURES = [
    ({"image/jpeg"}, lambda d: d[:3] == b"\xff\xd8\xff"),
    ({"image/png"}, lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
    ({"image/webp"}, lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
    ({"audio/ogg"}, is_ogg_opus),
    ({"audio/mpeg"}, lambda d: d[:3] == b"ID3" or (len(d) > 1 and d[0] == 0xFF and d[1] & 0xE0 == 0xE0
                                                    and d[1] & 0x06 != 0)),
    ({"audio/aac"}, lambda d: len(d) > 1 and d[0] == 0xFF and d[1] & 0xF6 == 0xF0),
    ({"audio/amr"}, lambda d: d[:5] == b"#!AMR"),
    ({"audio/mp4", "video/mp4", "video/3gpp"}, lambda d: d[4:8] == b"ftyp"),
    ({"application/pdf"}, lambda d: d[:5] == b"%PDF-"),
    ({"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
     lambda d: d[:4] == b"PK\x03\x04"),
    ({"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"},
     lambda d: d[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
    ({"text/plain"}, _is_text),
]


def content_matches(mime_type, data):
    """Whether the bytes are what ``mime_type`` says (Meta judges the content, not the label)."""
    mime = base_mime(mime_type)
    return any(check(data) for mimes, check in _SIGNATURES if mime in mimes)


def check_upload(mime_type, data):
    """Raise 131053 like Meta for a refused type, content that is not the declared type (an OGG
    that is not Opus included) or an oversized file; return the media kind otherwise."""
    kind = kind_of(mime_type)
    if kind is None:
        accepted = ", ".join(sorted(m for mimes, _cap in MEDIA_KINDS.values() for m in mimes))
        raise GraphError(131053, f"Param file must be a file with one of the following types: {accepted}. "
                                 f"Received file of type '{base_mime(mime_type)}'.")
    if not data:
        raise GraphError(131053, "Param file must not be empty.")
    cap = size_cap(kind, data)
    if len(data) > cap:
        raise GraphError(131053, f"Param file must be a {kind} of at most {cap} bytes. "
                                 f"Received {len(data)} bytes.")
    if not content_matches(mime_type, data):
        raise GraphError(131053, f"Media upload error: the file's content is not of type '{base_mime(mime_type)}'"
                                 + (" (audio/ogg must be encoded with the Opus codec)"
                                    if base_mime(mime_type) == "audio/ogg" else "") + ".")
    return kind
