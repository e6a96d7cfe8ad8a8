import { registry } from "@web/core/registry";

import { headerAction } from "./whatsapp_crm_queue_tour";
import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/**
 * "Finalizar": the attendant closes their conversation with a reason; the farewell message with the
 * protocol goes to the customer and the conversation leaves the queue.
 */
registry.category("web_tour.tours").add("whatsapp_crm_close_tour", {
    steps: () => [
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: headerAction("whatsapp-close"),
            run: "click",
        },
        {
            trigger: ".o-whatsapp-CloseDialog-reason:has(option:contains(Resolved))",
            run: "selectByLabel Resolved",
        },
        {
            trigger: ".o-whatsapp-CloseDialog-farewell:checked",
        },
        {
            trigger: ".o-whatsapp-CloseDialog-confirm:enabled",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o-whatsapp-CloseDialog))",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-closed",
        },
        {
            trigger: ".o-mail-Message:contains(Thank you for contacting us!):contains(Your protocol number is)",
        },
        {
            trigger: ".o-mail-NotificationMessage:contains(Closing reason: Resolved)",
        },
    ],
});
