import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

registry.category("web_tour.tours").add("whatsapp_crm_delivery_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            // Inbound messages carry no tick.
            trigger:
                ".o-mail-Message:contains(Preciso de ajuda com meu pedido):not(:has(.o-whatsapp-Message-status))",
        },
        {
            trigger:
                ".o-mail-Message:contains(Primeira resposta) .o-whatsapp-Message-tick.o-read[title='Read']",
        },
        {
            trigger:
                ".o-mail-Message:contains(Segunda resposta) .o-whatsapp-Message-tick.o-failed[title='Not delivered']",
        },
        {
            trigger:
                ".o-mail-Message:contains(Segunda resposta) .o-whatsapp-Message-failure:contains(More than 24 hours have passed):contains(131047)",
        },
        {
            trigger: ".o-whatsapp-WindowCountdown.o-closed:contains(Window closed)",
        },
        {
            trigger: ".o-whatsapp-ClosedWindowBanner:contains(Window closed — send a template)",
        },
    ],
});
