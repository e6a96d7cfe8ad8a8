from odoo import fields, models

from ..const import DEFAULT_AUTO_RELEASE_MINUTES
from ..tools.media_storage import S3Storage, StorageError


class ResConfigSettings(models.TransientModel):
    """Where customers' WhatsApp files are kept. Settings are admin-only (res.config.settings and
    ir.config_parameter both are); the secret key is also hidden from every other group."""

    _inherit = "res.config.settings"

    whatsapp_media_storage = fields.Selection(
        [("filestore", "Odoo filestore"), ("s3", "S3-compatible object storage")],
        string="WhatsApp Media Storage", default="filestore", config_parameter="whatsapp_crm.media_storage",
        help="Where files received on WhatsApp are kept. Files already stored stay where they are.")
    whatsapp_s3_endpoint_url = fields.Char(
        "S3 Endpoint", config_parameter="whatsapp_crm.s3_endpoint_url",
        help="e.g. http://minio:9000 (MinIO) or https://s3.sa-east-1.amazonaws.com. Empty: AWS.")
    whatsapp_s3_public_url = fields.Char(
        "S3 Public URL", config_parameter="whatsapp_crm.s3_public_url",
        help="The endpoint as attendants' browsers reach it, when it differs from the one above "
             "(e.g. MinIO behind your HTTPS proxy). Download links are signed for it.")
    whatsapp_s3_bucket = fields.Char("S3 Bucket", config_parameter="whatsapp_crm.s3_bucket")
    whatsapp_s3_region = fields.Char("S3 Region", config_parameter="whatsapp_crm.s3_region",
                                     help="Empty: us-east-1 (what MinIO expects by default).")
    whatsapp_s3_access_key = fields.Char("S3 Access Key", config_parameter="whatsapp_crm.s3_access_key")
    whatsapp_s3_secret_key = fields.Char("S3 Secret Key", config_parameter="whatsapp_crm.s3_secret_key",
                                         groups="base.group_system")
    whatsapp_s3_virtual_hosted = fields.Boolean(
        "Virtual-Hosted Addressing", config_parameter="whatsapp_crm.s3_virtual_hosted",
        help="bucket.endpoint/key (AWS). Leave unchecked for endpoint/bucket/key, what MinIO uses.")

    whatsapp_auto_release_minutes = fields.Integer(
        "Auto-release After (minutes)", default=DEFAULT_AUTO_RELEASE_MINUTES,
        config_parameter="whatsapp_crm.auto_release_minutes",
        help="An assigned conversation with no reply or typing by an attendant for this long returns to the queue.")

    whatsapp_privacy_policy_url = fields.Char(
        related="company_id.whatsapp_privacy_policy_url", readonly=False,
        help="Offered in templates (e.g. the welcome message) as the default of a privacy-policy variable.")

    def action_whatsapp_test_s3(self):
        """Save, then reach the bucket with these settings; say how it went."""
        self.ensure_one()
        self.execute()
        settings = self.env["whatsapp.media"]._s3_settings()
        if not settings:
            return self._whatsapp_notify("warning", self.env._("Set a bucket first."))
        try:
            S3Storage(settings).check()
        except StorageError as error:
            return self._whatsapp_notify("danger", self.env._(
                "The bucket cannot be reached: %(error)s", error=str(error)))
        return self._whatsapp_notify("success", self.env._("The bucket %(bucket)s answers.", bucket=settings.bucket))

    def _whatsapp_notify(self, kind, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "title": self.env._("WhatsApp media storage"), "message": message,
                       "sticky": kind == "danger"},
        }
