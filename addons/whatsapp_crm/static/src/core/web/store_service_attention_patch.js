import { Store } from "@mail/core/common/store_service";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Store} */
const storePatch = {
    setup() {
        super.setup(...arguments);
        /**
         * What needs this attendant (whatsapp_attention_service.js): their conversations with
         * unread customer messages and the unassigned ones they may take.
         *
         * @type {{ mine_unread: number, unassigned: number, total: number }}
         */
        this.whatsappAttention = { mine_unread: 0, unassigned: 0, total: 0 };
        /**
         * The attendant's notification preferences (res_users_notify.py, a store global).
         *
         * @type {{ push: boolean, sound: boolean }|undefined}
         */
        this.whatsappNotify = undefined;
    },
    /**
     * The app badge and the messaging menu count the unassigned conversations too; the attendant's
     * own conversations are already counted by Discuss (unread channels they are a member of).
     *
     * @override
     */
    computeGlobalCounter() {
        return super.computeGlobalCounter() + (this.whatsappAttention?.unassigned ?? 0);
    },
};
patch(Store.prototype, storePatch);
