import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/** What the server says of each customer's file: on its way, refused, a voice note, a sticker. */
registry.category("web_tour.tours").add("whatsapp_crm_media_state_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger:
                ".o-mail-Message:contains(Outra foto):contains(receiving the file) .o-whatsapp-Message-mediaState.o-pending[title='Receiving the file…'] .fa-spin",
        },
        {
            trigger:
                ".o-mail-Message:contains(veja):contains(The file is not what it claims to be) .o-whatsapp-Message-mediaState.o-unavailable .fa-exclamation-triangle",
        },
        {
            trigger:
                ".o-mail-Message .o-mail-AttachmentContainer:has(.o-whatsapp-AttachmentList-voiceNote:contains(Voice message)) .o-mail-VoicePlayer",
        },
        {
            // A plain audio file plays the same way, without the voice note's microphone.
            trigger:
                ".o-mail-Message:contains(Audio) .o-mail-AttachmentContainer:not(:has(.o-whatsapp-AttachmentList-voiceNote)) .o-mail-VoicePlayer",
        },
        {
            trigger:
                ".o-mail-AttachmentContainer.o-whatsapp-AttachmentList-sticker img.o-mail-AttachmentImage[src*='/thumbnail']",
        },
        {
            // Text messages and images already shown carry no file state.
            trigger:
                ".o-mail-Message:contains(Meu ingresso):not(:has(.o-whatsapp-Message-mediaState))",
        },
    ],
});
