import { registry } from "@web/core/registry";

/**
 * The customer's conversation, found in the WhatsApp category of the Discuss sidebar (after the
 * category's header and, for attendants, its queue tabs).
 */
export const WHATSAPP_CONVERSATION =
    ".o-whatsapp-DiscussSidebarCategory-conversations ~ .o-mail-DiscussSidebarChannel-container .o-mail-DiscussSidebarChannel:contains(Maria Souza)";

registry.category("web_tour.tours").add("whatsapp_crm_reply_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: ".o-whatsapp-WindowBanner:contains(Maria Souza)",
        },
        {
            // The 24-hour window was just opened by the customer: the countdown in the header.
            trigger: ".o-whatsapp-WindowCountdown.o-open:contains(Window open: 2):contains(h)",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit Vou verificar agora mesmo",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "press Enter",
        },
        {
            // Posted and queued for WhatsApp: the clock until the send cron hands it to Meta.
            trigger:
                ".o-mail-Message:contains(Vou verificar agora mesmo) .o-whatsapp-Message-tick.o-queued[title='Queued']",
        },
    ],
});
