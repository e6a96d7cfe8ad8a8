import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

const IMAGE = ".o-mail-Message:contains(Meu ingresso) .o-mail-AttachmentContainer.o-isImage";

/** The customer's image shows its thumbnail inline, the original in the file viewer; the voice note plays. */
registry.category("web_tour.tours").add("whatsapp_crm_media_tour", {
    steps: () => {
        let attachmentId;
        return [
            {
                trigger: WHATSAPP_CONVERSATION,
                run: "click",
            },
            {
                trigger: `${IMAGE} img.o-mail-AttachmentImage[src*='/web/image/ir.attachment/'][src*='/thumbnail']`,
                async run() {
                    const img = this.anchor;
                    const src = img.getAttribute("src");
                    attachmentId = (src.match(/\/web\/image\/ir\.attachment\/(\d+)\/thumbnail\?/) || [])[1];
                    const store = odoo.__WOWL_DEBUG__.root.env.services["mail.store"];
                    const attachment = store["ir.attachment"].get(Number(attachmentId));
                    if (attachment?.mimetype !== "image/jpeg" || !attachment.has_thumbnail) {
                        throw new Error(`The inline image is not the WhatsApp image's thumbnail: ${src}`);
                    }
                    if (!img.complete) {
                        await new Promise((resolve) => img.addEventListener("load", resolve, { once: true }));
                    }
                    if (!img.naturalWidth) {
                        throw new Error(`The thumbnail did not load: ${src}`);
                    }
                },
            },
            {
                trigger: `${IMAGE} img.o-mail-AttachmentImage`,
                run: "click",
            },
            {
                // The file viewer shows the original file, not the thumbnail.
                trigger: ".o-FileViewer img.o-FileViewer-viewImage",
                run() {
                    const src = this.anchor.getAttribute("src");
                    if (!src.includes(`/web/image/${attachmentId}?`) || src.includes("thumbnail")) {
                        throw new Error(`The file viewer does not show the original image: ${src}`);
                    }
                },
            },
            {
                trigger: ".o-FileViewer",
                run: "press Escape",
            },
            {
                trigger: "body:not(:has(.o-FileViewer))",
            },
            {
                // Discuss's voice player, with the recording decoded (its length is shown).
                trigger:
                    ".o-mail-Message:contains(Voice message) .o-mail-AttachmentContainer .o-mail-VoicePlayer:contains(00 : 00)",
            },
        ];
    },
});
