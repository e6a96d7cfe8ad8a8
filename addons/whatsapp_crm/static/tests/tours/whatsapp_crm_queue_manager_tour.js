import { registry } from "@web/core/registry";

import { count, headerAction, tab } from "./whatsapp_crm_queue_tour";
import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/**
 * A manager sees who answers a conversation, follows a change made elsewhere live (from the
 * bus, not from their own action), transfers the conversation with a note and closes it.
 */
registry.category("web_tour.tours").add("whatsapp_crm_queue_manager_tour", {
    steps: () => [
        {
            trigger: tab("all"),
            run: "click",
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-QueueBadge.o-other:contains(Answered by Ana Atendente)`,
            run: "click",
        },
        {
            trigger:
                ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-other:contains(Answered by Ana Atendente)",
        },
        {
            trigger: count("mine", 0),
        },
        {
            // Taking a conversation someone answers (their click was faster) is refused, politely.
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-other",
            async run() {
                const { "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
                await store.discuss.thread.whatsappQueueAction("action_whatsapp_take");
            },
        },
        {
            trigger:
                ".o_notification:has(.o_notification_bar.bg-warning):contains(Ana Atendente is already answering this conversation.)",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            // Managers reassign anyone's conversation; nobody takes an assigned one.
            trigger: `.o-mail-DiscussContent-header:not(:has(button[name='whatsapp-take'])):has(button[name='whatsapp-release'])`,
        },
        {
            // Someone else releases it (here: a call behind the UI's back): the queue follows.
            trigger: headerAction("whatsapp-transfer"),
            async run() {
                const { orm, "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
                await orm.call("discuss.channel", "action_whatsapp_release", [
                    [store.discuss.thread.id],
                ]);
            },
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-QueueBadge.o-waiting:contains(Waiting)`,
        },
        {
            trigger: count("unassigned", 1),
        },
        {
            trigger: headerAction("whatsapp-transfer"),
            run: "click",
        },
        {
            trigger:
                ".o-whatsapp-TransferDialog-user:has(option:contains(Beto Atendente)):not(:has(option:contains(WhatsApp)))",
            run: "selectByLabel Beto Atendente",
        },
        {
            trigger: ".o-whatsapp-TransferDialog-note",
            run: "edit Cliente quer trocar o ingresso de sábado",
        },
        {
            trigger: ".o-whatsapp-TransferDialog-confirm:enabled",
            run: "click",
        },
        {
            trigger: "body:not(:has(.o-whatsapp-TransferDialog))",
        },
        {
            trigger:
                ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-other:contains(Answered by Beto Atendente)",
        },
        {
            trigger:
                ".o-mail-NotificationMessage:contains(Gabi Gerente transferred the conversation to Beto Atendente.):contains(Cliente quer trocar o ingresso de sábado)",
        },
        {
            trigger: count("unassigned", 0),
        },
        {
            trigger: headerAction("whatsapp-close"),
            run: "click",
        },
        {
            // "Finalizar" asks for an optional reason (see whatsapp_crm_close_tour).
            trigger: ".o-whatsapp-CloseDialog-confirm:enabled",
            run: "click",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-closed:contains(Closed)",
        },
        {
            // No queue action on a closed conversation (its record links stay: contact, follow-up).
            trigger: ".o-mail-DiscussContent-header:not(:has(button[name='whatsapp-take'], button[name='whatsapp-release'], button[name='whatsapp-transfer'], button[name='whatsapp-close']))",
        },
        {
            trigger: count("all", 0),
        },
    ],
});
