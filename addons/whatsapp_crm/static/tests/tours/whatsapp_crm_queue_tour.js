import { registry } from "@web/core/registry";

import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/** @param {"mine"|"unassigned"|"all"} queueFilter */
export const tab = (queueFilter) => `.o-whatsapp-QueueTabs-tab[data-queue-filter='${queueFilter}']`;
/** @param {"mine"|"unassigned"|"all"} queueFilter @param {number} count */
export const count = (queueFilter, count) =>
    `${tab(queueFilter)} .o-whatsapp-QueueTabs-count:text(${count})`;
/** @param {string} name of a thread action, e.g. "whatsapp-take" */
export const headerAction = (name) => `.o-mail-DiscussContent-header button[name='${name}']`;

/**
 * Checks, in a `run`, how the conversation on screen is followed on the bus: as a member (the
 * attendant answers it) or through Discuss's subscription of a locally pinned non-member channel.
 *
 * @param {"member"|"viewer"} how
 */
export function assertFollowedAs(how) {
    const { "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
    const thread = store.discuss.thread;
    const isMember = Boolean(thread.self_member_id);
    if (isMember !== (how === "member") || thread.shouldSubscribeToBusChannel === isMember) {
        throw new Error(
            `Expected the conversation to be followed as ${how}: member ${isMember}, ` +
                `own bus subscription ${thread.shouldSubscribeToBusChannel}`
        );
    }
}

/**
 * An attendant finds a waiting conversation under "Unassigned", takes it (the conversation moves
 * to "Mine" and shows their name), answers the customer and returns it to the queue. Only while
 * they answer it are they a member of it; before and after, they follow it as a viewer.
 */
registry.category("web_tour.tours").add("whatsapp_crm_queue_tour", {
    steps: () => [
        {
            trigger: tab("unassigned"),
            run: "click",
        },
        {
            trigger: `${tab("unassigned")}.active`,
        },
        {
            trigger: count("unassigned", 1),
        },
        {
            trigger: count("mine", 0),
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-QueueBadge.o-waiting:contains(Waiting)`,
        },
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Preciso de ajuda com meu pedido)",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-waiting:contains(Waiting)",
            run: () => assertFollowedAs("viewer"),
        },
        {
            // Only the assignee (or a manager) hands a conversation over.
            trigger: `.o-mail-DiscussContent-header:not(:has(button[name='whatsapp-release'])):not(:has(button[name='whatsapp-transfer']))`,
        },
        {
            trigger: headerAction("whatsapp-take"),
            run: "click",
        },
        {
            trigger:
                ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-mine:contains(Answered by Ana Atendente)",
        },
        {
            // Still listed while on screen, although it left "Unassigned".
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-QueueBadge.o-mine:contains(Answered by Ana Atendente)`,
        },
        {
            trigger: count("mine", 1),
        },
        {
            trigger: count("unassigned", 0),
        },
        {
            trigger: ".o-mail-NotificationMessage:contains(Ana Atendente is now answering.)",
        },
        {
            trigger: ".o-mail-DiscussContent-header:has(button[name='whatsapp-release'])",
            run: () => assertFollowedAs("member"),
        },
        {
            trigger: `.o-mail-DiscussContent-header:not(:has(button[name='whatsapp-take'])):has(button[name='whatsapp-transfer'])`,
        },
        {
            trigger: tab("mine"),
            run: "click",
        },
        {
            trigger: `${tab("mine")}.active`,
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-QueueBadge.o-mine`,
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "edit Já estou verificando o seu pedido",
        },
        {
            trigger: ".o-mail-Composer-input",
            run: "press Enter",
        },
        {
            trigger:
                ".o-mail-Message:contains(Já estou verificando o seu pedido) .o-whatsapp-Message-tick.o-queued",
        },
        {
            // What a disconnection longer than the bus history leaves behind: a message and the
            // queue's changes never received.
            trigger: ".o-mail-Message:contains(Já estou verificando o seu pedido)",
            run() {
                const { "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
                const thread = store.discuss.thread;
                thread.messages.delete(thread.messages.at(-1));
                store.discuss.whatsappQueueCounts = { mine: 7, unassigned: 7, all: 7 };
            },
        },
        {
            trigger:
                ".o-mail-Thread:not(:has(.o-mail-Message:contains(Já estou verificando o seu pedido)))",
        },
        {
            trigger: count("mine", 7),
            run() {
                const { bus_service: busService } = odoo.__WOWL_DEBUG__.root.env.services;
                busService.trigger("BUS:DISCONNECT", { code: 1006 });
                busService.trigger("BUS:RECONNECT");
            },
        },
        {
            trigger: ".o-mail-Message:contains(Já estou verificando o seu pedido)",
        },
        {
            trigger: count("mine", 1),
        },
        {
            trigger: headerAction("whatsapp-release"),
            run: "click",
        },
        {
            trigger: ".o-whatsapp-WindowBanner .o-whatsapp-QueueBadge.o-waiting:contains(Waiting)",
        },
        {
            trigger:
                ".o-mail-NotificationMessage:contains(Ana Atendente returned the conversation to the queue.)",
        },
        {
            trigger: count("mine", 0),
        },
        {
            trigger: count("unassigned", 1),
        },
        {
            // No longer a member, still on screen and followed live.
            trigger: headerAction("whatsapp-take"),
            run: () => assertFollowedAs("viewer"),
        },
        {
            // Leaving it ends that subscription.
            trigger: ".o-mail-Mailbox:contains(Starred)",
            run: "click",
        },
        {
            trigger: ".o-mail-Mailbox.o-active:contains(Starred)",
            run() {
                const { "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
                const thread = Object.values(store.Thread.records).find(
                    (record) => record.channel_type === "whatsapp"
                );
                if (thread.isLocallyPinned || thread.shouldSubscribeToBusChannel) {
                    throw new Error("The conversation left on screen is still followed on the bus");
                }
            },
        },
    ],
});
