import { onWillStart } from "@odoo/owl";

import { patch } from "@web/core/utils/patch";

import { WhatsAppTransferDialog } from "./whatsapp_transfer_dialog";

/** "Transferir" also to a department: the conversation goes back to that department's queue. */
patch(WhatsAppTransferDialog.prototype, {
    setup() {
        super.setup(...arguments);
        Object.assign(this.state, { departments: [], departmentId: "" });
        onWillStart(async () => {
            const departments = await this.orm.call("discuss.channel", "whatsapp_transfer_departments", [
                [this.props.thread.id],
            ]);
            const currentId = this.props.thread.whatsapp_department_id?.id;
            this.state.departments = departments.filter((department) => department.id !== currentId);
        });
    },
    get whatsappCanConfirm() {
        return Boolean(this.state.userId || this.state.departmentId) && !this.state.sending;
    },
    /** An attendant or a department: choosing one clears the other. */
    onChangeUser() {
        this.state.departmentId = "";
    },
    onChangeDepartment() {
        this.state.userId = "";
    },
    async onConfirm() {
        if (!this.state.departmentId || this.state.userId) {
            return super.onConfirm(...arguments);
        }
        if (this.state.sending) {
            return;
        }
        this.state.sending = true;
        const note = this.state.note.trim();
        const done = await this.props.thread.whatsappQueueAction("action_whatsapp_transfer_department", {
            department_id: parseInt(this.state.departmentId),
            note: note || false,
        });
        if (done) {
            this.props.close();
        } else {
            this.state.sending = false;
        }
    },
});
