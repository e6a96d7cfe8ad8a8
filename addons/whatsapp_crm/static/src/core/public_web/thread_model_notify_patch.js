import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Thread} */
const threadPatch = {
    /**
     * A WhatsApp conversation's messages do not add to Discuss's out-of-focus "(n)": the tab title
     * counts conversations that need the attendant (whatsapp_attention_service.js), and alerts with
     * the tab in the background come from web push.
     *
     * @override
     */
    get notifyWhenOutOfFocus() {
        if (this.channel_type === "whatsapp") {
            return false;
        }
        return super.notifyWhenOutOfFocus;
    },
};
patch(Thread.prototype, threadPatch);
