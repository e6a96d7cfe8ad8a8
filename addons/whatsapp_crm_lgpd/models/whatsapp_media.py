from concurrent.futures import ThreadPoolExecutor

from odoo import api, models

from odoo.addons.whatsapp_crm.tools.media_storage import get_storage

# S3 GETs of an export run in parallel: each is a round trip, the bytes are small.
S3_READERS = 8


class WhatsAppMedia(models.Model):
    """The contact's media files wherever they are kept: exported byte for byte (from the filestore or
    S3), erased from S3 with every version (the filestore files go with their attachments)."""

    _name = "whatsapp.media"
    _inherit = ["whatsapp.media", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 30

    @api.model
    def _lgpd_media(self, subject):
        return self.search([("message_id", "in", subject.whatsapp_messages.ids)], order="id")

    @api.model
    def _lgpd_export(self, subject, archive):
        media = self._lgpd_media(subject)
        in_s3 = media.filtered(lambda m: m.storage == "s3" and m.storage_key)
        contents = {}
        if in_s3:
            storage = get_storage(self._s3_settings(required=True))
            with ThreadPoolExecutor(max_workers=S3_READERS) as pool:
                for item, data in zip(in_s3, pool.map(storage.get, in_s3.mapped("storage_key")), strict=True):
                    contents[item.id] = data
        exported = subject.scratch.setdefault("exported_attachments", {})
        rows = []
        for item in media:
            path = None
            data = contents.get(item.id)
            if data is None and item.attachment_id and item.state == "stored":
                data = item.attachment_id.raw
            if data is not None:
                path = archive.add_file(item.attachment_id.id or f"m{item.id}", item.filename or item.original_filename,
                                        data)
                if item.attachment_id:
                    exported[item.attachment_id.id] = path
            rows.append({
                "id": item.id,
                "whatsapp_message_id": item.message_id.id,
                "message_id": item.message_id.mail_message_id.id or None,
                "kind": item.kind,
                "state": item.state,
                "mimetype": item.mimetype or item.declared_mimetype,
                "size": item.file_size or None,
                "sha256": item.sha256 or None,
                "filename": item.filename or None,
                "original_filename": item.original_filename or None,
                "voice_note": item.is_voice,
                "storage": item.storage or None,
                "attachment_id": item.attachment_id.id or None,
                "path": path,
            })
        archive.add_rows("media", rows)

    @api.model
    def _lgpd_erase(self, subject, limit):
        """Purge the S3 objects (originals and thumbnails, all versions) batch by batch, then clear
        what names or fingerprints the file; kind, type, size and state stay for the statistics."""
        media = self._lgpd_media(subject)
        # A file still on its way would come back after the erasure: it is never fetched now.
        media.filtered(lambda m: m.state == "pending").write({
            "state": "unavailable", "failure_reason": "expired", "next_attempt_at": False})
        in_s3 = media.filtered(lambda m: m.storage_key or m.thumbnail_key)
        if in_s3:
            batch = in_s3[:limit]
            # StorageError propagates: the step is retried later, never reported done.
            get_storage(self._s3_settings(required=True)).purge(
                [key for item in batch for key in (item.storage_key, item.thumbnail_key) if key])
            batch.write({"storage_key": False, "thumbnail_key": False})
            return len(in_s3) - len(batch) + 1
        leftovers = media.filtered(lambda m: m.filename or m.original_filename or m.sha256 or m.error_detail
                                   or m.meta_media_id != "-")
        leftovers.write({"filename": False, "original_filename": False, "sha256": False, "error_detail": False,
                         "meta_media_id": "-"})
        return 0
