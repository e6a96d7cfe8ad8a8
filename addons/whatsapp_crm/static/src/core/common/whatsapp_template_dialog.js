import { Component, markup, onWillStart, useState } from "@odoo/owl";

import { Dialog } from "@web/core/dialog/dialog";
import { _t } from "@web/core/l10n/translation";
import { post } from "@web/core/network/http_service";
import { RPCError } from "@web/core/network/rpc";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";

/** A location header's name and address may stay empty; every other variable needs a value. */
const OPTIONAL_KEYS = ["header.name", "header.address"];
const EXPECTED_ERRORS = ["odoo.exceptions.UserError", "odoo.exceptions.AccessError"];

/**
 * "Send template": search the approved templates (in the customer's language when there is one),
 * pick one, fill its variables (defaults from the contact and the attendant), choose the header
 * file, see the message exactly as the customer's phone will show it, send.
 *
 * Rendering, defaults and validation are the server's (one definition of each): the dialog asks
 * for the preview again as the attendant types.
 *
 * @typedef {Object} Props
 * @property {import("models").Thread} thread
 * @property {function} close
 * @extends {Component<Props, Env>}
 */
export class WhatsAppTemplateDialog extends Component {
    static components = { Dialog };
    static props = ["thread", "close"];
    static template = "whatsapp_crm.WhatsAppTemplateDialog";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.state = useState({
            error: "",
            form: null,
            loading: true,
            preview: "",
            search: "",
            sending: false,
            templates: [],
            total: 0,
            upload: null,
            uploading: false,
            values: {},
        });
        this.fetchTemplatesDebounced = useDebounced(() => this.fetchTemplates(), 250);
        this.refreshPreviewDebounced = useDebounced(() => this.refreshPreview(), 300);
        onWillStart(() => this.fetchTemplates());
    }

    get channel() {
        return [[this.props.thread.id]];
    }

    async fetchTemplates() {
        const result = await this.orm.call(
            "discuss.channel",
            "whatsapp_template_picker",
            this.channel,
            { search: this.state.search, limit: 50 }
        );
        this.state.templates = result.templates;
        this.state.total = result.total;
        this.state.loading = false;
    }

    onSearchInput(ev) {
        this.state.search = ev.target.value;
        this.fetchTemplatesDebounced();
    }

    async selectTemplate(template) {
        this.state.error = "";
        const form = await this.callServer("whatsapp_template_form", [template.id]);
        if (!form) {
            return;
        }
        this.state.form = form;
        this.state.values = Object.fromEntries(form.variables.map((v) => [v.key, v.value]));
        this.state.upload = null;
        this.state.preview = markup(form.preview);
    }

    onVariableInput(key, ev) {
        this.state.values[key] = ev.target.value;
        this.refreshPreviewDebounced();
    }

    async refreshPreview() {
        const form = this.state.form;
        if (!form) {
            return;
        }
        const html = await this.callServer("whatsapp_template_preview", [form.id, this.state.values], {
            media_name: this.fileName || null,
        });
        if (html !== undefined && form === this.state.form) {
            this.state.preview = markup(html);
        }
    }

    /** The header file that will be sent: the attendant's upload, else the template's stored file. */
    get fileName() {
        return this.state.upload?.name || this.state.form?.stored_file?.name || "";
    }

    get fileHint() {
        const { form, upload, uploading } = this.state;
        if (uploading) {
            return _t("Uploading…");
        }
        if (upload) {
            return _t("Sending %(file)s.", { file: upload.name });
        }
        if (form.stored_file) {
            return _t("Sending the template's file, %(file)s, unless you choose another one.", {
                file: form.stored_file.name,
            });
        }
        return _t("This template needs a file.");
    }

    get moreText() {
        const { templates, total } = this.state;
        if (total <= templates.length) {
            return "";
        }
        return _t("%(shown)s of %(total)s templates: refine the search to see the others.", {
            shown: templates.length,
            total,
        });
    }

    get needsFile() {
        return ["image", "video", "document"].includes(this.state.form?.header_format);
    }

    get missingKeys() {
        return (this.state.form?.variables || [])
            .filter((v) => !OPTIONAL_KEYS.includes(v.key) && !(this.state.values[v.key] || "").trim())
            .map((v) => v.key);
    }

    get canSend() {
        return (
            Boolean(this.state.form) &&
            !this.state.sending &&
            !this.state.uploading &&
            (!this.needsFile || Boolean(this.fileName)) &&
            !this.missingKeys.length
        );
    }

    categoryLabel(category) {
        return (
            {
                marketing: _t("Marketing"),
                utility: _t("Utility"),
                authentication: _t("Authentication"),
            }[category] || ""
        );
    }

    async onFileChange(ev) {
        const file = ev.target.files[0];
        if (!file) {
            return;
        }
        this.state.uploading = true;
        this.state.error = "";
        try {
            const response = await post("/mail/attachment/upload", {
                csrf_token: odoo.csrf_token,
                ufile: file,
                thread_id: this.props.thread.id,
                thread_model: "discuss.channel",
                is_pending: true,
            });
            if (response.error) {
                this.state.error = response.error;
                return;
            }
            this.state.upload = { id: response.data.attachment_id, name: file.name };
        } finally {
            this.state.uploading = false;
        }
        await this.refreshPreview();
    }

    async onSend() {
        if (!this.canSend) {
            return;
        }
        this.state.sending = true;
        const sent = await this.callServer(
            "whatsapp_send_template",
            [this.state.form.id, this.state.values],
            { attachment_id: this.state.upload?.id || false }
        );
        this.state.sending = false;
        if (sent) {
            this.props.close();
        }
    }

    /** A refusal the server explains (template paused meanwhile, missing value…) is shown in the dialog. */
    async callServer(method, args, kwargs = {}) {
        try {
            return await this.orm.call("discuss.channel", method, [...this.channel, ...args], kwargs);
        } catch (error) {
            if (error instanceof RPCError && EXPECTED_ERRORS.includes(error.exceptionName)) {
                this.state.error = error.data.message;
                return undefined;
            }
            throw error;
        }
    }
}
