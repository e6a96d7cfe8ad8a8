import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Thread} */
const threadPatch = {
    _computeDiscussAppCategory() {
        if (this.channel_type === "whatsapp") {
            return this.store.discuss.whatsappCategory;
        }
        return super._computeDiscussAppCategory();
    },
    /**
     * An attendant's sidebar lists the open conversations of the queue list they chose, member
     * or not; the conversation on screen stays listed (e.g. right after taking it from "Unassigned").
     */
    _computeDisplayInSidebar() {
        if (this.channel_type === "whatsapp" && this.store.whatsappIsAttendant) {
            return this.whatsappInQueueFilter || this.eq(this.store.discuss.thread);
        }
        return super._computeDisplayInSidebar();
    },
    /** Whether this conversation belongs to the attendant's selected queue list. */
    get whatsappInQueueFilter() {
        if (this.whatsapp_status !== "open") {
            return false;
        }
        switch (this.store.discuss.whatsappQueueFilter) {
            case "mine":
                return this.whatsappIsMine;
            case "unassigned":
                return !this.whatsapp_assignee_id;
        }
        return true;
    },
    /**
     * @override
     * @param {boolean} pushState
     */
    setAsDiscussThread(pushState) {
        super.setAsDiscussThread(pushState);
        if (this.channel_type === "whatsapp") {
            // A conversation listed by the queue came with the list's few fields (the user may not be
            // a member): its header needs the conversation's whole data (e.g. the customer's details).
            this.store.Thread.getOrFetch(this);
        }
        if (this.store.env.services.ui.isSmall && this.channel_type === "whatsapp") {
            this.store.discuss.activeTab = "whatsapp";
        }
    },
};
patch(Thread.prototype, threadPatch);
