import { fields } from "@mail/core/common/record";
import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Thread} */
const threadPatch = {
    setup() {
        super.setup(...arguments);
        /** The conversation's protocol number ("2026-000123"), what customers quote. */
        this.whatsapp_protocol = undefined;
        /** The conversation's labels, to filter the queue by. */
        this.whatsapp_label_ids = fields.Many("whatsapp.label");
        /** The last message of the conversation, as a line of text, for the sidebar. */
        this.whatsapp_last_preview = undefined;
        /** Since when the customer waits for an answer (their first unanswered message). */
        this.whatsapp_waiting_since = fields.Datetime();
        /** The composer of this conversation writes internal notes (never sent to the customer). */
        this.whatsappNoteMode = false;
        /** The newest message already reported as read to the server (see `whatsappMarkRead`). */
        this.whatsappReadReportedId = 0;
    },
    /**
     * Discuss marks a conversation read when the attendant has it on screen: at the bottom of the
     * thread, the thread or its composer focused. That is when the customer gets blue ticks - and
     * only when this browser tab is also visible and focused.
     *
     * @override
     */
    markAsRead() {
        super.markAsRead(...arguments);
        this.whatsappMarkRead();
    },
    whatsappMarkRead() {
        if (this.channel_type !== "whatsapp" || !this.store.whatsappIsAttendant || !this.isDisplayed) {
            return;
        }
        if (document.visibilityState !== "visible" || !document.hasFocus()) {
            return;
        }
        const newest = this.newestPersistentOfAllMessage;
        if (!newest || newest.id <= this.whatsappReadReportedId) {
            return;
        }
        this.whatsappReadReportedId = newest.id;
        this.store.env.services.orm.silent
            .call("discuss.channel", "whatsapp_mark_read", [[this.id]], { last_message_id: newest.id })
            .catch(() => (this.whatsappReadReportedId = 0));
    },
};
patch(Thread.prototype, threadPatch);
