import { DiscussApp } from "@mail/core/public_web/discuss_app_model";

import { patch } from "@web/core/utils/patch";

// Loaded after the patch it extends (which defines the methods overridden here).
import "./discuss_app_model_patch";

patch(DiscussApp.prototype, {
    setup() {
        super.setup(...arguments);
        /**
         * The attendant's label filter of the queue lists: conversations with any of these labels
         * (none: no filter). The counts follow it.
         *
         * @type {number[]}
         */
        this.whatsappQueueLabelIds = [];
    },
    /** @override */
    whatsappQueueFetchContext() {
        const context = super.whatsappQueueFetchContext();
        if (this.whatsappQueueLabelIds.length) {
            context.whatsapp_queue_label_ids = [...this.whatsappQueueLabelIds];
        }
        return context;
    },
    /** @param {number} labelId */
    whatsappToggleQueueLabel(labelId) {
        const ids = this.whatsappQueueLabelIds;
        this.whatsappQueueLabelIds = ids.includes(labelId)
            ? ids.filter((id) => id !== labelId)
            : [...ids, labelId];
        this.whatsappFetchQueue();
    },
});
