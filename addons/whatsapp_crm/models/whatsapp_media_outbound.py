import hashlib
import logging
from datetime import timedelta

from odoo import api, fields, models

from ..tools.media_rules import SNIFF_BYTES, sanitize_filename
from ..tools.media_storage import StorageError, get_storage, new_object_key

_logger = logging.getLogger(__name__)

# Meta keeps an uploaded file 30 days; a media id is reused only while a day of that remains.
UPLOAD_LIFETIME = timedelta(days=30)
REUSE_MARGIN = timedelta(days=1)


class WhatsAppMedia(models.Model):
    """The file an attendant sent: the same record as a customer's file (same storage, same
    export and erasure), on an outbound message, ``stored`` from the start, with the media id of
    its upload.

    ``attachment_id`` is the file that went out: the attendant's own attachment when WhatsApp took
    it as it is, or the converted copy (a JPEG, an OGG/Opus voice note, an H.264 MP4) kept next to
    it. With S3 storage, that file's bytes move to the bucket like a customer's.
    """

    _inherit = "whatsapp.media"

    uploaded_at = fields.Datetime(readonly=True, help="Outbound: when the file was uploaded to WhatsApp.")

    _outbound_reuse_index = models.Index("(sha256, uploaded_at) WHERE uploaded_at IS NOT NULL")

    # ------------------------------------------------------------
    # OUTBOUND
    # ------------------------------------------------------------

    def _outbound_usable(self):
        """This upload may still be sent by its id (Meta has not forgotten it)."""
        self.ensure_one()
        return bool(self.meta_media_id) and (not self.expires_at or self.expires_at > fields.Datetime.now())

    @api.model
    def _outbound_find_reusable(self, account, sha256, kind):
        """A file with these exact bytes uploaded for ``account`` recently enough to be sent again."""
        return self.search([
            ("uploaded_at", "!=", False),
            ("sha256", "=", sha256),
            ("kind", "=", kind),
            ("state", "=", "stored"),
            ("message_id.account_id", "=", account.id),
            ("expires_at", ">", fields.Datetime.now() + REUSE_MARGIN),
        ], order="uploaded_at desc", limit=1)

    @api.model
    def _outbound_reuse(self, message, reusable, attachment):
        """The part's media record for an upload made by another message: Meta's media id is
        shared, the file kept is this message's own attachment (erasing one conversation never
        removes another's file)."""
        media = self.create({
            "message_id": message.id,
            "kind": reusable.kind,
            "meta_media_id": reusable.meta_media_id,
            "mimetype": reusable.mimetype,
            "file_size": reusable.file_size,
            "sha256": reusable.sha256,
            "original_filename": attachment.name,
            # A document goes out under this message's own file name, whoever uploaded the bytes first.
            "filename": sanitize_filename(attachment.name or "", default="file") if reusable.kind == "document"
            else reusable.filename,
            "is_voice": reusable.is_voice,
            "state": "stored",
            "uploaded_at": reusable.uploaded_at,
            "expires_at": reusable.expires_at,
        })
        media._outbound_keep_file(self._attachment_bytes(attachment), attachment, converted=False)
        return media

    @api.model
    def _outbound_create(self, message, *, meta_media_id, kind, mimetype, data, filename, voice, attachment,
                         converted):
        now = fields.Datetime.now()
        media = self.create({
            "message_id": message.id,
            "kind": kind,
            "meta_media_id": meta_media_id,
            "mimetype": mimetype,
            "file_size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "original_filename": attachment.name,
            "filename": filename,
            "is_voice": voice,
            "state": "stored",
            "uploaded_at": now,
            "expires_at": now + UPLOAD_LIFETIME,
        })
        media._outbound_keep_file(data, attachment, converted)
        return media

    def _outbound_keep_file(self, data, attachment, converted):
        """Keep what went out where customers' files are kept (filestore or S3).

        A converted file becomes an attachment of the conversation next to the original (not shown
        in the message: the attendant's original stays there). An S3 outage never blocks a send:
        the file stays in the filestore and the log says so.
        """
        self.ensure_one()
        backend = self._storage_backend()
        key = False
        if backend == "s3":
            key = new_object_key()
            try:
                get_storage(self._s3_settings(required=True)).put(
                    key, data, self.mimetype, {"sha256": self.sha256, "mime-type": self.mimetype})
            except StorageError as error:
                _logger.warning("WhatsApp media %s: kept in the filestore, S3 refused it (%s)", self.id, error)
                key = False
        if converted:
            kept = self._create_attachment(self.filename, self.mimetype, raw=None if key else data, size=len(data))
        else:
            kept = attachment
            if key:
                self._outbound_strip(attachment, len(data))
        self.write({"attachment_id": kept.id, "storage": "s3" if key else "filestore", "storage_key": key})

    @api.model
    def _outbound_strip(self, attachment, size):
        """The attendant's attachment now lives in S3: it becomes a stub served by a presigned link."""
        mimetype = attachment.mimetype
        # sudo: ir.attachment - the sent file moves to the media storage; access is unchanged
        attachment_sudo = attachment.sudo()
        attachment_sudo.write({"raw": False})
        self.env.cr.execute("UPDATE ir_attachment SET file_size = %s, mimetype = %s WHERE id = %s",
                            [size, mimetype, attachment.id])
        attachment_sudo.invalidate_recordset(["file_size", "mimetype"])

    @api.model
    def _attachment_bytes(self, attachment):
        """The bytes of an attachment wherever they are (an S3 stub's are in the bucket)."""
        # sudo: ir.attachment - the file of a message the send queue handles
        attachment_sudo = attachment.sudo()
        stub_media = attachment_sudo._whatsapp_s3_media()
        if stub_media:
            return stub_media._file_content()
        return attachment_sudo.raw or b""

    @api.model
    def _attachment_head(self, attachment, size=SNIFF_BYTES):
        """The first bytes of an attachment, without reading a 100 MB document whole."""
        # sudo: ir.attachment - the file of a message the send queue handles
        attachment_sudo = attachment.sudo()
        if attachment_sudo.store_fname:
            try:
                with open(attachment_sudo._full_path(attachment_sudo.store_fname), "rb") as file:
                    return file.read(size)
            except OSError:
                pass  # missing from the filestore: raw says what Odoo knows
        return self._attachment_bytes(attachment_sudo)[:size]
