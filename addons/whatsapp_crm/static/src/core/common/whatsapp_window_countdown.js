import { registerThreadAction } from "@mail/core/common/thread_actions";
import { Component, onWillUnmount, useState } from "@odoo/owl";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

const { DateTime } = luxon;

/** The countdown shows minutes: recomputing it every 15 s keeps it within a quarter minute. */
const REFRESH_DELAY = 15 * 1000;
/** Under this much time left, the countdown turns amber. */
const WARNING_MINUTES = 120;

/**
 * In the header of a WhatsApp conversation: how long free-form replies remain possible ("Window
 * open: 3 h 12 min", amber under 2 h), "Window closed" once Meta's 24-hour window has passed —
 * at that very moment, without a reload (the thread's `whatsappWindowExpired` timer) — and
 * whether Meta's free entry point (an ad-started conversation) currently makes messages free.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @extends {Component<Props, Env>}
 */
export class WhatsAppWindowCountdown extends Component {
    static template = "whatsapp_crm.WhatsAppWindowCountdown";
    static props = ["thread"];

    setup() {
        super.setup();
        this.state = useState({ now: DateTime.now() });
        const intervalId = browser.setInterval(() => (this.state.now = DateTime.now()), REFRESH_DELAY);
        onWillUnmount(() => browser.clearInterval(intervalId));
    }

    /** Whole minutes left in the window (rounded up: "0 h 1 min" until its last second). */
    get minutesLeft() {
        const { thread } = this.props;
        if (thread.whatsappComposerBlocked || thread.whatsappWindowExpired) {
            return 0;
        }
        const expiresAt = thread.whatsapp_window_expires_at;
        return expiresAt ? Math.max(0, Math.ceil(expiresAt.diff(this.state.now, "minutes").minutes)) : 0;
    }

    get isWarning() {
        return this.minutesLeft > 0 && this.minutesLeft < WARNING_MINUTES;
    }

    get text() {
        const minutesLeft = this.minutesLeft;
        if (!minutesLeft) {
            return _t("Window closed");
        }
        return _t("Window open: %(hours)s h %(minutes)s min", {
            hours: Math.floor(minutesLeft / 60),
            minutes: minutesLeft % 60,
        });
    }

    get title() {
        const expiresAt = this.props.thread.whatsapp_window_expires_at;
        if (!this.minutesLeft) {
            return _t("More than 24 hours since the customer's last message: only templates can be sent.");
        }
        return _t("Free-form replies are possible until %(time)s (24 hours after the customer's last message).", {
            time: expiresAt.toLocaleString(DateTime.DATETIME_SHORT),
        });
    }

    /** Meta's free entry point: until when messages are free, if they are now. */
    get freeUntilText() {
        const freeUntil = this.props.thread.whatsapp_free_entry_until;
        if (!freeUntil || freeUntil <= this.state.now) {
            return "";
        }
        return _t("Free until %(time)s (conversation from an ad)", {
            time: freeUntil.toLocaleString(DateTime.DATETIME_SHORT),
        });
    }
}

registerThreadAction("whatsapp-window", {
    component: WhatsAppWindowCountdown,
    componentProps: ({ thread }) => ({ thread }),
    condition: ({ owner, thread }) =>
        thread?.channel_type === "whatsapp" &&
        thread.whatsapp_status === "open" &&
        !owner.isDiscussSidebarChannelActions,
    name: _t("Reply window"),
    // The leftmost of the header's quick actions (they are shown in reverse order in chat windows).
    sequenceQuick: 30,
});
