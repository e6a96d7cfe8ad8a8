import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/** A question with reply buttons, from the composer's "+" menu. */
registry.category("web_tour.tours").add("whatsapp_crm_interactive_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: ".o-mail-Composer button[name='more-actions']",
            run: "click",
        },
        {
            trigger: "button[name='whatsapp-interactive']",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-body",
            run: "edit Confirmamos a troca para sábado?",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-option:eq(0) .o-whatsapp-InteractiveDialog-title",
            run: "edit Sim",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-option:eq(1) .o-whatsapp-InteractiveDialog-title",
            run: "edit Sim",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-confirm",
            run: "click",
        },
        {
            // WhatsApp refuses two buttons with the same title: the dialog says so and stays open.
            trigger: ".o-whatsapp-InteractiveDialog-error:contains(appears twice)",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-option:eq(1) .o-whatsapp-InteractiveDialog-title",
            run: "edit Não",
        },
        {
            trigger: ".o-whatsapp-InteractiveDialog-confirm",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o-whatsapp-InteractiveDialog))",
        },
        {
            trigger: ".o-mail-Message:contains(Confirmamos a troca para sábado?) li:contains(Não)",
        },
    ],
});
