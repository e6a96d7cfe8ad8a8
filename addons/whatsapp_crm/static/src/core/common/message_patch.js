import { Message } from "@mail/core/common/message";

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/core/common/message").Message} */
const messagePatch = {
    /**
     * The tick drawn under an outbound WhatsApp message: Meta's states folded into what the
     * WhatsApp apps show (a clock until Meta sends it, then one, two grey, two blue ticks).
     *
     * @returns {{ kind: "queued"|"sent"|"delivered"|"read"|"failed", title: string }|null}
     */
    get whatsappTick() {
        const status = this.message.whatsapp_status;
        if (status?.direction !== "out") {
            return null;
        }
        switch (status.state) {
            case "outgoing":
            case "accepted":
                return { kind: "queued", title: _t("Queued") };
            case "sent":
                return { kind: "sent", title: _t("Sent") };
            case "delivered":
                return { kind: "delivered", title: _t("Delivered") };
            case "read":
            case "played":
                return { kind: "read", title: _t("Read") };
            case "failed":
                return { kind: "failed", title: _t("Not delivered") };
        }
        return null;
    },
    /**
     * The customer's file while it cannot be shown: on its way (the download queue has it) or
     * not available (refused or expired; the message's text says why, in the server's words).
     *
     * @returns {{ kind: "pending"|"unavailable", title: string }|null}
     */
    get whatsappMediaState() {
        switch (this.message.whatsapp_status?.media?.state) {
            case "pending":
                return { kind: "pending", title: _t("Receiving the file…") };
            case "failed":
            case "unavailable":
                return { kind: "unavailable", title: _t("The file is not available") };
        }
        return null;
    },
};
patch(Message.prototype, messagePatch);
