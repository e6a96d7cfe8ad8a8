import { fields } from "@mail/core/common/record";
import { Thread } from "@mail/core/common/thread_model";

import { patch } from "@web/core/utils/patch";

/** @type {import("models").Thread} */
const threadPatch = {
    setup() {
        super.setup(...arguments);
        /** The department whose queue the conversation is in (none while the customer chooses). */
        this.whatsapp_department_id = fields.One("whatsapp.department");
        /** "menu" while the customer chooses a department in the greeting menu, then "routed". */
        this.whatsapp_routing_state = undefined;
    },
    /** Whether the current user sees this conversation in their queue lists (see the server's
     * `_whatsapp_queue_domain`): managers all, attendants their departments' and those without one. */
    get whatsappInMyDepartments() {
        const departmentIds = this.store.whatsappDepartmentIds;
        if (!Array.isArray(departmentIds) || !this.whatsapp_department_id) {
            return true;
        }
        return departmentIds.includes(this.whatsapp_department_id.id);
    },
};
patch(Thread.prototype, threadPatch);
