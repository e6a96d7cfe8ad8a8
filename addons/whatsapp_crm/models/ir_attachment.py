from odoo import api, models
from odoo.exceptions import MissingError
from odoo.http import request
from odoo.tools import str2bool

from ..tools.media_storage import StorageError


class IrAttachment(models.Model):
    """WhatsApp media kept in S3: the attachment is a stub without bytes, and serving it (after
    ``/web/content`` and ``/web/image`` have checked access to it) redirects to a presigned URL."""

    _inherit = "ir.attachment"

    @api.depends("thumbnail")
    def _compute_has_thumbnail(self):
        res = super()._compute_has_thumbnail()
        stubs = self.filtered(lambda attachment: not attachment.has_thumbnail and attachment.id
                              and attachment.res_model == "discuss.channel")
        if stubs:
            # sudo: whatsapp.media - whether an attachment the user reads has a thumbnail in S3
            with_thumbnail = self.env["whatsapp.media"].sudo().search([
                ("attachment_id", "in", stubs.ids), ("thumbnail_key", "!=", False)]).attachment_id
            for attachment in stubs & with_thumbnail:
                attachment.has_thumbnail = True
        return res

    def unlink(self):
        # sudo: whatsapp.media - deleting a WhatsApp file from Discuss deletes its S3 objects too
        media_sudo = self.env["whatsapp.media"].sudo().search([("attachment_id", "in", self.ids)])
        media_sudo._delete_objects_after_commit()
        media_sudo.write({"storage_key": False, "thumbnail_key": False})
        return super().unlink()

    def _to_http_stream(self):
        media = self._whatsapp_s3_media()
        if media and media.storage_key:
            download = bool(request) and str2bool(request.params.get("download") or "0", False)
            try:
                return media._s3_stream(download=download)
            except StorageError:
                # A 404 for the browser; the storage settings are the administrator's business.
                raise MissingError(self.env._("This WhatsApp file cannot be reached right now.")) from None
        return super()._to_http_stream()

    def _whatsapp_s3_media(self, thumbnail=False):
        """The S3-stored WhatsApp media of this attachment (empty unless it is such a stub)."""
        self.ensure_one()
        if self.store_fname or self.db_datas or self.url or self.res_model != "discuss.channel":
            return self.env["whatsapp.media"]
        # sudo: whatsapp.media - looked up once access to the attachment itself is established
        return self.env["whatsapp.media"].sudo().search([
            ("attachment_id", "=", self.id), ("storage", "=", "s3"),
            ("thumbnail_key" if thumbnail else "storage_key", "!=", False),
        ], limit=1)
