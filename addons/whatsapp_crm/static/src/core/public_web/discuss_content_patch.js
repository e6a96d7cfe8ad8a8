import { DiscussContent } from "@mail/core/public_web/discuss_content";

import { patch } from "@web/core/utils/patch";

patch(DiscussContent.prototype, {
    /** The customer's avatar in the header of a WhatsApp conversation. */
    get showThreadAvatar() {
        return this.thread.channel_type === "whatsapp" || super.showThreadAvatar;
    },
});
