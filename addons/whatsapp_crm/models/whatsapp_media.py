import base64
import logging
import mimetypes
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command
from odoo.http import Stream

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.queue_job.exception import RetryableJobError

from ..const import ADMIN_AND_PROCESSING, JOB_CHANNEL_MEDIA
from ..tools import meta_errors
from ..tools.graph_api import GraphError
from ..tools.media_download import MediaDownloadError, MediaUnavailable, fetch_media
from ..tools.media_rules import OCTET_STREAM, RASTER_IMAGES, MediaRejected, sanitize_filename, sha256_hex
from ..tools.media_storage import S3Settings, StorageError, get_storage, new_object_key
from ..tools.thumbnails import THUMBNAIL_MIMETYPE, ThumbnailError, make_thumbnail
from ..tools.webhook_payload import MEDIA_KINDS
from .whatsapp_job import commit_step, delay

_logger = logging.getLogger(__name__)

# Meta keeps the media of a webhook for 7 days; after that GET /{media-id} answers "does not exist".
MEDIA_ID_LIFETIME = timedelta(days=7)
PARAM = "whatsapp_crm.%s"
EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
    "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/aac": ".aac", "audio/amr": ".amr",
    "video/mp4": ".mp4", "video/3gpp": ".3gp", "application/pdf": ".pdf",
}


