import { Store } from "@mail/core/common/store_service";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Store} */
const storePatch = {
    /**
     * WhatsApp conversations are listed with the chats; on small screens they have their own
     * tab ("whatsapp", see the messaging menu patch), whose thread type is the tab's id.
     *
     * @override
     */
    tabToThreadType(tab) {
        const threadTypes = super.tabToThreadType(tab);
        if (tab === "chat" && !this.env.services.ui.isSmall) {
            threadTypes.push("whatsapp");
        }
        return threadTypes;
    },
};
patch(Store.prototype, storePatch);
