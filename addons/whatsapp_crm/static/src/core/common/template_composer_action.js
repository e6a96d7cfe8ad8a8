import { registerComposerAction } from "@mail/core/common/composer_actions";

import { _t } from "@web/core/l10n/translation";

/** "Send template" in the composer's "+" menu of an open WhatsApp conversation. */
registerComposerAction("whatsapp-send-template", {
    condition: ({ composer, owner }) =>
        composer.thread?.channel_type === "whatsapp" &&
        composer.thread.whatsapp_status === "open" &&
        !composer.message &&
        !owner.env.inChatter,
    icon: "fa fa-file-text-o",
    name: _t("Send template"),
    onSelected: ({ composer }) => composer.thread.whatsappOpenTemplateDialog(),
    sequence: 25,
});