class WhatsAppMedia(models.Model):
    """The file of an inbound WhatsApp message: a download queue and its state machine.

    ``pending`` → ``stored`` (the file is an ``ir.attachment`` of the Discuss message, its bytes in
    Odoo's filestore or in S3) | ``failed`` (the file is not acceptable: too big, damaged, not what it
    claims) | ``unavailable`` (Meta no longer has it). Transient failures stay ``pending`` with a
    later ``next_attempt_at``, until Meta's 7-day expiry. A job per file (OCA queue_job) downloads
    it, one attempt per run, so a text message is never held back by a download.
    """

    _name = "whatsapp.media"
    _description = "WhatsApp Media"
    _order = "id desc"
    _rec_name = "filename"

    STATES = [
        ("pending", "Pending"),
        ("stored", "Stored"),
        ("failed", "Failed"),
        ("unavailable", "Unavailable"),
    ]
    KINDS = [(kind, kind.capitalize()) for kind in MEDIA_KINDS]
    # Why a file is not shown; the labels are what attendants read under the message.
    REASONS = [
        ("too_large", "The file is larger than WhatsApp allows for its type."),
        ("size_mismatch", "The file's size does not match what WhatsApp announced."),
        ("sha256_mismatch", "The file arrived damaged (its checksum does not match WhatsApp's)."),
        ("mime_mismatch", "The file is not what it claims to be, so it is not shown."),
        ("refused_url", "WhatsApp pointed to a download address we do not trust."),
        ("expired", "WhatsApp no longer has this file (it keeps media for 7 days)."),
        ("gave_up", "WhatsApp did not hand over this file before it expired."),
    ]
    REASON_STATE = {"expired": "unavailable", "gave_up": "unavailable", "refused_url": "failed"}
    STORAGES = [("filestore", "Odoo filestore"), ("s3", "S3 object storage")]

    message_id = fields.Many2one("whatsapp.message", required=True, index=True, ondelete="cascade", readonly=True)
    channel_id = fields.Many2one(related="message_id.channel_id")
    # Stored for Odoo's multi-company record rule (security/whatsapp_crm_rules.xml).
    company_id = fields.Many2one(related="message_id.company_id", store=True, index=True)
    attachment_id = fields.Many2one("ir.attachment", index="btree_not_null", ondelete="set null", readonly=True)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    meta_media_id = fields.Char("WhatsApp Media ID", required=True, readonly=True, groups=ADMIN_AND_PROCESSING)
    declared_mimetype = fields.Char("Declared Type", readonly=True, help="The MIME type WhatsApp announced.")
    mimetype = fields.Char("Type", readonly=True, help="The type read from the file itself, as it is served.")
    file_size = fields.Integer(readonly=True)
    sha256 = fields.Char("SHA-256", readonly=True, help="Hex digest announced by WhatsApp, then verified.")
    original_filename = fields.Char(readonly=True, help="The document's name as the customer's phone sent it.")
    filename = fields.Char(readonly=True, help="The name shown and offered for download (sanitised).")
    is_voice = fields.Boolean("Voice Note", readonly=True)
    is_animated = fields.Boolean("Animated", readonly=True)
    storage = fields.Selection(STORAGES, readonly=True)
    storage_key = fields.Char(readonly=True, copy=False, groups=ADMIN_AND_PROCESSING,
                              help="Object key in S3 (random).")
    thumbnail_key = fields.Char(readonly=True, copy=False, groups=ADMIN_AND_PROCESSING)
    state = fields.Selection(STATES, required=True, default="pending", readonly=True, index=True)
    failure_reason = fields.Selection(REASONS, readonly=True)
    error_detail = fields.Char(readonly=True, groups=ADMIN_AND_PROCESSING,
                               help="Technical detail of the last failure, for administrators.")
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    expires_at = fields.Datetime(readonly=True, help="When WhatsApp forgets the file.")

    _message_unique = models.UniqueIndex("(message_id)")
    _due_index = models.Index("(next_attempt_at, id) WHERE state = 'pending'")

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def unlink(self):
        self._delete_objects_after_commit()
        return super().unlink()

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_retry(self):
        """Administrators: try again (e.g. after fixing the storage or the token)."""
        now = fields.Datetime.now()
        for media in self.filtered(lambda media: media.state != "stored"):
            media.write({
                "state": "pending", "next_attempt_at": now, "failure_reason": False,
                # Past Meta's expiry the retries still stop: an hour of them at most.
                "expires_at": max(media.expires_at or now, now + timedelta(hours=1)),
            })
            media._enqueue_download()

    # ------------------------------------------------------------
    # QUEUE
    # ------------------------------------------------------------

    @api.model
    def _enqueue(self, message, media_ref):
        """Queue the file of ``message`` (a ``MediaRef`` of the webhook): a job downloads it."""
        now = fields.Datetime.now()
        sent_at = message.meta_timestamp
        # Meta counts the 7 days from the customer's upload; a clock far off counts from now.
        start = sent_at if sent_at and now - MEDIA_ID_LIFETIME < sent_at <= now else now
        media = self.create({
            "message_id": message.id,
            "kind": message.message_type,
            "meta_media_id": media_ref.media_id,
            "declared_mimetype": media_ref.mime_type,
            "sha256": sha256_hex(media_ref.sha256),
            "original_filename": media_ref.filename,
            "filename": sanitize_filename(media_ref.filename) if media_ref.filename else False,
            "is_voice": media_ref.voice,
            "is_animated": media_ref.animated,
            "next_attempt_at": now,
            "expires_at": start + MEDIA_ID_LIFETIME,
        })
        media._enqueue_download()
        return media

    def _enqueue_download(self):
        # One job per file and attempt schedule (identity key: a retry requested while a job waits
        # is that job). Unlimited retries: _schedule_retry stops at Meta's expiry.
        for media in self:
            delay(media, channel=JOB_CHANNEL_MEDIA, identity_key=f"whatsapp_crm.media:{media.id}", max_retries=0,
                  description=f"WhatsApp: download the file of message {media.message_id.id}")._job_download()

    def _job_download(self):
        """One attempt at the file, committed; postponed (``RetryableJobError``) when it must be tried again."""
        self.ensure_one()
        # Row lock: a retry requested by an administrator meanwhile waits for this attempt.
        self.env.cr.execute("SELECT id FROM whatsapp_media WHERE id = %s FOR UPDATE", [self.id])
        if self.state != "pending":
            return f"nothing to do: the file is {self.state}"
        self._download()
        commit_step(self.env)
        if self.state == "pending" and self.next_attempt_at:
            wait = max(int((self.next_attempt_at - fields.Datetime.now()).total_seconds()), 1)
            raise RetryableJobError(self.error_detail or "retry", seconds=wait)
        return self.state

    # ------------------------------------------------------------
    # DOWNLOAD (one attempt)
    # ------------------------------------------------------------

    def _download(self):
        """One attempt at the file. Never raises: every outcome is a state (or a retry)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._fetch_and_store()
        except MediaRejected as error:
            self._set_final(error.reason, str(error))
        except MediaUnavailable as error:
            self._set_final("expired", str(error))
        except GraphError as error:
            if error.category == meta_errors.CATEGORY_AUTH:
                self.message_id.account_id._mark_auth_error(error)
            if error.category == meta_errors.CATEGORY_POLICY and not 400 <= (error.http_status or 0) < 600:
                # Refused on our side (allowlist, private address, redirect): retrying cannot help.
                self._set_final("refused_url", error.message)
            else:
                self._schedule_retry(f"Graph: {error}")
        except (MediaDownloadError, StorageError) as error:
            self._schedule_retry(str(error))
        except Exception as error:
            # A bug or an unforeseen failure: retried like the rest, because a cron that raises
            # 5 times in a row is deactivated, and the other files must go on.
            _logger.exception("WhatsApp media %s: unexpected failure", self.id)
            self._schedule_retry(f"{type(error).__name__}: {error}")

    def _fetch_and_store(self):
        client = self.message_id.account_id._graph_client()
        try:
            downloaded = fetch_media(client, self.meta_media_id, self.kind, expected_sha256=self.sha256,
                                     declared_mime=self.declared_mimetype)
        finally:
            client.close()
        try:
            self._store(downloaded)
        finally:
            downloaded.close()

    def _store(self, downloaded):
        """Thumbnail, storage, attachment, message: the file becomes visible in the conversation."""
        mimetype, thumbnail, detail = downloaded.mimetype, None, False
        if mimetype in RASTER_IMAGES:
            try:
                thumbnail, _dimensions = make_thumbnail(downloaded.file)
            except ThumbnailError as error:
                # Kept, but never shown inline: a browser would decode what we refused to decode.
                mimetype, detail = OCTET_STREAM, f"No preview: {error}"
            downloaded.file.seek(0)
        filename = self._attachment_filename(mimetype)
        values = {
            "mimetype": mimetype, "file_size": downloaded.size, "sha256": downloaded.sha256,
            "filename": filename, "error_detail": detail,
        }
        if self._storage_backend() == "s3":
            attachment = self._store_in_s3(downloaded, mimetype, filename, thumbnail, values)
        else:
            attachment = self._create_attachment(filename, mimetype, raw=downloaded.read_bytes(), thumbnail=thumbnail)
            values["storage"] = "filestore"
        values.update(state="stored", attachment_id=attachment.id, attempts=self.attempts + 1,
                      next_attempt_at=False, failure_reason=False)
        self.write(values)
        self._update_message(attachment)

    def _store_in_s3(self, downloaded, mimetype, filename, thumbnail, values):
        storage = get_storage(self._s3_settings(required=True))
        metadata = {"sha256": downloaded.sha256, "mime-type": mimetype, "wamid": self.message_id.wamid}
        keys = [new_object_key()]
        storage.put(keys[0], downloaded.file, mimetype, metadata)
        try:
            if thumbnail:
                keys.append(new_object_key(".thumb.webp"))
                storage.put(keys[1], thumbnail, THUMBNAIL_MIMETYPE, metadata)
            attachment = self._create_attachment(filename, mimetype, size=downloaded.size)
        except Exception:
            # No object without a record pointing at it.
            for key in keys:
                try:
                    storage.delete(key)
                except StorageError:
                    _logger.warning("WhatsApp media %s: could not remove orphan object", self.id)
            raise
        values.update(storage="s3", storage_key=keys[0], thumbnail_key=keys[1] if thumbnail else False)
        return attachment

    def _attachment_filename(self, mimetype):
        extension = EXTENSIONS.get(mimetype) or mimetypes.guess_extension(mimetype) or ""
        if self.kind == "document" and self.filename:
            return self.filename
        moment = (self.message_id.meta_timestamp or fields.Datetime.now()).strftime("%Y%m%d-%H%M%S")
        kind = "voice-note" if self.is_voice else self.kind
        return f"whatsapp-{kind}-{moment}{extension}"

    def _create_attachment(self, filename, mimetype, raw=None, size=0, thumbnail=None):
        """The file as Discuss shows it: an attachment of the conversation (its record rules apply)."""
        values = {
            "name": filename,
            "mimetype": mimetype,
            "res_model": "discuss.channel",
            "res_id": self.message_id.channel_id.id,
            "type": "binary",
        }
        if raw is not None:
            values["raw"] = raw
        if thumbnail:
            values["thumbnail"] = base64.b64encode(thumbnail)
        # The original bytes are kept as they are (verified sha256): no resize/re-encode by Odoo.
        attachment = self.env["ir.attachment"].with_context(image_no_postprocess=True).create(values)
        if attachment.mimetype != mimetype:
            # ir.attachment takes application/octet-stream as "unknown" and guesses again from the
            # bytes (an SVG would be image/svg+xml again): the type we decided on is written after.
            attachment.write({"mimetype": mimetype})
        if raw is None:
            # An S3 stub holds no bytes, so ir.attachment cannot compute its size: Discuss shows it.
            self.env.cr.execute("UPDATE ir_attachment SET file_size = %s WHERE id = %s", [size, attachment.id])
            attachment.invalidate_recordset(["file_size"])
        if self.kind == "audio":
            # Discuss's inline player (with waveform) plays attachments marked as voice; its file
            # viewer plays no audio but MP3, so every audio gets the player and the body says which
            # is a voice note.
            # sudo: discuss.voice.metadata - only admins may create it; Discuss creates it as sudo too
            attachment.sudo()._set_voice_metadata()
        return attachment

    def _schedule_retry(self, detail):
        attempts = self.attempts + 1
        next_attempt_at = fields.Datetime.now() + timedelta(
            seconds=meta_errors.next_retry_delay(attempts, seed=self.id))
        if self.expires_at and next_attempt_at >= self.expires_at:
            self._set_final("gave_up", detail)
            return
        _logger.info("WhatsApp media %s: attempt %s failed (%s), retry at %s", self.id, attempts, detail,
                     next_attempt_at)
        self.write({"attempts": attempts, "next_attempt_at": next_attempt_at, "error_detail": detail[:500]})

    def _set_final(self, reason, detail):
        _logger.info("WhatsApp media %s: %s (%s)", self.id, reason, detail)
        self.write({
            "state": self.REASON_STATE.get(reason, "failed"),
            "failure_reason": reason,
            "error_detail": (detail or "")[:500],
            "attempts": self.attempts + 1,
            "next_attempt_at": False,
        })
        self._update_message()

    def _update_message(self, attachment=None):
        """Rewrite the Discuss message for the new state and push it to whoever has it open."""
        self.message_id._whatsapp_refresh_body(
            {"attachment_ids": [Command.link(attachment.id)]} if attachment else None,
            [Store.Many("attachment_ids", sort="id"),
             Store.Attr("whatsapp_status", lambda m: m._whatsapp_status_for_store())],
        )

    # ------------------------------------------------------------
    # STORAGE
    # ------------------------------------------------------------

    @api.model
    def _storage_backend(self):
        # sudo: ir.config_parameter - storage settings are admin-only; the media job reads them
        return self.env["ir.config_parameter"].sudo().get_param(PARAM % "media_storage") or "filestore"

    @api.model
    def _s3_settings(self, required=False):
        """The S3 settings, or None when no bucket is configured (StorageError if ``required``)."""
        # sudo: ir.config_parameter - the credentials are admin-only; they are used here, never returned
        get_param = self.env["ir.config_parameter"].sudo().get_param
        bucket = get_param(PARAM % "s3_bucket")
        if not bucket:
            if required:
                raise StorageError("S3 storage is selected but no bucket is configured")
            return None
        return S3Settings(
            endpoint_url=get_param(PARAM % "s3_endpoint_url") or "",
            bucket=bucket,
            access_key=get_param(PARAM % "s3_access_key") or "",
            secret_key=get_param(PARAM % "s3_secret_key") or "",
            region=get_param(PARAM % "s3_region") or "us-east-1",
            path_style=not get_param(PARAM % "s3_virtual_hosted"),
            public_url=get_param(PARAM % "s3_public_url") or "",
        )

    def _file_content(self):
        """The stored file's bytes, whichever the backend (exports); raises StorageError if S3 fails."""
        self.ensure_one()
        if self.storage == "s3" and self.storage_key:
            return get_storage(self._s3_settings(required=True)).get(self.storage_key)
        return self.attachment_id.raw or b""

    def _s3_stream(self, thumbnail=False, download=False):
        """An HTTP redirect to a short-lived presigned URL of the file (or of its thumbnail).

        Only called once the caller's access to the attachment has been checked (``ir.binary``).
        """
        self.ensure_one()
        storage = get_storage(self._s3_settings(required=True))
        if thumbnail:
            url = storage.presigned_url(self.thumbnail_key, f"{self.filename}.webp", THUMBNAIL_MIMETYPE)
        else:
            url = storage.presigned_url(self.storage_key, self.filename, self.mimetype,
                                        inline=False if download else None)
        # max_age makes Odoo answer 302 (not a cacheable 301): the URL expires.
        return Stream(type="url", url=url, max_age=0)

    def _delete_objects_after_commit(self):
        """Delete the S3 objects of these records once the transaction that forgets them commits."""
        keys = [key for media in self.filtered(lambda m: m.storage == "s3")
                for key in (media.storage_key, media.thumbnail_key) if key]
        settings = keys and self._s3_settings()
        if not settings:
            return

        def delete_objects():
            for key in keys:
                try:
                    get_storage(settings).delete(key)
                except StorageError as error:
                    _logger.warning("WhatsApp media: object not deleted (%s); it is now orphaned", error)

        self.env.cr.postcommit.add(delete_objects)
