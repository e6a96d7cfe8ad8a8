import { MessagingMenu } from "@mail/core/public_web/messaging_menu";

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

patch(MessagingMenu.prototype, {
    /**
     * A "WhatsApp" tab (small screens) for users who have WhatsApp conversations.
     *
     * @override
     */
    get _tabs() {
        const items = super._tabs;
        const category = this.store.discuss.whatsappCategory;
        if (category?.threads.length) {
            items.push({
                counter: category.threadsWithCounter.length,
                icon: "fa fa-whatsapp",
                id: "whatsapp",
                label: _t("WhatsApp"),
                sequence: 30,
            });
        }
        return items;
    },
});
