import { ResPartner } from "@mail/core/common/res_partner_model";

import { patch } from "@web/core/utils/patch";

patch(ResPartner.prototype, {
    setup() {
        super.setup(...arguments);
        /**
         * The customer's WhatsApp consent as their conversation's header shows it.
         *
         * @type {{ status: "opted_in"|"opted_out"|"unknown"|"anonymized", text: string, title: string }|undefined}
         */
        this.whatsapp_consent_badge = undefined;
    },
});
