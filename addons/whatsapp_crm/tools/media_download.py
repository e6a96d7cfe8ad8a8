# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Fetch one inbound media file from Meta. Pure: no ORM; HTTP only through the Graph client.

Meta announces media by id; the bytes are behind a URL that ``GET /{media-id}`` hands out and that
lives about five minutes, so every attempt asks for a fresh one (and asks again once if it expired
on the way). The body is streamed into a spooled temporary file with the size cap of its kind
enforced while reading and its sha256 computed on the fly; whatever goes wrong, the partial file
is discarded — only a complete, verified file leaves this module.
"""

import hashlib
import logging
import tempfile
from dataclasses import dataclass

import requests

from .graph_api import GraphError
from .media_rules import (
    SIZE_CAPS,
    SNIFF_BYTES,
    MediaRejected,
    base_mime,
    check_size,
    served_mimetype,
    sha256_hex,
    sniff,
)

_logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
# Files up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_MAX_SIZE = 8 * 1024 * 1024
# Meta's answer for an unknown or expired object id: error 100, subcode 33.
EXPIRED_ID = (100, 33)
# What a media host answers for an expired signed URL.
EXPIRED_URL_STATUSES = (403, 404, 410)


class MediaUnavailable(Exception):
    """Meta no longer has the file (media ids from webhooks expire after 7 days)."""


class MediaDownloadError(Exception):
    """A transient failure (cut connection, truncated body, URL expired twice): try again later."""


@dataclass
class DownloadedMedia:
    """A complete, verified file. ``file`` is positioned at 0; the caller closes it."""

    file: tempfile.SpooledTemporaryFile
    size: int
    sha256: str          # hex
    mimetype: str        # what to store and serve it as (see media_rules.served_mimetype)
    sniffed: str
    declared: str

    def read_bytes(self):
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data

    def close(self):
        self.file.close()


def fetch_media(client, media_id, kind, *, expected_sha256=None, declared_mime=None, url_attempts=2):
    """Download and verify the media ``media_id`` of WhatsApp kind ``kind``.

    :param client: a ``WhatsAppGraphClient`` (the token travels only where it allows)
    :param str expected_sha256: the webhook's digest (base64 or hex), checked too when given
    :param str declared_mime: the webhook's MIME type, used when ``GET /{media-id}`` has none
    :param int url_attempts: fresh URLs to try when the media host says the URL expired
    :rtype: DownloadedMedia
    :raise MediaRejected: too large, size or sha256 mismatch, type lie — permanent
    :raise MediaUnavailable: Meta does not know the id any more — permanent
    :raise MediaDownloadError: transient, retry later
    :raise GraphError: any other Graph failure, to be classified by the caller
    """
    for attempt in range(1, url_attempts + 1):
        info = _media_info(client, media_id)
        check_size(kind, info["file_size"])
        try:
            return _download(client, info, kind, sha256_hex(expected_sha256),
                             info["mime_type"] or base_mime(declared_mime))
        except GraphError as error:
            if error.http_status not in EXPIRED_URL_STATUSES:
                raise
            _logger.info("WhatsApp media %s: download URL refused (HTTP %s), attempt %s",
                         media_id, error.http_status, attempt)
    raise MediaDownloadError("the media host refused every fresh download URL")


def _media_info(client, media_id):
    try:
        info = client.get_media(media_id)
    except GraphError as error:
        if (error.code, error.subcode) == EXPIRED_ID:
            raise MediaUnavailable(error.message) from None
        raise
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        raise MediaDownloadError("GET /{media-id} answered without a url")
    file_size = info.get("file_size")
    if isinstance(file_size, str) and file_size.isdigit():
        file_size = int(file_size)
    return {
        "url": info["url"],
        "file_size": file_size if isinstance(file_size, int) and not isinstance(file_size, bool) else None,
        "sha256": sha256_hex(info.get("sha256")),
        "mime_type": base_mime(info.get("mime_type")),
    }


def _download(client, info, kind, expected_sha256, declared):
    cap = SIZE_CAPS[kind]
    response = client.download_media(info["url"])
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)
    try:
        content_length = response.headers.get("Content-Length")
        content_length = int(content_length) if content_length and content_length.isdigit() else None
        check_size(kind, content_length)
        expected_size = info["file_size"] if info["file_size"] is not None else content_length
        # Never read more than announced: a body longer than its declared size is a lie.
        limit = min(cap, expected_size) if expected_size is not None else cap
        digest, size, head = hashlib.sha256(), 0, bytearray()
        try:
            for chunk in response.iter_content(CHUNK_SIZE):
                size += len(chunk)
                if size > limit:
                    check_size(kind, size)
                    raise MediaRejected("size_mismatch", f"more than the {expected_size} bytes announced")
                digest.update(chunk)
                spool.write(chunk)
                if len(head) < SNIFF_BYTES:
                    head += chunk[:SNIFF_BYTES - len(head)]
        except requests.RequestException as error:
            raise MediaDownloadError(f"download interrupted ({type(error).__name__})") from None
        if expected_size is not None and size < expected_size:
            raise MediaDownloadError(f"download truncated at {size} of {expected_size} bytes")
        actual = digest.hexdigest()
        for expected in filter(None, (info["sha256"], expected_sha256)):
            if expected != actual:
                raise MediaRejected("sha256_mismatch", "the bytes do not match Meta's sha256")
        sniffed = sniff(head)
        mimetype = served_mimetype(kind, declared, sniffed)
        spool.seek(0)
        return DownloadedMedia(spool, size, actual, mimetype, sniffed, declared)
    except BaseException:
        spool.close()  # no partial file survives a failure
        raise
    finally:
        response.close()
