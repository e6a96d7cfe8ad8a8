import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

// Loaded after the patch it extends (which defines the methods overridden here).
import "./thread_model_patch";

patch(Thread.prototype, {
    /**
     * With a label filter, a queue list shows only the conversations with one of its labels.
     *
     * @override
     */
    get whatsappInQueueFilter() {
        const labelIds = this.store.discuss.whatsappQueueLabelIds;
        if (!super.whatsappInQueueFilter) {
            return false;
        }
        return !labelIds?.length || this.whatsapp_label_ids.some((label) => labelIds.includes(label.id));
    },
});
