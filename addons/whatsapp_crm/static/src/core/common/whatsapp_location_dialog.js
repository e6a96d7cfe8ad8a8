import { Component, onWillStart, useState } from "@odoo/owl";

import { Dialog } from "@web/core/dialog/dialog";
import { useService } from "@web/core/utils/hooks";

/**
 * "Location": pick one of the places managers set up (the hall, the box office…); it goes to
 * the customer as a WhatsApp map pin and shows in the thread as a location card.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @property {function} close
 * @extends {Component<Props, Env>}
 */
export class WhatsAppLocationDialog extends Component {
    static components = { Dialog };
    static props = ["thread", "close"];
    static template = "whatsapp_crm.WhatsAppLocationDialog";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.state = useState({ locations: [], loaded: false, sending: false });
        onWillStart(async () => {
            this.state.locations = await this.orm.searchRead(
                "whatsapp.location",
                [],
                ["name", "address", "latitude", "longitude"]
            );
            this.state.loaded = true;
        });
    }

    /** @param {{ id: number }} location */
    async onSend(location) {
        if (this.state.sending) {
            return;
        }
        this.state.sending = true;
        try {
            await this.orm.call("discuss.channel", "whatsapp_post_location", [
                [this.props.thread.id],
                location.id,
            ]);
            this.props.close();
        } finally {
            this.state.sending = false;
        }
    }
}
