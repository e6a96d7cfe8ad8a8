import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/**
 * An attendant's quick reply: "::oi" inserts the text with the customer's first name and the
 * protocol filled in. On the way: the protocol in the header, the last message and the waiting time
 * in the sidebar row, a label set from the header, an internal note that stays in the team.
 */
registry.category("web_tour.tours").add("whatsapp_crm_quick_reply_tour", {
    steps: () => [
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-SidebarRow-preview:contains(Preciso de ajuda com meu pedido)`,
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-SidebarRow-waiting:contains(now)`,
        },
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: ".o-whatsapp-ConversationHeader-protocol:contains(-0000)",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit ::oi",
        },
        {
            trigger: ".o-mail-Composer-suggestion:contains(oi)",
            run: "click",
        },
        {
            trigger: ".o-mail-Composer-input",
            async run() {
                // The server fills the variables: the text changes once its answer is back.
                const filled = /^Olá, Maria! Seu protocolo é \d{4}-\d{6}\. Aqui é Ana Atendente\./;
                for (let attempt = 0; attempt < 100 && !filled.test(this.anchor.value); attempt++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                if (!filled.test(this.anchor.value)) {
                    throw new Error(`quick reply not filled: ${this.anchor.value}`);
                }
            },
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "press Enter",
        },
        {
            trigger: ".o-mail-Message:contains(Olá, Maria! Seu protocolo é)",
        },
        {
            // The customer was answered: no longer waiting.
            trigger: `${WHATSAPP_CONVERSATION}:not(:has(.o-whatsapp-SidebarRow-waiting)) .o-whatsapp-SidebarRow-preview:contains(Olá, Maria!)`,
        },
        {
            trigger: ".o-whatsapp-ConversationHeader .o-whatsapp-LabelPicker",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-LabelPicker-item:contains(VIP)",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-ConversationHeader .o-whatsapp-LabelPill:contains(VIP)",
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-LabelPill:contains(VIP)`,
        },
        {
            trigger: ".o-mail-Composer button[name='whatsapp-note']",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-Composer-note .o-mail-Composer-input",
            run: "edit Cliente já trocou um ingresso este mês",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "press Enter",
        },
        {
            trigger:
                ".o-mail-Message:contains(Cliente já trocou um ingresso este mês) .o-whatsapp-Message-noteBadge",
        },
        {
            // Back to writing to the customer.
            trigger: ".o-mail-Composer:not(.o-whatsapp-Composer-note)",
        },
    ],
});
