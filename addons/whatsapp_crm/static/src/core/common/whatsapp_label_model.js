import { Record } from "@mail/core/common/record";

/** A coloured label of WhatsApp conversations ("Ingressos", "VIP"…), set by attendants. */
export class WhatsAppLabel extends Record {
    static _name = "whatsapp.label";
    static id = "id";

    /** @type {number} */
    id;
    /** @type {string} */
    name;
    /** @type {number} Odoo's colour index (0-11), as in many2many tags. */
    color;
}

WhatsAppLabel.register();
