import { Component, onWillUnmount, reactive, useState } from "@odoo/owl";

import { DiscussSidebarChannel } from "@mail/discuss/core/public_web/discuss_sidebar_categories";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

const { DateTime } = luxon;

/** Waiting times are shown in minutes: one shared clock ticks for every row. */
const CLOCK_TICK = 30 * 1000;
const clock = reactive({ now: DateTime.now(), users: 0, intervalId: null });

function useClock() {
    const state = useState(clock);
    if (!clock.users++) {
        clock.now = DateTime.now();
        clock.intervalId = browser.setInterval(() => (clock.now = DateTime.now()), CLOCK_TICK);
    }
    onWillUnmount(() => {
        if (!--clock.users) {
            browser.clearInterval(clock.intervalId);
        }
    });
    return state;
}

/**
 * Under a conversation's name in the sidebar: its last message, and how long the customer has
 * been waiting for an answer (amber after 5 minutes, red after 15).
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppSidebarRowInfo extends Component {
    static props = ["thread"];
    static template = "whatsapp_crm.WhatsAppSidebarRowInfo";

    setup() {
        super.setup();
        this.clock = useClock();
    }

    /** Whole minutes the customer has waited, or null when nobody is waiting. */
    get waitingMinutes() {
        const since = this.props.thread.whatsapp_waiting_since;
        if (!since) {
            return null;
        }
        return Math.max(0, Math.floor(this.clock.now.diff(since, "minutes").minutes));
    }

    get waitingText() {
        const minutes = this.waitingMinutes;
        if (minutes < 1) {
            return _t("now");
        }
        if (minutes < 60) {
            return _t("%(minutes)s min", { minutes });
        }
        if (minutes < 24 * 60) {
            return _t("%(hours)s h %(minutes)s", {
                hours: Math.floor(minutes / 60),
                minutes: String(minutes % 60).padStart(2, "0"),
            });
        }
        return _t("%(days)s d", { days: Math.floor(minutes / (24 * 60)) });
    }

    get waitingTitle() {
        return _t("The customer has been waiting for an answer for %(time)s", { time: this.waitingText });
    }

    get waitingClass() {
        const minutes = this.waitingMinutes;
        return minutes >= 15 ? "text-danger" : minutes >= 5 ? "text-warning-emphasis" : "text-muted";
    }
}

patch(DiscussSidebarChannel, {
    components: { ...DiscussSidebarChannel.components, WhatsAppSidebarRowInfo },
});
