import hashlib
import logging

from odoo import api, fields, models
from odoo.tools import html2plaintext

from ..const import OUTBOUND_STATE_RANK
from ..tools import media_convert, outbound_media
from ..tools.graph_api import location_payload, media_payload
from ..tools.media_rules import SNIFF_BYTES, MediaRejected, sanitize_filename, sniff

_logger = logging.getLogger(__name__)

# A media id older than this may be gone on Meta's side before the send reaches it: upload again.
REUSE_MARGIN_DAYS = 1
# Meta refusing a media id we uploaded less than this ago is a real refusal, not an expired id.
FRESH_UPLOAD_SECONDS = 3600
CONVERTED_EXTENSIONS = {"image/jpeg": ".jpg", "audio/ogg": ".ogg", "video/mp4": ".mp4"}


class WhatsAppMessage(models.Model):
    """Outbound files and places: one Discuss message becomes one WhatsApp message per file, in the
    order shown, plus its text (or the text is the caption of a single image, video or document).

    Each part is a row of the send queue like a text reply, with its own wamid, ticks and retries; a
    file is converted (``tools/media_convert.py``) and uploaded (``POST /{phone-number-id}/media``)
    inside its part's send attempt, so an upload that fails is retried with the part, and a part
    that was sent is never sent again because a later one failed.
    """

    _inherit = "whatsapp.message"

    attachment_id = fields.Many2one(
        "ir.attachment", "File", index="btree_not_null", ondelete="set null", readonly=True,
        help="The Discuss attachment this WhatsApp message sends (one message per file).")
    location_id = fields.Many2one("whatsapp.location", "Place", ondelete="set null", readonly=True)
    has_caption = fields.Boolean(
        "Text as Caption", readonly=True,
        help="The Discuss message's text goes out as this file's caption, not as a message of its own.")

    # ------------------------------------------------------------
    # SPLITTING
    # ------------------------------------------------------------

    @api.model
    def _outbound_parts(self, mail_message):
        """Values of the WhatsApp messages ``mail_message`` becomes, in sending order."""
        location_id = self.env.context.get("whatsapp_location_id")
        if location_id:
            return [{"message_type": "location", "location_id": location_id}]
        # sudo: ir.attachment - the files of a message the attendant just posted
        attachments = mail_message.sudo().attachment_ids.sorted("id")
        if not attachments:
            return [{"message_type": "text"}]
        parts = []
        for attachment in attachments:
            plan = self._outbound_plan(attachment)
            kind = plan.kind if isinstance(plan, outbound_media.Plan) else (plan.kind or "document")
            parts.append({"message_type": kind, "attachment_id": attachment.id})
        body = self._outbound_text(mail_message)
        if body:
            if (len(parts) == 1 and parts[0]["message_type"] in outbound_media.CAPTION_KINDS
                    and len(body) <= outbound_media.CAPTION_MAX):
                parts[0]["has_caption"] = True
            else:
                parts.append({"message_type": "text"})
        return parts

    @api.model
    def _outbound_text(self, mail_message):
        return html2plaintext(mail_message.body or "").strip()

    def _whatsapp_message_summary(self):
        """The part whose state the Discuss message shows: a failed one, else the one furthest
        behind (the message is "read" only once every part is)."""
        if len(self) <= 1:
            return self
        failed = self.filtered(lambda part: part.state == "failed")
        if failed:
            return failed.sorted("id")[0]
        return self.sorted(lambda part: (OUTBOUND_STATE_RANK.get(part.state, 0), part.id))[0]

    # ------------------------------------------------------------
    # RULES
    # ------------------------------------------------------------

    @api.model
    def _outbound_plan(self, attachment, data=None):
        """``outbound_media.plan`` of an attachment (its first bytes sniffed, never its name)."""
        attachment_sudo = attachment.sudo()
        head = data[:SNIFF_BYTES] if data is not None else self.env["whatsapp.media"]._attachment_head(attachment_sudo)
        return self._outbound_plan_bytes(
            head, len(data) if data is not None else attachment_sudo.file_size, attachment_sudo.name,
            voice=bool(attachment_sudo.voice_ids))

    @api.model
    def _outbound_plan_bytes(self, head, size, filename, voice=False):
        return outbound_media.plan(sniff(head), size, filename=filename or "", voice=voice,
                                   ogg_opus=media_convert.is_ogg_opus(head),
                                   can_convert_av=media_convert.av_available())

    @api.model
    def _outbound_file_problem(self, data, filename, voice=False):
        """Why a file cannot go to WhatsApp, in the attendant's words, or False.

        Checked when the file is attached (the composer shows the message) and again when the
        message is posted: the rules of ``tools/outbound_media.py`` plus, for images to convert,
        their header (dimensions) and, for video, that FFmpeg can read it.
        """
        plan = self._outbound_plan_bytes(data[:SNIFF_BYTES], len(data), filename, voice=voice)
        if isinstance(plan, outbound_media.Refusal):
            return self._outbound_refusal_text(plan, filename)
        _ = self.env._
        try:
            if plan.conversion == outbound_media.CONVERT_JPEG:
                width, height = media_convert.image_size(data)
                if width * height > media_convert.MAX_IMAGE_PIXELS:
                    return _("%(name)s has too many pixels to be converted for WhatsApp (%(megapixels)s MP; "
                             "at most %(limit)s MP).", name=filename, megapixels=width * height // 1_000_000,
                             limit=media_convert.MAX_IMAGE_PIXELS // 1_000_000)
            elif plan.conversion == outbound_media.CONVERT_MP4:
                info = media_convert.probe(data)
                if not info.whatsapp_video_ready and info.duration and \
                        info.duration > media_convert.MAX_VIDEO_SECONDS:
                    return _("%(name)s is not in a format WhatsApp accepts (MP4 with H.264 and AAC) and is too "
                             "long to be converted here (at most %(minutes)s minutes).", name=filename,
                             minutes=media_convert.MAX_VIDEO_SECONDS // 60)
        except media_convert.ConversionError:
            return _("%(name)s could not be read, so it cannot be converted into a format WhatsApp accepts.",
                     name=filename)
        return False

    @api.model
    def _outbound_refusal_text(self, refusal, filename):
        _ = self.env._
        if refusal.code == "too_large":
            kinds = {"audio": _("audio files"), "video": _("videos"), "document": _("documents"),
                     "image": _("images")}
            return _("%(name)s is too large for WhatsApp: %(kind)s may have at most %(limit)s MB "
                     "(this one has %(size)s MB).", name=filename, kind=kinds.get(refusal.kind, refusal.kind),
                     limit=refusal.limit // outbound_media.MIB,
                     size=f"{refusal.size / outbound_media.MIB:.1f}")
        if refusal.code == "needs_conversion":
            return _("%(name)s must be converted before WhatsApp accepts it, and this server cannot convert "
                     "audio or video (the PyAV package is missing).", name=filename)
        return _("WhatsApp does not accept this type of file (%(name)s, %(type)s). Send an image, a video, "
                 "an audio, a PDF, an Office document or a text file.", name=filename,
                 type=refusal.mimetype or "?")

    # ------------------------------------------------------------
    # PAYLOAD (one send attempt)
    # ------------------------------------------------------------

    def _build_outbound_part_payload(self, to, recipient):
        """The Graph payload of a file or place; uploads (and converts) the file first.

        :raise MediaRejected: the file cannot be sent (refused, unreadable, conversion failed)
        :raise GraphError: the upload failed (retried with the part, as a failed send is)
        """
        self.ensure_one()
        reply_to = self.reply_to_wamid or None
        if self.message_type == "location":
            card = self.location_id._whatsapp_card() if self.location_id else None
            if not card:
                raise MediaRejected("media_missing", "the place was deleted before it was sent")
            return location_payload(to, card["latitude"], card["longitude"], recipient=recipient,
                                    name=card["name"] or None, address=card["address"] or None, reply_to=reply_to)
        media = self._outbound_media()
        caption = self._outbound_text(self.mail_message_id) if self.has_caption else None
        return media_payload(to, media.kind, media.meta_media_id, recipient=recipient, caption=caption or None,
                             filename=media.filename if media.kind == "document" else None,
                             voice=media.is_voice, reply_to=reply_to)

    def _outbound_media(self):
        """The uploaded file of this part: uploaded by an earlier attempt, the same file uploaded
        by another message (Meta keeps an upload 30 days), or converted and uploaded now."""
        media_model = self.env["whatsapp.media"]
        media = self.media_ids[:1]
        if media and media._outbound_usable():
            return media
        # sudo: whatsapp.media - an upload Meta has forgotten makes way for a fresh one
        media.sudo().unlink()
        # sudo: ir.attachment - the file of a message this queue sends
        attachment = self.attachment_id.sudo()
        if not attachment:
            raise MediaRejected("media_missing", "the file was deleted before it was sent")
        data = media_model._attachment_bytes(attachment)
        plan = self._outbound_plan(attachment, data)
        if isinstance(plan, outbound_media.Refusal):
            category = "media_too_large" if plan.code == "too_large" else "media_type"
            raise MediaRejected(category, self._outbound_refusal_text(plan, attachment.name))
        sha256 = hashlib.sha256(data).hexdigest()
        if not plan.conversion:
            reusable = media_model._outbound_find_reusable(self.account_id, sha256, plan.kind)
            if reusable:
                return media_model._outbound_reuse(self, reusable, attachment)
        sent, mimetype, voice, converted = self._outbound_convert(plan, data, attachment)
        filename = self._outbound_filename(attachment, mimetype, converted)
        client = self.account_id._graph_client()
        try:
            meta_media_id = client.upload_media(sent, mimetype, filename)
        finally:
            client.close()
        return media_model._outbound_create(
            self, meta_media_id=meta_media_id, kind=plan.kind, mimetype=mimetype, data=sent, filename=filename,
            voice=voice, attachment=attachment, converted=converted)

    def _outbound_convert(self, plan, data, attachment):
        """``(bytes, mimetype, voice, converted)`` of what is uploaded.

        A voice note that cannot be converted goes out as the audio file it is, with a notice in
        the conversation; any other failed conversion refuses the part (MediaRejected).
        """
        wanted_voice = bool(attachment.voice_ids)
        try:
            if plan.conversion == outbound_media.CONVERT_JPEG:
                return media_convert.to_jpeg(data), "image/jpeg", False, True
            if plan.conversion in (outbound_media.CONVERT_VOICE, outbound_media.CONVERT_OPUS):
                voice = plan.conversion == outbound_media.CONVERT_VOICE
                try:
                    return media_convert.to_ogg_opus(data, voice=voice), "audio/ogg", voice, True
                except media_convert.ConversionError as error:
                    fallback = self._outbound_plan_bytes(data[:SNIFF_BYTES], len(data), attachment.name)
                    if not voice or not isinstance(fallback, outbound_media.Plan) or fallback.conversion:
                        raise
                    _logger.warning("WhatsApp message %s: voice note not converted (%s), sent as audio",
                                    self.id, error)
                    self._outbound_notice_voice_fallback(str(error))
                    return data, fallback.mimetype, False, False
            if plan.conversion == outbound_media.CONVERT_MP4:
                info = media_convert.probe(data)
                if info.whatsapp_video_ready and plan.mimetype in outbound_media.SEND_AS_IS["video"]:
                    return data, plan.mimetype, False, False
                return media_convert.to_mp4(data), "video/mp4", False, True
        except media_convert.ConversionError as error:
            raise MediaRejected("media_conversion", str(error)) from None
        if wanted_voice and plan.kind == "audio":
            self._outbound_notice_voice_fallback("PyAV is not installed")
        return data, plan.mimetype, False, False

    def _outbound_notice_voice_fallback(self, reason):
        channel = self.channel_id
        lang = self.account_id._conversation_lang()
        channel._whatsapp_post_notice(self.with_context(lang=lang).env._(
            "The voice message went out as an ordinary audio file: it could not be converted into "
            "WhatsApp's voice note format (%(reason)s).", reason=reason))

    @api.model
    def _outbound_filename(self, attachment, mimetype, converted):
        name = sanitize_filename(attachment.name or "", default="file")
        if converted:
            stem = name.rsplit(".", 1)[0] if "." in name else name
            name = stem + CONVERTED_EXTENSIONS.get(mimetype, "")
        return name

    # ------------------------------------------------------------
    # ERRORS
    # ------------------------------------------------------------

    def _outbound_forget_stale_media(self, error):
        """Meta answered 131053 for a media id uploaded long ago: it expired early on Meta's side.
        Forget it (and every part that would reuse it) and retry at once with a fresh upload.

        :return: True when the part was rescheduled
        """
        media = self.media_ids[:1]
        if error.code != 131053 or not media or not media.uploaded_at or \
                (fields.Datetime.now() - media.uploaded_at).total_seconds() < FRESH_UPLOAD_SECONDS:
            return False
        _logger.info("WhatsApp message %s: media id %s no longer known to Meta, uploading again",
                     self.id, media.meta_media_id)
        self.env["whatsapp.media"].search([("meta_media_id", "=", media.meta_media_id)]).write(
            {"expires_at": fields.Datetime.now()})
        # Due now: the send job running this part picks it up again at once.
        self.write({"next_attempt_at": fields.Datetime.now()})
        return True
