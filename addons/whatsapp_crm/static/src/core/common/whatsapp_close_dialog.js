import { Component, onWillStart, useState } from "@odoo/owl";

import { Dialog } from "@web/core/dialog/dialog";
import { useService } from "@web/core/utils/hooks";

/**
 * "Finalizar": close the conversation, with an optional reason. The customer gets the farewell
 * message with the protocol (inside the 24-hour window, unless Settings skip it).
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @property {function} close
 * @extends {Component<Props, Env>}
 */
export class WhatsAppCloseDialog extends Component {
    static components = { Dialog };
    static props = ["thread", "close"];
    static template = "whatsapp_crm.WhatsAppCloseDialog";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.state = useState({ reasons: [], reasonId: "", farewell: true, sending: false });
        onWillStart(async () => {
            this.state.reasons = await this.orm.searchRead("whatsapp.close.reason", [], ["name"]);
        });
    }

    async onConfirm() {
        if (this.state.sending) {
            return;
        }
        this.state.sending = true;
        const done = await this.props.thread.whatsappQueueAction("action_whatsapp_close", {
            reason_id: this.state.reasonId ? parseInt(this.state.reasonId) : false,
            farewell: this.state.farewell,
        });
        if (done) {
            this.props.close();
        } else {
            this.state.sending = false;
        }
    }
}
