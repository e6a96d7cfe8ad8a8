import { Store } from "@mail/core/common/store_service";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Store} */
const storePatch = {
    /** The counts change with the conversation's list: refresh them now, not at the bus echo. */
    whatsappOnQueueChanged() {
        super.whatsappOnQueueChanged(...arguments);
        if (this.discuss?.whatsappQueueSubscribed) {
            this.discuss.whatsappFetchQueue();
        }
    },
    /** Queue changes missed while disconnected: fetch the lists and counts again. */
    whatsappResync() {
        super.whatsappResync(...arguments);
        if (this.discuss?.whatsappQueueSubscribed) {
            this.discuss.whatsappFetchQueue();
        }
    },
};
patch(Store.prototype, storePatch);
