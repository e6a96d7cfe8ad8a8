import { AttachmentList } from "@mail/core/common/attachment_list";

import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/core/common/attachment_list").AttachmentList} */
const attachmentListPatch = {
    /** Customers' WhatsApp images load their thumbnail inline; a click opens the original. */
    getImageUrl(attachment) {
        return attachment.whatsappInlineImageUrl ?? super.getImageUrl(...arguments);
    },
};
patch(AttachmentList.prototype, attachmentListPatch);
