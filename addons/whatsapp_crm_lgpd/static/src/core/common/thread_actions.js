import { registerThreadAction } from "@mail/core/common/thread_actions";

import { _t } from "@web/core/l10n/translation";

import { WhatsAppConsentBadge } from "./consent_badge";

registerThreadAction("whatsapp-consent", {
    component: WhatsAppConsentBadge,
    componentProps: ({ thread }) => ({ thread }),
    condition: ({ owner, thread }) =>
        thread?.channel_type === "whatsapp" &&
        Boolean(thread.whatsapp_partner_id?.whatsapp_consent_badge) &&
        !owner.isDiscussSidebarChannelActions,
    name: _t("WhatsApp consent"),
    sequenceQuick: 1,
});
