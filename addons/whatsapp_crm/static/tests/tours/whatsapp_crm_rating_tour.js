import { registry } from "@web/core/registry";

/**
 * A manager follows a closed conversation whose satisfaction survey is pending: the customer's
 * answer, already received by the webhook, is processed by the inbox job (run here as an
 * administrator would from Settings) and arrives live as the conversation's rating.
 */
registry.category("web_tour.tours").add("whatsapp_crm_rating_tour", {
    steps: () => [
        {
            trigger: ".o-mail-Message:contains(How would you rate this conversation?):contains(5 - Very good)",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-closed",
            async run() {
                const { orm } = odoo.__WOWL_DEBUG__.root.env.services;
                const crons = await orm.searchRead(
                    "ir.cron",
                    [["cron_name", "ilike", "WhatsApp: process received webhook events"]],
                    ["id"]
                );
                for (const cron of crons) {
                    await orm.call("ir.cron", "method_direct_trigger", [[cron.id]]);
                }
            },
        },
        {
            // The customer's answer, a message of its own (the survey's list holds the same words).
            trigger: ".o-mail-Message-body:text(5 - Very good)",
        },
        {
            trigger: ".o-mail-NotificationMessage:contains(The customer rated the conversation: 5/5)",
        },
    ],
});
