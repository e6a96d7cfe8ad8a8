from odoo import models


class IrBinary(models.AbstractModel):
    _inherit = "ir.binary"

    def _record_to_stream(self, record, field_name):
        """``/web/image/ir.attachment/<id>/thumbnail`` of a WhatsApp file in S3: a presigned redirect,
        like the file itself (``_find_record`` has checked access to the attachment)."""
        if record._name == "ir.attachment" and field_name == "thumbnail" and not record.store_fname:
            media = record._whatsapp_s3_media(thumbnail=True)
            if media:
                return media._s3_stream(thumbnail=True)
        return super()._record_to_stream(record, field_name)
