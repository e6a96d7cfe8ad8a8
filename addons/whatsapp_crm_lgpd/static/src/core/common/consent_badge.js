import { Component } from "@odoo/owl";

/**
 * The customer's WhatsApp consent in the header of their conversation: "Consent: yes", "Opted out",
 * "No consent" or "Anonymised", with the date, source and legal basis as a tooltip. Texts come from
 * the server (`whatsapp_consent_badge`), already translated; only the DPO changes consent, from the
 * contact form.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppConsentBadge extends Component {
    static template = "whatsapp_crm_lgpd.ConsentBadge";
    static props = ["thread"];

    /** @returns {{ status: string, text: string, title: string }|undefined} */
    get badge() {
        return this.props.thread.whatsapp_partner_id?.whatsapp_consent_badge;
    }
}
