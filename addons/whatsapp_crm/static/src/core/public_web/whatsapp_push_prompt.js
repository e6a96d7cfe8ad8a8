import { Component, useState } from "@odoo/owl";

import { browser } from "@web/core/browser/browser";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";

/** Once answered, the explanation is not shown again to this user in this browser. */
export const PUSH_PROMPT_LS = "whatsapp_crm.push_prompt_answered";

/**
 * Above an attendant's queue, until they answer: why WhatsApp alerts need the browser's permission.
 * Only "Enable" opens the browser's own prompt (browsers ignore pages that ask on their own at load);
 * Odoo's web client then subscribes the browser to web push. The attendant can turn WhatsApp alerts
 * off in My Preferences.
 */
export class WhatsAppPushPrompt extends Component {
    static props = {};
    static template = "whatsapp_crm.WhatsAppPushPrompt";

    setup() {
        super.setup();
        this.store = useService("mail.store");
        this.permission = useState(useService("mail.notification.permission"));
        this.storageKey = `${PUSH_PROMPT_LS}:${user.userId}`;
        this.state = useState({ answered: Boolean(browser.localStorage.getItem(this.storageKey)) });
    }

    get isVisible() {
        return (
            this.permission.permission === "prompt" &&
            !this.state.answered &&
            this.store.whatsappIsAttendant &&
            this.store.whatsappNotify?.push !== false
        );
    }

    answer() {
        browser.localStorage.setItem(this.storageKey, "1");
        this.state.answered = true;
    }

    async onClickEnable() {
        this.answer();
        await this.permission.requestPermission();
    }

    onClickNotNow() {
        this.answer();
    }
}
