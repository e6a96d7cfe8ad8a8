import { composerActionsRegistry, registerComposerAction } from "@mail/core/common/composer_actions";

import { _t } from "@web/core/l10n/translation";

import { WhatsAppLocationDialog } from "./whatsapp_location_dialog";

/**
 * The attach menu of a WhatsApp conversation's composer ("+"): Photo/video, Document, Audio
 * (Discuss's recorder: the server turns it into a WhatsApp voice note) and Location. Discuss's
 * own "Attach Files" and "Voice Message" give way to it there; dropping or pasting files still
 * works. The server checks every file against WhatsApp's rules when it is attached.
 */

/** What each picker offers (the server still judges the bytes, not the name). */
const ACCEPT = {
    media: "image/*,video/*",
    document: [
        ".pdf",
        ".txt",
        ".csv",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        "application/pdf",
        "text/plain",
    ].join(","),
};

/** @param {{ composer: import("models").Composer }} params */
function isWhatsAppComposer({ composer }) {
    return composer.targetThread?.channel_type === "whatsapp" && !composer.message;
}

/**
 * Open the browser's file dialog for `kind`; the chosen files upload as if attached with
 * Discuss's paperclip. The input stays in the composer (hidden) so that it can be driven in
 * tests.
 *
 * @param {import("@mail/core/common/composer").Composer} owner
 * @param {"media"|"document"} kind
 */
function pickFiles(owner, kind) {
    const root = owner.root?.el ?? document.body;
    root.querySelector(`.o-whatsapp-Composer-filePicker[data-kind='${kind}']`)?.remove();
    const input = document.createElement("input");
    input.type = "file";
    input.multiple = true;
    input.accept = ACCEPT[kind];
    input.dataset.kind = kind;
    input.className = "o-whatsapp-Composer-filePicker d-none";
    input.addEventListener("change", () => {
        for (const file of input.files) {
            owner.attachmentUploader.uploadFile(file);
        }
        input.value = "";
    });
    root.appendChild(input);
    input.click();
}

/** Discuss's own entry, shown everywhere but in a WhatsApp composer. */
function hideInWhatsApp(id) {
    const definition = composerActionsRegistry.get(id, null);
    if (!definition) {
        return;
    }
    const { condition = true } = definition;
    composerActionsRegistry.add(
        id,
        {
            ...definition,
            condition: (params) =>
                !isWhatsAppComposer(params) &&
                (typeof condition === "function" ? condition(params) : condition),
        },
        { force: true }
    );
}
hideInWhatsApp("upload-files");
hideInWhatsApp("voice-start");

registerComposerAction("whatsapp-attach-media", {
    condition: (params) => isWhatsAppComposer(params) && params.owner.allowUpload,
    icon: "fa fa-picture-o",
    name: _t("Photo/video"),
    onSelected: ({ owner }) => pickFiles(owner, "media"),
    sequence: 11,
});
registerComposerAction("whatsapp-attach-document", {
    condition: (params) => isWhatsAppComposer(params) && params.owner.allowUpload,
    icon: "fa fa-file-text-o",
    name: _t("Document"),
    onSelected: ({ owner }) => pickFiles(owner, "document"),
    sequence: 12,
});
registerComposerAction("whatsapp-attach-audio", {
    condition: (params) =>
        isWhatsAppComposer(params) &&
        Boolean(params.owner.voiceRecorder) &&
        !params.owner.voiceRecorder.recording &&
        !params.composer.voiceAttachment,
    icon: "fa fa-microphone",
    name: _t("Audio"),
    onSelected: ({ owner }) => owner.voiceRecorder.onClick(),
    sequence: 13,
});
registerComposerAction("whatsapp-send-location", {
    condition: isWhatsAppComposer,
    icon: "fa fa-map-marker",
    name: _t("Location"),
    onSelected: ({ composer, store }) =>
        store.env.services.dialog.add(WhatsAppLocationDialog, { thread: composer.targetThread }),
    sequence: 14,
});
