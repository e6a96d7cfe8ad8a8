import { Message } from "@mail/core/common/message";

import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/core/common/message").Message} */
const messagePatch = {
    /**
     * The tick drawn under an outbound WhatsApp message: Meta's states folded into what the
     * WhatsApp apps show (a clock until Meta sends it, then one, two grey, two blue ticks). The
     * server decides which (``whatsapp_status.tick``); the client only draws it.
     *
     * @returns {{ kind: "queued"|"uncertain"|"sent"|"delivered"|"read"|"failed", title: string }|null}
     */
    get whatsappTick() {
        const status = this.message.whatsapp_status;
        if (status?.direction !== "out" || !status.tick) {
            return null;
        }
        return { kind: status.tick, title: status.tick_title };
    },
    /**
     * "Reenviar" under a message whose send may or may not have reached the customer: only after
     * the attendant confirms, because the customer may then receive it twice.
     */
    onClickWhatsappResend() {
        this.env.services.dialog.add(ConfirmationDialog, {
            title: _t("Send again?"),
            body: _t(
                "WhatsApp did not confirm this message. It may already have reached the customer: sending it again may make them receive it twice."
            ),
            confirmLabel: _t("Send again"),
            confirm: async () => {
                await this.env.services.orm.call("whatsapp.message", "whatsapp_resend", [this.message.id]);
            },
            cancel: () => {},
        });
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
