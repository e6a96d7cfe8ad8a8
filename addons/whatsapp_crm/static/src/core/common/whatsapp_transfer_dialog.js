import { Component, onWillStart, useState } from "@odoo/owl";

import { Dialog } from "@web/core/dialog/dialog";
import { useService } from "@web/core/utils/hooks";

/**
 * "Transferir": hand a conversation to another attendant, with an optional note for them (the
 * note goes into the thread's transfer notice, never to the customer).
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @property {function} close
 * @extends {Component<Props, Env>}
 */
export class WhatsAppTransferDialog extends Component {
    static components = { Dialog };
    static props = ["thread", "close"];
    static template = "whatsapp_crm.WhatsAppTransferDialog";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.state = useState({ attendants: [], note: "", sending: false, userId: "" });
        onWillStart(async () => {
            // The server's own rule (active attendants of the conversation's company).
            const attendants = await this.orm.call("discuss.channel", "whatsapp_transfer_candidates", [
                [this.props.thread.id],
            ]);
            const assigneeId = this.props.thread.whatsapp_assignee_id?.id;
            this.state.attendants = attendants.filter((attendant) => attendant.id !== assigneeId);
        });
    }

    async onConfirm() {
        if (!this.state.userId || this.state.sending) {
            return;
        }
        this.state.sending = true;
        const note = this.state.note.trim();
        const done = await this.props.thread.whatsappQueueAction("action_whatsapp_transfer", {
            user_id: parseInt(this.state.userId),
            note: note || false,
        });
        if (done) {
            this.props.close();
        } else {
            this.state.sending = false;
        }
    }
}
