import { Component } from "@odoo/owl";

/**
 * Above the composer of a WhatsApp conversation: who the customer is and who answers them. The
 * reply window's countdown is in the conversation's header (`WhatsAppWindowCountdown`); once the
 * window is closed the composer itself gives way to the "send a template" banner.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppWindowBanner extends Component {
    static template = "whatsapp_crm.WhatsAppWindowBanner";
    static props = ["thread"];

    /** @returns {import("models").ResPartner|undefined} */
    get customer() {
        return this.props.thread.whatsapp_partner_id;
    }
}
