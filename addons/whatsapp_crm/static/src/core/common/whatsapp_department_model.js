import { Record } from "@mail/core/common/record";

/** A department ("setor") of WhatsApp conversations: the box office, the education programme… */
export class WhatsAppDepartment extends Record {
    static _name = "whatsapp.department";
    static id = "id";

    /** @type {number} */
    id;
    /** @type {string} */
    name;
    /** @type {number} Odoo's colour index (0-11), as in many2many tags. */
    color;
}

WhatsAppDepartment.register();
