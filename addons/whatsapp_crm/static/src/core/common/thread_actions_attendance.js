import { registerThreadAction } from "@mail/core/common/thread_actions";

import { _t } from "@web/core/l10n/translation";

/**
 * The conversation's links to Odoo (contact, opportunity, follow-up, PDF) and the supervisors'
 * "Espiar", as icons in the conversation's header.
 *
 * @param {{ owner: import("@odoo/owl").Component, store: import("models").Store, thread: import("models").Thread }} params
 */
function isWhatsAppConversation({ owner, store, thread }) {
    return (
        thread?.channel_type === "whatsapp" &&
        store.whatsappIsAttendant &&
        !owner.isDiscussSidebarChannelActions
    );
}

/**
 * Run a server action of the conversation (it returns a window action to open).
 *
 * @param {import("models").Thread} thread
 * @param {string} method
 */
async function runConversationAction(thread, method) {
    const { action, orm } = thread.store.env.services;
    const result = await orm.call("discuss.channel", method, [[thread.id]]);
    if (result && typeof result === "object") {
        await action.doAction(result);
    }
}

const RECORDS_GROUP = 15;

registerThreadAction("whatsapp-contact", {
    condition: isWhatsAppConversation,
    icon: "fa fa-fw fa-address-card-o",
    name: _t("Customer's contact"),
    open: ({ thread }) => runConversationAction(thread, "action_whatsapp_open_contact"),
    sequence: 10,
    sequenceGroup: RECORDS_GROUP,
});
registerThreadAction("whatsapp-lead", {
    condition: (params) => isWhatsAppConversation(params) && Boolean(params.store.whatsappHasCrm),
    icon: "fa fa-fw fa-star-o",
    name: _t("New opportunity"),
    open: ({ thread }) => runConversationAction(thread, "action_whatsapp_new_lead"),
    sequence: 20,
    sequenceGroup: RECORDS_GROUP,
});
registerThreadAction("whatsapp-activity", {
    condition: isWhatsAppConversation,
    icon: "fa fa-fw fa-calendar-check-o",
    name: _t("Schedule a follow-up"),
    open: ({ thread }) => runConversationAction(thread, "action_whatsapp_schedule_activity"),
    sequence: 30,
    sequenceGroup: RECORDS_GROUP,
});
registerThreadAction("whatsapp-send-report", {
    condition: (params) => isWhatsAppConversation(params) && params.thread.whatsapp_status === "open",
    icon: "fa fa-fw fa-file-pdf-o",
    name: _t("Send a PDF"),
    open: ({ thread }) => runConversationAction(thread, "action_whatsapp_send_report"),
    sequence: 40,
    sequenceGroup: RECORDS_GROUP,
});
registerThreadAction("whatsapp-watch", {
    condition: (params) =>
        isWhatsAppConversation(params) &&
        params.store.whatsappIsManager &&
        params.thread.whatsapp_status === "open" &&
        !params.thread.whatsappIsMine,
    icon: "fa fa-fw fa-eye",
    name: _t("Watch without taking (recorded)"),
    open: async ({ thread }) => {
        await thread.store.env.services.orm.call("discuss.channel", "action_whatsapp_watch", [[thread.id]]);
        thread.store.env.services.notification.add(
            _t("You are watching this conversation; managers can see that you did."),
            { type: "info" }
        );
    },
    sequence: 50,
    sequenceGroup: RECORDS_GROUP,
});
