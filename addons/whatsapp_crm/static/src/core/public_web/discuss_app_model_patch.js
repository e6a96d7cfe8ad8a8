import { fields } from "@mail/core/common/record";
import { DiscussApp } from "@mail/core/public_web/discuss_app_model";

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

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
    },
});
