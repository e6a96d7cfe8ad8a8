import { registry } from "@web/core/registry";
import { inputFiles } from "@web/../tests/utils";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

const PNG_1PX =
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVQIW2P4v5ThPwAG7wKklwQ/bwAAAABJRU5ErkJggg==";
const SENT_IMAGE = ".o-mail-Message:contains(Seu ingresso está aqui):has(.o-mail-AttachmentContainer)";

/** The attach menu of a WhatsApp composer: a photo with its caption, then the hall's location. */
registry.category("web_tour.tours").add("whatsapp_crm_media_out_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: ".o-mail-Composer button[title='More Actions']",
            run: "click",
        },
        {
            // WhatsApp's menu replaces Discuss's generic "Attach Files" and "Voice Message".
            trigger:
                ".dropdown-menu:has(.dropdown-item:contains(Document)):has(.dropdown-item:contains(Audio)):has(.dropdown-item:contains(Location)):not(:has(.dropdown-item:contains(Attach Files)))",
        },
        {
            trigger: ".dropdown-item:contains(Photo/video)",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer",
            async run() {
                const blob = await (await fetch(PNG_1PX)).blob();
                await inputFiles(".o-whatsapp-Composer-filePicker[data-kind='media']", [
                    new File([blob], "ingresso.png", { type: "image/png" }),
                ]);
            },
        },
        {
            trigger: ".o-mail-Composer .o-mail-AttachmentContainer:not(.o-isUploading)",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit Seu ingresso está aqui",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "press Enter",
        },
        {
            // Posted, with its image, and queued for WhatsApp (the clock until Meta has it).
            trigger: `${SENT_IMAGE} .o-whatsapp-Message-tick.o-queued[title='Queued']`,
        },
        {
            trigger: ".o-mail-Composer button[title='More Actions']",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains(Location)",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-LocationDialog-place:contains(Theatro Municipal de São Paulo)",
            run: "click",
        },
        {
            trigger:
                ".o-mail-Message:contains(Theatro Municipal de São Paulo):contains(Praça Ramos de Azevedo) a:contains(Open map)",
        },
    ],
});

/** Later: Meta delivered the photo and the customer read it; a voice note went out too. */
registry.category("web_tour.tours").add("whatsapp_crm_media_out_ticks_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: `${SENT_IMAGE} .o-mail-AttachmentImage, ${SENT_IMAGE} .o-mail-AttachmentCard`,
        },
        {
            trigger: `${SENT_IMAGE} .o-whatsapp-Message-tick.o-read[title='Read']`,
        },
        {
            // The attendant's voice note: the microphone label of a WhatsApp voice note…
            trigger: ".o-mail-Message .o-whatsapp-AttachmentList-voiceNote",
        },
        {
            // …and Discuss's player, with the recording decoded.
            trigger: ".o-mail-Message .o-mail-VoicePlayer:contains(00 : 02)",
        },
    ],
});
