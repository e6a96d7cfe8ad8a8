import { fields } from "@mail/core/common/record";
import { DiscussApp } from "@mail/core/public_web/discuss_app_model";
import { effectWithDebouncedCleanup } from "@mail/utils/common/misc";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { KeepLast } from "@web/core/utils/concurrency";
import { debounce } from "@web/core/utils/timing";
import { patch } from "@web/core/utils/patch";

/** The bus channel of the attendants' queue (see ir_websocket.py). */
export const WHATSAPP_QUEUE_BUS_CHANNEL = "whatsapp_crm.queue";
/** The queue list the attendant chose last, kept across reloads (and shared by browser tabs). */
export const WHATSAPP_QUEUE_FILTER_LS = "whatsapp_crm.queue_filter";
export const WHATSAPP_QUEUE_FILTERS = ["mine", "unassigned", "all"];
/** Conversations fetched per queue list. */
const WHATSAPP_QUEUE_LIMIT = 50;
/** Bursts of queue changes (ten customers writing at once) cost one refresh of the counts. */
const WHATSAPP_QUEUE_REFRESH_DELAY = 500;
/** As for the "looking for help" queue: stay subscribed a while after leaving Discuss. */
const WHATSAPP_QUEUE_UNSUBSCRIBE_DELAY = 5 * 60 * 1000;

function readStoredQueueFilter() {
    const value = browser.localStorage.getItem(WHATSAPP_QUEUE_FILTER_LS);
    return WHATSAPP_QUEUE_FILTERS.includes(value) ? value : "all";
}

/**
 * @param {Object} [channelsData] the "discuss.channel" part of a store payload
 * @returns {boolean} whether it changes a conversation's place in the queue
 */
function isQueueChange(channelsData) {
    return (channelsData ?? []).some(
        (data) =>
            "whatsapp_queue_state" in data ||
            "whatsapp_assignee_id" in data ||
            "whatsapp_status" in data
    );
}

const discussAppStaticPatch = {
    new() {
        /** @type {import("models").DiscussApp} */
        const app = super.new(...arguments);
        // The live queue, while Discuss is open (and a while after) for attendants: each change
        // of a conversation's queue state arrives on the bus and refreshes the counts.
        effectWithDebouncedCleanup({
            delay: WHATSAPP_QUEUE_UNSUBSCRIBE_DELAY,
            dependencies: (app) => ({
                busService: app.store.env.services.bus_service,
                app,
            }),
            effect({ app, busService }) {
                const onStoreInsert = (payload) => {
                    if (isQueueChange(payload["discuss.channel"])) {
                        app.whatsappScheduleQueueFetch();
                    }
                };
                busService.addChannel(WHATSAPP_QUEUE_BUS_CHANNEL);
                busService.subscribe("mail.record/insert", onStoreInsert);
                app.whatsappQueueSubscribed = true;
                app.whatsappFetchQueue();
                return () => {
                    busService.deleteChannel(WHATSAPP_QUEUE_BUS_CHANNEL);
                    busService.unsubscribe("mail.record/insert", onStoreInsert);
                    if (app.exists()) {
                        app.whatsappQueueSubscribed = false;
                    }
                };
            },
            predicate: (app) =>
                Boolean(app.exists() && app.isActive && app.store.whatsappIsAttendant),
            reactiveTargets: [app],
        });
        return app;
    },
};
patch(DiscussApp, discussAppStaticPatch);

patch(DiscussApp.prototype, {
    setup(env) {
        super.setup(...arguments);
        /** The sidebar category of WhatsApp conversations; no "add" action: customers write first. */
        this.whatsappCategory = fields.One("DiscussAppCategory", {
            compute() {
                return {
                    extraClass: "o-whatsapp-DiscussSidebarCategory-conversations",
                    hideWhenEmpty: true,
                    icon: "fa fa-whatsapp",
                    id: "whatsapp_crm.category_whatsapp",
                    name: _t("WhatsApp"),
                    sequence: 20,
                };
            },
            eager: true,
        });
        /**
         * Which open conversations an attendant's WhatsApp category lists: "mine" ("Minhas"),
         * "unassigned" ("Não atribuídas", waiting to be taken) or "all" ("Todas", until they
         * choose another list).
         *
         * @type {"mine"|"unassigned"|"all"}
         */
        this.whatsappQueueFilter = readStoredQueueFilter();
        /**
         * Open conversations per list, as counted by the server (the client only knows the
         * conversations it has fetched). Undefined until the first fetch.
         *
         * @type {{ mine: number, unassigned: number, all: number }|undefined}
         */
        this.whatsappQueueCounts = undefined;
        this.whatsappQueueSubscribed = false;
        /** The conversation shown before the current one (see `_threadOnUpdate`). */
        this.whatsappLastThread = fields.One("Thread");
        this._whatsappQueueKeepLast = new KeepLast();
        /** Refresh the queue soon, once for a burst of changes. */
        this.whatsappScheduleQueueFetch = debounce(
            this.whatsappFetchQueue,
            WHATSAPP_QUEUE_REFRESH_DELAY
        );
    },
    /**
     * The conversations of the selected list, newest activity first, and the three counts.
     * Only the latest request is applied: an older answer arriving late would show stale counts.
     */
    async whatsappFetchQueue() {
        if (!this.store.whatsappIsAttendant) {
            return;
        }
        const { counts, store_data } = await this._whatsappQueueKeepLast.add(
            this.store.env.services.orm.silent.call("discuss.channel", "whatsapp_queue_fetch", [], {
                queue_filter: this.whatsappQueueFilter,
                limit: WHATSAPP_QUEUE_LIMIT,
                context: this.whatsappQueueFetchContext(),
            })
        );
        if (!this.exists()) {
            return;
        }
        // The conversations join the WhatsApp category (see Thread's `whatsapp_queue_state`),
        // which lists those of the selected list.
        this.store.insert(store_data);
        this.whatsappQueueCounts = counts;
    },
    /** Extra context of the queue fetch (e.g. the label filter, see discuss_app_label_patch.js). */
    whatsappQueueFetchContext() {
        return {};
    },
    /** @param {"mine"|"unassigned"|"all"} queueFilter */
    whatsappSetQueueFilter(queueFilter) {
        if (!WHATSAPP_QUEUE_FILTERS.includes(queueFilter)) {
            return;
        }
        this.whatsappQueueFilter = queueFilter;
        browser.localStorage.setItem(WHATSAPP_QUEUE_FILTER_LS, queueFilter);
        this.whatsappFetchQueue();
    },
    /**
     * A conversation opened from the queue (not answered by this attendant, so not a member of it)
     * is followed live while it is on screen only: leaving it drops its bus channel, so that an
     * attendant's websocket does not grow with every conversation they looked at.
     *
     * @override
     */
    _threadOnUpdate() {
        const last = this.whatsappLastThread;
        if (last?.notEq(this.thread) && last.channel_type === "whatsapp" && !last.self_member_id) {
            last.isLocallyPinned = false;
        }
        this.whatsappLastThread = this.thread;
        super._threadOnUpdate(...arguments);
    },
    onStorage(ev) {
        super.onStorage(ev);
        if (ev.key === WHATSAPP_QUEUE_FILTER_LS && ev.newValue !== this.whatsappQueueFilter) {
            this.whatsappQueueFilter = readStoredQueueFilter();
            this.whatsappFetchQueue();
        }
    },
});
