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
};
patch(Message.prototype, messagePatch);
