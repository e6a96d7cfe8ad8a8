import { Store } from "@mail/core/common/store_service";

import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";

export const WHATSAPP_ATTENDANT_GROUP = "whatsapp_crm.group_whatsapp_attendant";
export const WHATSAPP_MANAGER_GROUP = "whatsapp_crm.group_whatsapp_manager";

/** @type {import("models").Store} */
const storePatch = {
    setup() {
        super.setup(...arguments);
        /** Whether the current user answers WhatsApp conversations (sees the queue, takes them). */
        this.whatsappIsAttendant = false;
        /** Whether the current user may reassign anyone's conversation. */
        this.whatsappIsManager = false;
    },
    onStarted() {
        super.onStarted(...arguments);
        Promise.all([
            user.hasGroup(WHATSAPP_ATTENDANT_GROUP),
            user.hasGroup(WHATSAPP_MANAGER_GROUP),
        ]).then(([isAttendant, isManager]) => {
            this.whatsappIsAttendant = isAttendant;
            this.whatsappIsManager = isManager;
        });
        this._whatsappWatchBusConnection();
    },
    /**
     * WhatsApp conversations are listed with the chats; on small screens they have their own
     * tab ("whatsapp", see the messaging menu patch), whose thread type is the tab's id.
     *
     * @override
     */
    tabToThreadType(tab) {
        const threadTypes = super.tabToThreadType(tab);
        if (tab === "chat" && !this.env.services.ui.isSmall) {
            threadTypes.push("whatsapp");
        }
        return threadTypes;
    },
    /**
     * Called when a conversation's place in the queue changed through this client (taken,
     * released, transferred, closed); the queue lists refresh themselves (public_web).
     */
    whatsappOnQueueChanged() {},
    /**
     * The bus is connected again after having been disconnected: what was sent meanwhile may be
     * lost (the server keeps about 100 seconds of bus history). Conversations on screen reload
     * their latest messages now, the others when they are next displayed.
     */
    whatsappResync() {
        for (const thread of Object.values(this.Thread.records)) {
            if (thread.channel_type !== "whatsapp" || !thread.isLoaded) {
                continue;
            }
            thread.whatsappNeedsResync = true;
            if (thread.isDisplayed) {
                thread.whatsappResync();
            }
        }
    },
    _whatsappWatchBusConnection() {
        const busService = this.env.services.bus_service;
        let disconnected = false;
        busService.addEventListener("BUS:DISCONNECT", () => (disconnected = true));
        const onConnect = () => {
            if (disconnected) {
                disconnected = false;
                this.whatsappResync();
            }
        };
        // "BUS:RECONNECT" after a network failure, "BUS:CONNECT" after the bus was stopped
        // (the browser went offline) and started again.
        busService.addEventListener("BUS:RECONNECT", onConnect);
        busService.addEventListener("BUS:CONNECT", onConnect);
    },
};
patch(Store.prototype, storePatch);
