import { fields } from "@mail/core/common/record";
import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Thread} */
const threadPatch = {
    setup() {
        super.setup(...arguments);
        /** The customer of a WhatsApp conversation (name, phone, WhatsApp profile name). */
        this.whatsapp_partner_id = fields.One("res.partner");
        /** @type {"open"|"closed"|undefined} */
        this.whatsapp_status = undefined;
        /** End of Meta's 24-hour customer-service window (free-form replies allowed until then). */
        this.whatsapp_window_expires_at = fields.Datetime();
    },
    get avatarUrl() {
        if (this.channel_type === "whatsapp" && this.whatsapp_partner_id) {
            return this.whatsapp_partner_id.avatarUrl;
        }
        return super.avatarUrl;
    },
    /** A WhatsApp conversation is a chat: unread counters, previews and "@" prefix as for one. */
    get isChatChannel() {
        return this.channel_type === "whatsapp" || super.isChatChannel;
    },
};
patch(Thread.prototype, threadPatch);
