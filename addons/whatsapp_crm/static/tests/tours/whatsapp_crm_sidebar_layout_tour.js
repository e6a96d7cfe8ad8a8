import { registry } from "@web/core/registry";

import { tab } from "./whatsapp_crm_queue_tour";
import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/** Whether ``el``'s content is cut (ellipsis or overflow) horizontally. */
function isCut(el) {
    return el.scrollWidth > el.clientWidth + 1;
}

/**
 * The queue tabs read at a glance: with three-digit counts, neither a tab's name nor its count is
 * cut; a conversation's row shows its last message and how long the customer has waited.
 */
registry.category("web_tour.tours").add("whatsapp_crm_sidebar_layout_tour", {
    steps: () => [
        {
            trigger: `${tab("all")} .o-whatsapp-QueueTabs-count`,
            run() {
                const { "mail.store": store } = odoo.__WOWL_DEBUG__.root.env.services;
                store.discuss.whatsappQueueCounts = { mine: 128, unassigned: 457, all: 999 };
            },
        },
        {
            trigger: `${tab("all")} .o-whatsapp-QueueTabs-count:text(999)`,
            run() {
                const problems = [];
                for (const tabEl of document.querySelectorAll(".o-whatsapp-QueueTabs-tab")) {
                    for (const part of tabEl.querySelectorAll(
                        ".o-whatsapp-QueueTabs-label, .o-whatsapp-QueueTabs-count"
                    )) {
                        if (isCut(part) || part.getBoundingClientRect().right > tabEl.getBoundingClientRect().right) {
                            problems.push(`${part.textContent} (${part.scrollWidth} > ${part.clientWidth})`);
                        }
                    }
                }
                const width = document.querySelector(".o-mail-DiscussSidebar").getBoundingClientRect().width;
                if (problems.length) {
                    throw new Error(`cut at ${window.innerWidth}px (sidebar ${width}px): ${problems.join(", ")}`);
                }
            },
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-SidebarRow-preview:contains(Preciso de ajuda com meu pedido)`,
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-SidebarRow-waiting`,
        },
    ],
});
