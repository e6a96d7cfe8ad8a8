import { registry } from "@web/core/registry";

import { count, tab } from "./whatsapp_crm_queue_tour";
import { WHATSAPP_CONVERSATION } from "./whatsapp_crm_reply_tour";

/**
 * An attendant of the education programme ("Educativo") sees a new customer choosing in the
 * greeting menu (listed, not waiting yet); the customer answers "2" and, without a reload, the
 * conversation appears in their "Unassigned" list with its department.
 */
registry.category("web_tour.tours").add("whatsapp_crm_department_tour", {
    steps: () => [
        {
            trigger: tab("all"),
            run: "click",
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-DepartmentBadge.o-menu`,
        },
        {
            // Choosing in the menu is not waiting.
            trigger: count("unassigned", 0),
        },
        {
            // Opening "Unassigned" is the cue for the customer to answer (see test_ui_department.py).
            trigger: tab("unassigned"),
            run: "click",
        },
        {
            trigger: `${WHATSAPP_CONVERSATION} .o-whatsapp-DepartmentBadge:contains(Educativo)`,
        },
        {
            trigger: count("unassigned", 1),
        },
        {
            trigger: WHATSAPP_CONVERSATION,
            run: "click",
        },
        {
            trigger: ".o-whatsapp-ConversationHeader .o-whatsapp-DepartmentBadge:contains(Educativo)",
        },
        {
            // What the customer wrote before choosing stays in the thread.
            trigger: ".o-mail-Message-body:contains(Quero levar minha escola ao concerto)",
        },
        {
            trigger: ".o-mail-Message-body:contains(2)",
        },
    ],
});
