import { DiscussSidebarCategories } from "@mail/discuss/core/public_web/discuss_sidebar_categories";

import { patch } from "@web/core/utils/patch";

import { WhatsAppQueueTabs } from "./whatsapp_queue_tabs";

patch(DiscussSidebarCategories, {
    components: { ...DiscussSidebarCategories.components, WhatsAppQueueTabs },
});
