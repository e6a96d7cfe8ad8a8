import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/** The protocol number the conversation's header shows, which the quick reply must quote. */
let protocol;

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
            // A protocol number ("2026-000123"). Not a fixed one: the sequence is a PostgreSQL
            // sequence, which the tests' rollbacks do not rewind.
            trigger: ".o-whatsapp-ConversationHeader-protocol",
            run() {
                protocol = this.anchor.textContent.trim();
                if (!/^\d{4}-\d{6}$/.test(protocol)) {
                    throw new Error(`not a protocol number: ${protocol}`);
                }
            },
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
                const filled = `Olá, Maria! Seu protocolo é ${protocol}. Aqui é Ana Atendente.`;
                const isFilled = () => this.anchor.value.startsWith(filled);
                for (let attempt = 0; attempt < 100 && !isFilled(); attempt++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                if (!isFilled()) {
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
