import { Composer } from "@mail/core/common/composer";

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/core/common/composer").Composer} */
const composerPatch = {
    /** Whether this composer writes an internal note in a WhatsApp conversation. */
    get whatsappNoteMode() {
        return Boolean(
            this.thread?.channel_type === "whatsapp" &&
                this.thread.whatsappNoteMode &&
                !this.props.composer.message
        );
    },
    /**
     * A note is posted with Discuss's note subtype: it stays in Odoo, for the team (colleagues can
     * be @mentioned), and is never sent to the customer.
     *
     * @override
     */
    get postData() {
        const postData = super.postData;
        if (this.whatsappNoteMode) {
            postData.isNote = true;
        }
        return postData;
    },
    /** @override */
    get placeholder() {
        if (this.whatsappNoteMode) {
            return _t("Internal note: the customer does not see it. @mention a colleague…");
        }
        return super.placeholder;
    },
    /** @override */
    async _sendMessage() {
        const thread = this.thread;
        const wasNote = this.whatsappNoteMode;
        await super._sendMessage(...arguments);
        if (wasNote && thread) {
            thread.whatsappNoteMode = false; // back to writing to the customer
        }
    },
};
patch(Composer.prototype, composerPatch);
