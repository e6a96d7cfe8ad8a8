import { WHATSAPP_ATTENDANT_GROUP } from "@whatsapp_crm/core/common/store_service_patch";
import { WHATSAPP_QUEUE_BUS_CHANNEL } from "@whatsapp_crm/core/public_web/discuss_app_model_patch";

import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { debounce } from "@web/core/utils/timing";

/** A burst of bus notifications (ten customers writing at once) costs one count. */
const REFRESH_DELAY = 300;

/**
 * What needs the attendant, live, wherever they are in Odoo and whether the tab has the focus or
 * not: their conversations with unread customer messages plus the unassigned ones they may take.
 * The server counts (``whatsapp_attention_counts``); the tab title shows "(n)", the app badge adds
 * it (see store_service_attention_patch.js) and a new conversation in the queue plays a sound
 * (the attendant's "Sound on a New WhatsApp Conversation" preference).
 */
export class WhatsappAttention {
    /**
     * @param {import("@web/env").OdooEnv} env
     * @param {import("services").ServiceFactories} services
     */
    setup(env, services) {
        this.env = env;
        this.busService = services.bus_service;
        this.orm = services.orm;
        this.title = services.title;
        this.soundEffects = services["mail.sound_effects"];
        this.multiTab = services.multi_tab;
        /** @type {import("models").Store} */
        this.store = services["mail.store"];
        this.counts = undefined;
        this.scheduleRefresh = debounce(() => this.refresh(), REFRESH_DELAY);
    }

    async start() {
        if (!(await user.hasGroup(WHATSAPP_ATTENDANT_GROUP))) {
            return;
        }
        // The queue's bus channel, for as long as the web client runs (Discuss adds and removes its
        // own reference to it when opened and left: the worker counts them).
        this.busService.addChannel(WHATSAPP_QUEUE_BUS_CHANNEL);
        this.busService.subscribe("mail.record/insert", (payload) => {
            if (payload["discuss.channel"] || payload["discuss.channel.member"]) {
                this.scheduleRefresh();
            }
        });
        this.busService.subscribe("discuss.channel/new_message", () => this.scheduleRefresh());
        this.busService.addEventListener("BUS:RECONNECT", () => this.scheduleRefresh());
        await this.refresh();
    }

    async refresh() {
        const counts = await this.orm.silent.call("discuss.channel", "whatsapp_attention_counts");
        const previous = this.counts;
        this.counts = counts;
        const total = counts.mine_unread + counts.unassigned;
        this.title.setCounters({ whatsapp: total });
        this.store.whatsappAttention = { ...counts, total };
        if (previous && counts.unassigned > previous.unassigned) {
            this.playNewConversationSound();
        }
    }

    async playNewConversationSound() {
        if (this.store.whatsappNotify?.sound === false || !(await this.multiTab.isOnMainTab())) {
            return;
        }
        this.soundEffects.play("new-message");
    }
}

export const whatsappAttentionService = {
    dependencies: ["bus_service", "orm", "title", "mail.sound_effects", "multi_tab", "mail.store"],
    start(env, services) {
        const attention = new WhatsappAttention();
        attention.setup(env, services);
        attention.start();
        return attention;
    },
};

registry.category("services").add("whatsapp_crm.attention", whatsappAttentionService);
