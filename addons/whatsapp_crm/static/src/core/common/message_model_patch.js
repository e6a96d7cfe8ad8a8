import { Message } from "@mail/core/common/message_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Message} */
const messagePatch = {
    setup() {
        super.setup(...arguments);
        /**
         * Delivery state of the WhatsApp message behind this Discuss message, sent by the server
         * with the message and again on the bus whenever Meta reports a new status. `media`
         * describes the customer's file of an inbound media message, sent again when its
         * download ends (stored, failed or unavailable).
         *
         * @type {{
         *   direction: "in"|"out",
         *   state: "outgoing"|"accepted"|"sent"|"delivered"|"read"|"played"|"failed"|"received",
         *   failure_reason: string|false,
         *   error_code: number|false,
         *   template: string|false,
         *   rank: number|null,
         *   media?: {
         *     kind: "image"|"video"|"audio"|"document"|"sticker",
         *     state: "pending"|"stored"|"failed"|"unavailable",
         *     voice: boolean,
         *     animated: boolean,
         *   }|false,
         * }|undefined}
         */
        this.whatsapp_status = undefined;
    },
    /**
     * Ticks only move forward on screen: a state older than the one shown (a message fetch
     * answered after the bus brought a newer tick) is ignored. The server gives each state its
     * ``rank`` in that order (none for a failure, which always shows).
     *
     * @override
     */
    update(data) {
        const next = data?.whatsapp_status;
        const current = this.whatsapp_status;
        if (
            Number.isInteger(next?.rank) &&
            Number.isInteger(current?.rank) &&
            next.rank < current.rank
        ) {
            data = Object.fromEntries(
                Object.entries(data).filter(([name]) => name !== "whatsapp_status")
            );
        }
        return super.update(data);
    },
};
patch(Message.prototype, messagePatch);
