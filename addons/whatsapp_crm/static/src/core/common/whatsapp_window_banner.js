import { Component, onWillUnmount, useState } from "@odoo/owl";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

const { DateTime } = luxon;

/** How often the remaining time is recomputed; the banner shows minutes. */
const REFRESH_DELAY = 30 * 1000;

/**
 * Above the composer of a WhatsApp conversation: who the customer is and how long free-form
 * replies remain possible (Meta's 24-hour customer-service window, restarted by each customer
 * message). Display only: the composer is not locked.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppWindowBanner extends Component {
    static template = "whatsapp_crm.WhatsAppWindowBanner";
    static props = ["thread"];

    setup() {
        super.setup();
        this.state = useState({ now: DateTime.now() });
        const intervalId = browser.setInterval(() => {
            this.state.now = DateTime.now();
        }, REFRESH_DELAY);
        onWillUnmount(() => browser.clearInterval(intervalId));
    }

    /** @returns {import("models").ResPartner|undefined} */
    get customer() {
        return this.props.thread.whatsapp_partner_id;
    }

    /** Whole minutes left in the window (rounded up), 0 once it is closed. */
    get minutesLeft() {
        const expiresAt = this.props.thread.whatsapp_window_expires_at;
        if (!expiresAt) {
            return 0;
        }
        return Math.max(0, Math.ceil(expiresAt.diff(this.state.now, "minutes").minutes));
    }

    get windowText() {
        const minutesLeft = this.minutesLeft;
        if (!minutesLeft) {
            return _t("The 24-hour window is closed: the customer must write first.");
        }
        return _t("Reply window: %(hours)s h %(minutes)s min left", {
            hours: Math.floor(minutesLeft / 60),
            minutes: minutesLeft % 60,
        });
    }
}
