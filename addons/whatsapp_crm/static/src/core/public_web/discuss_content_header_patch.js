import { DiscussContent } from "@mail/core/public_web/discuss_content";

import { patch } from "@web/core/utils/patch";

import { WhatsAppConversationHeader } from "./whatsapp_conversation_header";

patch(DiscussContent, {
    components: { ...DiscussContent.components, WhatsAppConversationHeader },
});
