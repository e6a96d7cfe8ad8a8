import { Component } from "@odoo/owl";

import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";

import { WhatsAppLabelPicker } from "../common/whatsapp_label_picker";
import { WhatsAppPushPrompt } from "./whatsapp_push_prompt";

/**
 * Under the WhatsApp category of an attendant's sidebar: the three queue lists with their live
 * counts, as the "Atendendo / Aguardando" tabs of the tools attendants used before.
 *
 * @typedef {Object} Props
 * @property {import("models").DiscussAppCategory} category
 * @extends {Component<Props, Env>}
 */
export class WhatsAppQueueTabs extends Component {
    static components = { WhatsAppLabelPicker, WhatsAppPushPrompt };
    static props = ["category"];
    static template = "whatsapp_crm.WhatsAppQueueTabs";

    setup() {
        super.setup();
        this.store = useService("mail.store");
    }

    get tabs() {
        const counts = this.store.discuss.whatsappQueueCounts;
        return [
            { id: "mine", label: _t("Mine"), count: counts?.mine },
            { id: "unassigned", label: _t("Unassigned"), count: counts?.unassigned },
            { id: "all", label: _t("All"), count: counts?.all },
        ];
    }

    get isListEmpty() {
        return !this.props.category.threads.some((thread) => thread.displayInSidebar);
    }

    /** @param {"mine"|"unassigned"|"all"} queueFilter */
    onClickTab(queueFilter) {
        this.store.discuss.whatsappSetQueueFilter(queueFilter);
    }

    get selectedLabels() {
        return this.store.discuss.whatsappQueueLabelIds
            .map((id) => this.store["whatsapp.label"].get(id))
            .filter(Boolean);
    }

    get labelFilterTitle() {
        return _t("Show only the conversations with these labels");
    }

    get removeLabelTitle() {
        return _t("Remove this filter");
    }

    /** @param {number} labelId */
    onToggleLabel(labelId) {
        this.store.discuss.whatsappToggleQueueLabel(labelId);
    }
}
