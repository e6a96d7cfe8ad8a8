import { WHATSAPP_ATTENDANT_GROUP } from "@whatsapp_crm/core/common/store_service_patch";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";

/** Once answered (or dismissed), the explanation is not shown again to this user in this browser. */
export const PUSH_PROMPT_LS = "whatsapp_crm.push_prompt_answered";
/** Let the web client settle first: the explanation comes after login, not with the page. */
const PROMPT_DELAY = 1000;

/**
 * After login, an attendant whose browser has not been asked yet reads why WhatsApp alerts need
 * the permission, and only a click on "Enable" opens the browser's own prompt (which browsers
 * ignore when a page asks on its own at load). Odoo's web client then subscribes the browser to
 * web push. The attendant can turn WhatsApp alerts off in My Preferences.
 */
export const whatsappPushPromptService = {
    dependencies: ["notification", "mail.notification.permission", "mail.store"],
    start(env, { notification, "mail.notification.permission": permission, "mail.store": store }) {
        const storageKey = `${PUSH_PROMPT_LS}:${user.userId}`;
        const prompt = async () => {
            if (
                permission.permission !== "prompt" ||
                browser.localStorage.getItem(storageKey) ||
                !(await user.hasGroup(WHATSAPP_ATTENDANT_GROUP)) ||
                store.whatsappNotify?.push === false
            ) {
                return;
            }
            const answered = () => browser.localStorage.setItem(storageKey, "1");
            const close = notification.add(
                _t(
                    "Get an alert when a customer writes on WhatsApp, even with this tab closed. Your browser will ask for permission."
                ),
                {
                    title: _t("WhatsApp notifications"),
                    type: "info",
                    sticky: true,
                    className: "o-whatsapp-PushPrompt",
                    onClose: answered,
                    buttons: [
                        {
                            name: _t("Enable"),
                            primary: true,
                            onClick: async () => {
                                answered();
                                close();
                                await permission.requestPermission();
                            },
                        },
                        {
                            name: _t("Not now"),
                            onClick: () => {
                                answered();
                                close();
                            },
                        },
                    ],
                }
            );
        };
        env.bus.addEventListener("WEB_CLIENT_READY", () => browser.setTimeout(prompt, PROMPT_DELAY), {
            once: true,
        });
    },
};

registry.category("services").add("whatsapp_crm.push_prompt", whatsappPushPromptService);
