import { Component } from "@odoo/owl";

import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";

import { WhatsAppLabelPicker } from "../common/whatsapp_label_picker";

/**
 * Next to the conversation's name in Discuss: its protocol number and its labels (which any
 * attendant can change).
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppConversationHeader extends Component {
    static components = { WhatsAppLabelPicker };
    static props = ["thread"];
    static template = "whatsapp_crm.WhatsAppConversationHeader";

    setup() {
        super.setup();
        this.store = useService("mail.store");
        this.orm = useService("orm");
    }

    get labelIds() {
        return this.props.thread.whatsapp_label_ids.map((label) => label.id);
    }

    get labelsTitle() {
        return _t("Labels");
    }

    /** @param {number} labelId */
    async toggleLabel(labelId) {
        const ids = this.labelIds;
        const next = ids.includes(labelId) ? ids.filter((id) => id !== labelId) : [...ids, labelId];
        await this.orm.call("discuss.channel", "whatsapp_set_labels", [[this.props.thread.id], next]);
        this.props.thread.whatsapp_label_ids = next.map((id) => this.store["whatsapp.label"].get(id));
    }
}
