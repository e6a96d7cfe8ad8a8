import { Component, useState } from "@odoo/owl";

import { CheckboxItem } from "@web/core/dropdown/checkbox_item";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { useService } from "@web/core/utils/hooks";

/**
 * A dropdown of the conversation labels with a checkbox each: to label a conversation, or to
 * filter the queue by label. The labels are fetched when it opens (managers edit them).
 *
 * @typedef {Object} Props
 * @property {number[]} selectedIds
 * @property {(labelId: number) => void} onToggle
 * @property {string} title
 * @property {string} [buttonClass]
 * @extends {Component<Props, Env>}
 */
export class WhatsAppLabelPicker extends Component {
    static components = { CheckboxItem, Dropdown };
    static props = ["selectedIds", "onToggle", "title", "buttonClass?"];
    static template = "whatsapp_crm.WhatsAppLabelPicker";

    setup() {
        super.setup();
        this.store = useService("mail.store");
        this.orm = useService("orm");
        this.state = useState({ loaded: false });
    }

    get labels() {
        return Object.values(this.store["whatsapp.label"].records).sort(
            (a, b) => (a.sequence ?? 10) - (b.sequence ?? 10) || a.name.localeCompare(b.name)
        );
    }

    async loadLabels() {
        const labels = await this.orm.searchRead("whatsapp.label", [], ["name", "color", "sequence"]);
        this.store.insert({ "whatsapp.label": labels });
        this.state.loaded = true;
    }
}
