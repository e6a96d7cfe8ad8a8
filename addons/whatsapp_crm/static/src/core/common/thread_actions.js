import { ACTION_TAGS } from "@mail/core/common/action";
import { registerThreadAction } from "@mail/core/common/thread_actions";

import { _t } from "@web/core/l10n/translation";

import { WhatsAppCloseDialog } from "./whatsapp_close_dialog";
import { WhatsAppTransferDialog } from "./whatsapp_transfer_dialog";

/**
 * The helpdesk actions of an open WhatsApp conversation ("Assumir", "Liberar", "Transferir",
 * "Finalizar"), in the conversation's header; not in the sidebar's per-conversation menu.
 *
 * @param {{ owner: import("@odoo/owl").Component, store: import("models").Store, thread: import("models").Thread }} params
 */
function isOpenWhatsAppConversation({ owner, store, thread }) {
    return (
        thread?.channel_type === "whatsapp" &&
        thread.whatsapp_status === "open" &&
        store.whatsappIsAttendant &&
        !owner.isDiscussSidebarChannelActions
    );
}

/** The assignee hands over their own conversation; managers reassign anyone's. */
function canReassign({ store, thread }) {
    return thread.whatsappIsMine || store.whatsappIsManager;
}

registerThreadAction("whatsapp-take", {
    condition: (params) =>
        isOpenWhatsAppConversation(params) && !params.thread.whatsapp_assignee_id,
    disabledCondition: ({ thread }) => thread.whatsappQueueActionPending,
    icon: "fa fa-fw fa-hand-paper-o",
    inlineName: _t("Take"),
    name: _t("Take"),
    open: ({ thread }) => thread.whatsappQueueAction("action_whatsapp_take"),
    sequence: 1,
    tags: [ACTION_TAGS.SUCCESS],
});
registerThreadAction("whatsapp-release", {
    condition: (params) =>
        isOpenWhatsAppConversation(params) &&
        Boolean(params.thread.whatsapp_assignee_id) &&
        canReassign(params),
    disabledCondition: ({ thread }) => thread.whatsappQueueActionPending,
    icon: "fa fa-fw fa-undo",
    inlineName: _t("Release"),
    name: _t("Release"),
    open: ({ thread }) => thread.whatsappQueueAction("action_whatsapp_release"),
    sequence: 2,
});
registerThreadAction("whatsapp-transfer", {
    condition: (params) => isOpenWhatsAppConversation(params) && canReassign(params),
    icon: "fa fa-fw fa-exchange",
    inlineName: _t("Transfer"),
    name: _t("Transfer"),
    open: ({ store, thread }) => store.env.services.dialog.add(WhatsAppTransferDialog, { thread }),
    sequence: 3,
});
registerThreadAction("whatsapp-close", {
    condition: (params) =>
        isOpenWhatsAppConversation(params) &&
        (!params.thread.whatsapp_assignee_id || canReassign(params)),
    disabledCondition: ({ thread }) => thread.whatsappQueueActionPending,
    icon: "fa fa-fw fa-check-circle-o",
    inlineName: _t("Close"),
    name: _t("Close"),
    open: ({ store, thread }) => store.env.services.dialog.add(WhatsAppCloseDialog, { thread }),
    sequence: 4,
});
