import { UseSuggestion } from "@mail/core/common/suggestion_hook";

import { RPCError } from "@web/core/network/rpc";
import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/core/common/suggestion_hook").UseSuggestion} */
const suggestionPatch = {
    /**
     * "::atalho" in a WhatsApp conversation inserts the quick reply with this conversation's
     * variables filled ({{primeiro_nome}}, {{protocolo}}, {{saudacao}}…) and its files attached:
     * the server fills them (one definition of each variable, the company's time zone).
     *
     * @override
     */
    insert(option) {
        const thread = this.thread;
        if (!option.cannedResponse || option.whatsappFilled || thread?.channel_type !== "whatsapp") {
            return super.insert(...arguments);
        }
        return this._whatsappInsertQuickReply(option, thread);
    },
    async _whatsappInsertQuickReply(option, thread) {
        const composer = this.composer;
        let result;
        try {
            result = await this.composer.store.env.services.orm.call(
                "discuss.channel",
                "whatsapp_render_quick_reply",
                [[thread.id], option.cannedResponse.id]
            );
        } catch (error) {
            if (error instanceof RPCError) {
                this.composer.store.env.services.notification.add(error.data.message, {
                    type: "warning",
                });
                return;
            }
            throw error;
        }
        super.insert({ ...option, label: result.text, whatsappFilled: true });
        if (result.attachment_ids.length) {
            this.composer.store.insert(result.store_data);
            for (const attachmentId of result.attachment_ids) {
                composer.attachments.push(this.composer.store["ir.attachment"].get(attachmentId));
            }
        }
    },
};
patch(UseSuggestion.prototype, suggestionPatch);
