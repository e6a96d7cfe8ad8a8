import { Component, useState } from "@odoo/owl";

import { Dialog } from "@web/core/dialog/dialog";
import { RPCError } from "@web/core/network/rpc";
import { useService } from "@web/core/utils/hooks";

/** WhatsApp shows at most 3 reply buttons; a list has up to 10 rows. */
export const MAX_BUTTONS = 3;
export const MAX_ROWS = 10;

/**
 * A question with answers the customer taps: reply buttons (up to 3) or a list (up to 10). The
 * customer's tap comes back as a reply to the question.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @property {function} close
 * @extends {Component<Props, Env>}
 */
export class WhatsAppInteractiveDialog extends Component {
    static components = { Dialog };
    static props = ["thread", "close"];
    static template = "whatsapp_crm.WhatsAppInteractiveDialog";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.state = useState({
            kind: "buttons",
            body: "",
            button: "",
            options: [{ title: "", description: "" }, { title: "", description: "" }],
            error: "",
            sending: false,
        });
    }

    get maxOptions() {
        return this.state.kind === "buttons" ? MAX_BUTTONS : MAX_ROWS;
    }

    get canAddOption() {
        return this.state.options.length < this.maxOptions;
    }

    /** @param {"buttons"|"list"} kind */
    setKind(kind) {
        this.state.kind = kind;
        this.state.options.splice(this.maxOptions);
    }

    addOption() {
        if (this.canAddOption) {
            this.state.options.push({ title: "", description: "" });
        }
    }

    /** @param {number} index */
    removeOption(index) {
        this.state.options.splice(index, 1);
    }

    async onConfirm() {
        if (this.state.sending) {
            return;
        }
        this.state.sending = true;
        this.state.error = "";
        const options = this.state.options
            .filter((option) => option.title.trim())
            .map((option) => ({ title: option.title, description: option.description }));
        try {
            await this.orm.call("discuss.channel", "whatsapp_post_interactive", [[this.props.thread.id]], {
                kind: this.state.kind,
                body: this.state.body,
                options,
                button: this.state.kind === "list" ? this.state.button : false,
            });
        } catch (error) {
            if (error instanceof RPCError && error.exceptionName === "odoo.exceptions.UserError") {
                this.state.error = error.data.message;
                this.state.sending = false;
                return;
            }
            throw error;
        }
        this.props.close();
    }
}
