import { fields } from "@mail/core/common/record";
import { Thread } from "@mail/core/common/thread_model";

import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { RPCError } from "@web/core/network/rpc";
import { user } from "@web/core/user";
import { patch } from "@web/core/utils/patch";

import { WhatsAppTemplateDialog } from "./whatsapp_template_dialog";

/** @type {import("models").Thread} */
const threadPatch = {
    setup() {
        super.setup(...arguments);
        /** The customer of a WhatsApp conversation (name, phone, WhatsApp profile name). */
        this.whatsapp_partner_id = fields.One("res.partner");
        /** @type {"open"|"closed"|undefined} */
        this.whatsapp_status = undefined;
        /** End of Meta's 24-hour customer-service window (free-form replies allowed until then). */
        this.whatsapp_window_expires_at = fields.Datetime({
            onUpdate() {
                this.whatsappWatchWindow();
            },
        });
        /** End of Meta's free entry point: an ad-started conversation answered in time is free until then. */
        this.whatsapp_free_entry_until = fields.Datetime();
        /** Whether the window has passed its end, flipped by a timer at that moment (see `whatsappWatchWindow`). */
        this.whatsappWindowExpired = false;
        this.whatsappWindowTimer = undefined;
        /** The attendant answering the conversation ("Atendido por"), none while it waits. */
        this.whatsapp_assignee_id = fields.One("res.users");
        this.whatsapp_assigned_at = fields.Datetime();
        this.whatsapp_last_activity_at = fields.Datetime();
        /** @type {"unassigned"|"assigned"|"waiting_customer"|"closed"|undefined} */
        this.whatsapp_queue_state = fields.Attr(undefined, {
            onUpdate() {
                // Only WhatsApp conversations carry a queue state; the attendants' queue sends
                // it without the channel type for conversations this user is not a member of.
                if (this.whatsapp_queue_state && !this.channel_type) {
                    this.channel_type = "whatsapp";
                }
            },
        });
        /**
         * Messages may have been missed while the bus was disconnected: reload them the next
         * time this conversation is displayed (see `whatsappResync`).
         */
        this.whatsappNeedsResync = false;
        /** A take/release/transfer/close is on its way to the server: one click is enough. */
        this.whatsappQueueActionPending = false;
    },
    get avatarUrl() {
        if (this.channel_type === "whatsapp" && this.whatsapp_partner_id) {
            return this.whatsapp_partner_id.avatarUrl;
        }
        return super.avatarUrl;
    },
    /** A WhatsApp conversation is a chat: unread counters, previews and "@" prefix as for one. */
    get isChatChannel() {
        return this.channel_type === "whatsapp" || super.isChatChannel;
    },
    /**
     * Free-form messages cannot reach the customer: the 24-hour window is closed (or was never
     * opened). The composer is replaced by the "send a template" banner. Own names on purpose:
     * im_livechat's `composerDisabled` does not call `super`.
     */
    get whatsappComposerBlocked() {
        return (
            this.channel_type === "whatsapp" &&
            this.whatsapp_status === "open" &&
            (!this.whatsapp_window_expires_at || this.whatsappWindowExpired)
        );
    },
    get whatsappComposerBlockedText() {
        return _t("Window closed — send a template");
    },
    /**
     * Keep `whatsappWindowExpired` true from the window's last instant on, without polling: one
     * timer at the end of the window, set again whenever the server moves it (a customer message).
     */
    whatsappWatchWindow() {
        browser.clearTimeout(this.whatsappWindowTimer);
        const expiresAt = this.whatsapp_window_expires_at;
        const msLeft = expiresAt ? expiresAt.diffNow().toMillis() : 0;
        this.whatsappWindowExpired = msLeft <= 0;
        if (msLeft > 0) {
            // setTimeout holds at most ~24.8 days; the window lasts 24 hours.
            this.whatsappWindowTimer = browser.setTimeout(
                () => this.whatsappWatchWindow(),
                Math.min(msLeft + 50, 2 ** 31 - 1)
            );
        }
    },
    /** Open the dialog that sends an approved template in this conversation. */
    whatsappOpenTemplateDialog() {
        this.store.env.services.dialog.add(WhatsAppTemplateDialog, { thread: this });
    },
    /** Whether the current user is the attendant answering this conversation. */
    get whatsappIsMine() {
        return Boolean(this.whatsapp_assignee_id) && this.whatsapp_assignee_id.id === user.userId;
    },
    /**
     * Who answers this conversation, as the queue shows it: "Waiting" in the queue, "Answered by
     * Ana" once taken (highlighted when it is the current user), "Closed" once finished.
     *
     * @returns {{ kind: "waiting"|"mine"|"other"|"closed", text: string }|null}
     */
    get whatsappQueueBadge() {
        if (this.channel_type !== "whatsapp" || !this.whatsapp_status) {
            return null;
        }
        if (this.whatsapp_status === "closed") {
            return { kind: "closed", text: _t("Closed") };
        }
        if (!this.whatsapp_assignee_id) {
            return { kind: "waiting", text: _t("Waiting") };
        }
        return {
            kind: this.whatsappIsMine ? "mine" : "other",
            text: _t("Answered by %(name)s", { name: this.whatsapp_assignee_id.name || "…" }),
        };
    },
    /**
     * Run one of the conversation's helpdesk actions (take, release, transfer, close).
     *
     * The server posts a notice in the thread and pushes the new queue state to every attendant,
     * so nothing is updated locally. A refusal (someone else was faster, not allowed…) is shown as
     * a warning notification rather than an error dialog: it is an expected outcome.
     *
     * @param {"action_whatsapp_take"|"action_whatsapp_release"|"action_whatsapp_transfer"|"action_whatsapp_close"} method
     * @param {Object} [kwargs]
     * @returns {Promise<boolean>} whether the server accepted the action
     */
    async whatsappQueueAction(method, kwargs = {}) {
        const { notification, orm } = this.store.env.services;
        this.whatsappQueueActionPending = true;
        try {
            await orm.call("discuss.channel", method, [[this.id]], kwargs);
        } catch (error) {
            if (
                error instanceof RPCError &&
                ["odoo.exceptions.UserError", "odoo.exceptions.AccessError"].includes(
                    error.exceptionName
                )
            ) {
                notification.add(error.data.message, { type: "warning" });
                return false;
            }
            throw error;
        } finally {
            this.whatsappQueueActionPending = false;
        }
        this.store.whatsappOnQueueChanged();
        return true;
    },
    /**
     * Only the attendant answering a conversation is a member of it: releasing, transferring or
     * closing it ends the membership. The conversation on screen stays there, followed as a
     * non-member (Discuss subscribes to a locally pinned channel the user is not a member of).
     *
     * @override
     */
    onPinStateUpdated() {
        if (
            this.channel_type === "whatsapp" &&
            !this.displayToSelf &&
            !this.isLocallyPinned &&
            (this.eq(this.store.discuss?.thread) || this.chat_window?.isOpen)
        ) {
            this.isLocallyPinned = true; // runs onPinStateUpdated again, pinned
            return;
        }
        super.onPinStateUpdated(...arguments);
    },
    isDisplayedOnUpdate() {
        super.isDisplayedOnUpdate(...arguments);
        if (this.isDisplayed && this.whatsappNeedsResync) {
            this.whatsappResync();
        }
    },
    /**
     * Catch up on what happened while the bus was disconnected: the bus only replays about
     * 100 seconds of history, so messages (and their delivery ticks) may be missing.
     *
     * The latest page is fetched again; messages newer than the ones shown are added. If more
     * than a page was missed, the latest page replaces the list (older ones load on scroll)
     * rather than leaving a hole in it.
     */
    async whatsappResync() {
        if (!this.isLoaded || this.status === "loading" || this.loadNewer) {
            // Not loaded yet (will be, fully, when shown) or showing history around a message.
            this.whatsappNeedsResync = false;
            return;
        }
        this.whatsappNeedsResync = false;
        const newestId = this.newestPersistentMessage?.id;
        let fetched;
        try {
            fetched = await this.fetchMessages();
        } catch {
            this.whatsappNeedsResync = true; // try again next time it is displayed
            return;
        }
        if (!fetched.length || this.loadNewer) {
            return;
        }
        if (
            newestId !== undefined &&
            fetched.length >= this.store.FETCH_LIMIT &&
            fetched[0].id > newestId
        ) {
            this.messages = fetched;
            this.loadOlder = true;
            return;
        }
        const newMessages = fetched.filter(
            (message) =>
                message.notIn(this.messages) && (newestId === undefined || message.id > newestId)
        );
        if (newMessages.length) {
            this.messages.push(...newMessages);
        }
    },
};
patch(Thread.prototype, threadPatch);
