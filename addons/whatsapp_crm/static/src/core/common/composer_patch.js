import { Composer } from "@mail/core/common/composer";

import { patch } from "@web/core/utils/patch";

import { WhatsAppWindowBanner } from "./whatsapp_window_banner";

patch(Composer, {
    components: { ...Composer.components, WhatsAppWindowBanner },
});
