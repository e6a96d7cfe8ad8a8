import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/**
 * The 24-hour window is closed: the composer gives way to the "send a template" banner; the
 * attendant picks a template, fills it in (the customer's first name is proposed) and sends it;
 * the message appears in the thread marked as a template, with its delivery tick.
 */
registry.category("web_tour.tours").add("whatsapp_crm_template_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-whatsapp-WindowCountdown.o-closed:contains(Window closed)",
        },
        {
            trigger:
                ".o-mail-DiscussContent:not(:has(.o-mail-Composer-input)) .o-whatsapp-ClosedWindowBanner:contains(Window closed — send a template)",
        },
        {
            trigger: ".o-whatsapp-ClosedWindowBanner-send:contains(Send template)",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-TemplateDialog-search",
            run: "edit retomar",
        },
        {
            trigger: ".o-whatsapp-TemplateDialog-item[data-name='retomar_atendimento']",
            run: "click",
        },
        {
            // Defaults from the contact: "Olá {{1}}" is the customer's first name.
            trigger: ".o-whatsapp-TemplateDialog-preview:contains(Olá Maria, ainda podemos ajudar com o atendimento {{2}}?)",
        },
        {
            trigger: ".o-whatsapp-TemplateDialog-send:disabled",
        },
        {
            trigger: ".o-whatsapp-TemplateDialog-variable[name='body.2']",
            run: "edit 4521",
        },
        {
            trigger:
                ".o-whatsapp-TemplateDialog-preview:contains(Olá Maria, ainda podemos ajudar com o atendimento 4521?):contains(Sim)",
        },
        {
            trigger: ".o-whatsapp-TemplateDialog-send:enabled",
            run: "click",
        },
        {
            trigger:
                ".o-mail-Message:contains(ainda podemos ajudar com o atendimento 4521) .o-whatsapp-Message-templateMark:contains(Template)",
        },
        {
            // Queued for WhatsApp: the clock until the send job hands it to Meta.
            trigger:
                ".o-mail-Message:contains(ainda podemos ajudar com o atendimento 4521) .o-whatsapp-Message-tick.o-queued",
        },
        {
            trigger: "body:not(:has(.o-whatsapp-TemplateDialog))",
        },
    ],
});

/** After Meta's statuses: the template message shows it was read. */
registry.category("web_tour.tours").add("whatsapp_crm_template_ticks_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger:
                ".o-mail-Message:contains(ainda podemos ajudar com o atendimento 4521):has(.o-whatsapp-Message-templateMark) .o-whatsapp-Message-tick.o-read[title='Read']",
        },
    ],
});

/**
 * The window is open (amber: less than 2 hours left) and ends while the conversation is on screen:
 * the header and the composer flip at that moment, without a reload or a server message.
 */
registry.category("web_tour.tours").add("whatsapp_crm_window_expiry_tour", {
    // The server's window ends 45 s after the test starts (see test_ui_templates.py):
    // the header counts down the last minute, then flips to closed at that moment, without a reload.
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-whatsapp-WindowCountdown.o-warning:contains(Window open: 0 h 1 min)",
        },
        {
            trigger: ".o-whatsapp-WindowCountdown.o-closed:contains(Window closed)",
            timeout: 60000,
        },
        {
            trigger:
                ".o-mail-DiscussContent:not(:has(.o-mail-Composer-input)) .o-whatsapp-ClosedWindowBanner",
        },
    ],
});
