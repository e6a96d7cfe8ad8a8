# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""S3-compatible object storage for WhatsApp media, through boto3. Pure: no ORM.

The other backend, Odoo's filestore, is ``ir.attachment`` itself (see ``models/whatsapp_media.py``):
both offer the same four operations — put, get, delete, and a link to hand to a browser.

Object keys are random (``whatsapp/<32 hex>``): nothing of the customer (name, filename, number)
leaks into a key, and keys cannot be guessed or enumerated. sha256, MIME type and wamid travel as
object metadata. Presigned GETs live at most 5 minutes and name the file; everything but images,
audio and video is served as an attachment (downloaded, never rendered by the browser).
"""

import logging
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import quote

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # S3 is optional: the default filestore backend needs none of it
    boto3 = None

    class BotoCoreError(Exception):
        pass

    ClientError = BotoCoreError

_logger = logging.getLogger(__name__)

KEY_PREFIX = "whatsapp/"
MAX_PRESIGN_TTL = 300
INLINE_FAMILIES = ("image/", "audio/", "video/")
# S3's DeleteObjects takes at most 1,000 keys per request.
PURGE_BATCH = 1000
# A storage outage must fail a media job quickly (it is retried), not hold a cron worker.
CLIENT_CONFIG = {
    "connect_timeout": 5,
    "read_timeout": 60,
    "retries": {"max_attempts": 2, "mode": "standard"},
    "signature_version": "s3v4",
}


class StorageError(Exception):
    """The storage did not do what was asked (unreachable, refused, missing object)."""


@dataclass(frozen=True)
class S3Settings:
    """Where and how to reach the bucket. ``public_url`` (optional) is the endpoint browsers reach,
    when it differs from the one Odoo uses (MinIO inside docker-compose behind a proxy)."""

    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"
    path_style: bool = True
    public_url: str = ""

    def __repr__(self):  # never the secret
        return f"<S3Settings {self.endpoint_url} bucket={self.bucket}>"


def new_object_key(suffix=""):
    """A random key; ``suffix`` (e.g. ``".thumb.webp"``) only ever comes from our own constants."""
    return f"{KEY_PREFIX}{secrets.token_hex(16)}{suffix}"


def content_disposition(filename, mimetype, inline=None):
    """``inline`` for images, audio and video (unless told), ``attachment`` otherwise; RFC 6266 name."""
    if inline is None:
        inline = (mimetype or "").startswith(INLINE_FAMILIES)
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename or "file")
    return (f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; "
            f"filename*=UTF-8''{quote(filename or 'file', safe='')}")


class S3Storage:
    """One bucket. Thread-safe (boto3 clients are); build it with :func:`get_storage` to reuse it."""

    def __init__(self, settings):
        if boto3 is None:
            raise StorageError("S3 storage needs the boto3 Python package (pip install boto3)")
        self.settings = settings
        self.bucket = settings.bucket
        config = Config(s3={"addressing_style": "path" if settings.path_style else "virtual"},
                        region_name=settings.region or "us-east-1", **CLIENT_CONFIG)
        session = boto3.session.Session()
        self._client = session.client(
            "s3", endpoint_url=settings.endpoint_url or None, aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key, config=config)
        # Presigning is local (no request): a second client only to sign for the browsers' endpoint.
        self._signer = self._client if not settings.public_url else session.client(
            "s3", endpoint_url=settings.public_url, aws_access_key_id=settings.access_key,
            aws_secret_access_key=settings.secret_key, config=config)

    def __repr__(self):
        return f"<S3Storage {self.settings.endpoint_url} bucket={self.bucket}>"

    def put(self, key, fileobj, mimetype, metadata=None):
        """Upload ``fileobj`` (bytes or a binary file object, read from its current position)."""
        extra = {"ContentType": mimetype or "application/octet-stream",
                 "Metadata": {name: str(value) for name, value in (metadata or {}).items() if value}}
        try:
            if isinstance(fileobj, bytes | bytearray):
                self._client.put_object(Bucket=self.bucket, Key=key, Body=bytes(fileobj), **extra)
            else:
                self._client.upload_fileobj(fileobj, self.bucket, key, ExtraArgs=extra)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "upload")) from None

    def get(self, key):
        try:
            return self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "download")) from None

    def head(self, key):
        """``{"size", "mimetype", "metadata"}`` of an object."""
        try:
            answer = self._client.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "head")) from None
        return {"size": answer.get("ContentLength"), "mimetype": answer.get("ContentType"),
                "metadata": answer.get("Metadata") or {}}

    def delete(self, key):
        """Delete ``key``; deleting a missing object is not an error (S3 semantics)."""
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "delete")) from None

    def purge(self, keys):
        """Delete ``keys`` for good (LGPD erasure): when the bucket keeps versions, every version and
        delete marker of each key goes too. Missing keys are not an error; anything S3 refuses is.

        A plain ``delete`` on a versioned bucket only adds a delete marker: the bytes stay readable
        by version id. Exact keys only: the prefix listing may return longer keys, which are kept.
        """
        keys = list(dict.fromkeys(key for key in keys if key))
        if not keys:
            return
        try:
            versioning = self._client.get_bucket_versioning(Bucket=self.bucket).get("Status")
            if versioning in ("Enabled", "Suspended"):
                objects = []
                paginator = self._client.get_paginator("list_object_versions")
                for key in keys:
                    for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
                        objects += [{"Key": key, "VersionId": item["VersionId"]}
                                    for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
                                    if item.get("Key") == key]
            else:
                objects = [{"Key": key} for key in keys]
            for start in range(0, len(objects), PURGE_BATCH):
                answer = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": objects[start:start + PURGE_BATCH], "Quiet": True})
                if answer.get("Errors"):
                    raise StorageError(f"S3 purge failed: {answer['Errors'][0].get('Code')}")
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "purge")) from None

    def presigned_url(self, key, filename, mimetype, ttl=MAX_PRESIGN_TTL, inline=None):
        """A GET link valid ``ttl`` seconds (at most 5 minutes) that names the file and forces
        ``Content-Type`` and ``Content-Disposition`` (see :func:`content_disposition`)."""
        params = {
            "Bucket": self.bucket, "Key": key,
            "ResponseContentType": mimetype or "application/octet-stream",
            "ResponseContentDisposition": content_disposition(filename, mimetype, inline),
        }
        try:
            return self._signer.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=max(1, min(int(ttl), MAX_PRESIGN_TTL)))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "presign")) from None

    def check(self):
        """Reach the bucket (the settings' "Test" button): raise StorageError when it fails."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(_describe(error, "reach the bucket")) from None


_storages = {}
_storages_lock = threading.Lock()


def get_storage(settings):
    """The :class:`S3Storage` of these settings, built once per process (a boto3 client takes
    tens of milliseconds to build)."""
    with _storages_lock:
        storage = _storages.get(settings)
        if storage is None:
            if len(_storages) > 8:  # settings changed a few times: forget old clients
                _storages.clear()
            storage = _storages[settings] = S3Storage(settings)
        return storage


def _describe(error, action):
    """Error text without secrets: the S3 error code, or the botocore exception type."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code") or error.response.get(
            "ResponseMetadata", {}).get("HTTPStatusCode")
        return f"S3 {action} failed: {code}"
    return f"S3 {action} failed: {type(error).__name__}"

