import { Attachment } from "@mail/core/common/attachment_model";
import { assignDefined } from "@mail/utils/common/misc";

import { patch } from "@web/core/utils/patch";
import { imageUrl } from "@web/core/utils/urls";

/** @type {import("models").Attachment} */
const attachmentPatch = {
    /**
     * The customer's WhatsApp file this attachment is, as the server describes it with its
     * message (`whatsapp_status.media`); undefined for any other attachment.
     *
     * @returns {{ kind: string, state: string, voice: boolean, animated: boolean }|undefined}
     */
    get whatsappMedia() {
        return this.message?.whatsapp_status?.media || undefined;
    },
    /** A sticker is drawn small and bare, as WhatsApp does, not in an attachment frame. */
    get whatsappIsSticker() {
        return this.isImage && this.whatsappMedia?.kind === "sticker";
    },
    /**
     * Every WhatsApp audio plays in Discuss's voice player (its file viewer only plays MP3);
     * this tells a voice note recorded in WhatsApp from an audio file the customer attached.
     * An attendant's recording is a voice note too: it goes out as one.
     */
    get whatsappIsVoiceNote() {
        return (
            this.voice &&
            (Boolean(this.whatsappMedia?.voice) ||
                this.message?.whatsapp_status?.direction === "out")
        );
    },
    /**
     * The picture shown inline for an image of a WhatsApp conversation: the thumbnail the server
     * made when the file arrived (WebP, 500 px at most; a presigned redirect when files are in
     * S3) rather than the original, which a phone sends at several MB. The file viewer still
     * opens the original (`urlRoute`). Null when the original must be shown: no thumbnail,
     * an animation (its thumbnail is the first frame), another kind of conversation.
     *
     * @returns {string|null}
     */
    get whatsappInlineImageUrl() {
        if (
            !this.isImage ||
            !this.has_thumbnail ||
            this.uploading ||
            this.mimetype === "image/gif" ||
            this.whatsappMedia?.animated
        ) {
            return null;
        }
        const thread = this.thread ?? this.message?.thread;
        if (thread?.channel_type !== "whatsapp") {
            return null;
        }
        return imageUrl(
            "ir.attachment",
            this.id,
            "thumbnail",
            assignDefined({}, { access_token: this.thumbnail_access_token, unique: this.checksum })
        );
    },
};
patch(Attachment.prototype, attachmentPatch);
