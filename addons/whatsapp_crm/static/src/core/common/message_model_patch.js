import { Message } from "@mail/core/common/message_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Message} */
const messagePatch = {
    setup() {
        super.setup(...arguments);
        /**
         * Delivery state of the WhatsApp message behind this Discuss message, sent by the server
         * with the message and again on the bus whenever Meta reports a new status.
         *
         * @type {{
         *   direction: "in"|"out",
         *   state: "outgoing"|"accepted"|"sent"|"delivered"|"read"|"played"|"failed"|"received",
         *   failure_reason: string|false,
         *   error_code: number|false,
         * }|undefined}
         */
        this.whatsapp_status = undefined;
    },
};
patch(Message.prototype, messagePatch);
