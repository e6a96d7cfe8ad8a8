import { registry } from "@web/core/registry";

/** @param {string} name of the customer, as the WhatsApp category of the Discuss sidebar lists it */
const conversation = (name) =>
    `.o-whatsapp-DiscussSidebarCategory-conversations ~ .o-mail-DiscussSidebarChannel-container .o-mail-DiscussSidebarChannel:contains(${name})`;
const badge = ".o-mail-DiscussContent-header .o-whatsapp-ConsentBadge";

/**
 * An attendant sees each customer's consent in the conversation's header: given by writing first,
 * or withdrawn (the keyword PARAR), with where it comes from in the tooltip.
 */
registry.category("web_tour.tours").add("whatsapp_crm_lgpd_consent_tour", {
    steps: () => [
        {
            trigger: conversation("Maria Souza"),
            run: "click",
        },
        {
            trigger: ".o-mail-Message-body:contains(Bom dia)",
        },
        {
            trigger: `${badge}.o-opted_in:contains(Consent: yes)[title*='Message started by the customer']`,
        },
        {
            trigger: conversation("Pedro Lima"),
            run: "click",
        },
        {
            // The conversation is loaded (nothing left in flight when the tour ends)...
            trigger: ".o-mail-NotificationMessage:contains(no longer receive marketing)",
        },
        {
            // ...and its header says the customer withdrew consent.
            trigger: `${badge}.o-opted_out:contains(Opted out)[title*='Opt-out keyword']`,
        },
    ],
});
