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


def check_upload(mime_type, data):
    """Raise 131053 like Meta for a refused type or an oversized file; return the media kind otherwise."""
    kind = kind_of(mime_type)
    if kind is None:
        accepted = ", ".join(sorted(m for mimes, _cap in MEDIA_KINDS.values() for m in mimes))
        raise GraphError(131053, f"Param file must be a file with one of the following types: {accepted}. "
                                 f"Received file of type '{base_mime(mime_type)}'.")
    cap = size_cap(kind, data)
    if len(data) > cap:
        raise GraphError(131053, f"Param file must be a {kind} of at most {cap} bytes. "
                                 f"Received {len(data)} bytes.")
    if not data:
        raise GraphError(131053, "Param file must not be empty.")
    return kind
