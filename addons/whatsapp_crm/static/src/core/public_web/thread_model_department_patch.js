import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

// Loaded after the patches it extends (which define the methods overridden here).
import "./thread_model_patch";
import "./thread_model_label_patch";

patch(Thread.prototype, {
    /**
     * Attendants list their departments' conversations only; a conversation whose customer is still
     * choosing in the greeting menu is not waiting ("Unassigned") yet.
     *
     * @override
     */
    get whatsappInQueueFilter() {
        if (!super.whatsappInQueueFilter || !this.whatsappInMyDepartments) {
            return false;
        }
        return !(
            this.store.discuss.whatsappQueueFilter === "unassigned" &&
            this.whatsapp_routing_state === "menu"
        );
    },
});
