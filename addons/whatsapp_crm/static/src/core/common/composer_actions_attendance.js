import { registerComposerAction } from "@mail/core/common/composer_actions";

import { _t } from "@web/core/l10n/translation";

import { WhatsAppInteractiveDialog } from "./whatsapp_interactive_dialog";

/** @param {{ composer: import("models").Composer, store: import("models").Store }} params */
function inWhatsAppConversation({ composer, store }) {
    const thread = composer.targetThread;
    return (
        thread?.channel_type === "whatsapp" &&
        thread.whatsapp_status === "open" &&
        store.whatsappIsAttendant &&
        !composer.message
    );
}

registerComposerAction("whatsapp-note", {
    condition: inWhatsAppConversation,
    icon: "fa fa-sticky-note-o",
    isActive: ({ composer }) => composer.targetThread.whatsappNoteMode,
    btnClass: ({ composer }) =>
        composer.targetThread.whatsappNoteMode ? "o-whatsapp-ComposerNoteToggle-active text-warning" : "",
    name: ({ composer }) =>
        composer.targetThread.whatsappNoteMode
            ? _t("Internal note (click to write to the customer)")
            : _t("Write an internal note"),
    onSelected: ({ composer }) => {
        const thread = composer.targetThread;
        thread.whatsappNoteMode = !thread.whatsappNoteMode;
        composer.autofocus++;
    },
    sequenceQuick: 15,
});

registerComposerAction("whatsapp-interactive", {
    condition: inWhatsAppConversation,
    icon: "fa fa-list-ul",
    name: _t("Buttons or list"),
    onSelected: ({ composer, store }) =>
        store.env.services.dialog.add(WhatsAppInteractiveDialog, { thread: composer.targetThread }),
    sequence: 25,
});
