import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import JOB_CHANNEL_WHATSAPP
from ..tools.graph_api import GraphError
from ..tools.template_payload import TemplateError, parse_template, render, whatsapp_html
from ..tools.webhook_payload import parse_timestamp
from .whatsapp_job import delay

_logger = logging.getLogger(__name__)

# Webhook fields that describe templates (entry[].changes[].field), routed here by the inbox.
TEMPLATE_WEBHOOK_FIELDS = (
    "message_template_status_update",
    "message_template_quality_update",
    "template_category_update",
)


class WhatsAppTemplate(models.Model):
    """A message template of a WhatsApp Business Account, as Meta approved it.

    Outside the 24-hour window only an APPROVED template can reach a customer. Rows are synced from
    ``GET /{waba-id}/message_templates`` (every page) and kept current by Meta's template webhooks;
    what the business decides about a template (defaults of its variables, the file of its media
    header) lives here and survives every sync.
    """

    _name = "whatsapp.template"
    _description = "WhatsApp Message Template"
    _inherit = ["mail.thread"]
    _order = "name, language, id"

    STATUSES = [
        ("approved", "Approved"),
        ("pending", "Pending review"),
        ("rejected", "Rejected"),
        ("paused", "Paused"),
        ("disabled", "Disabled"),
        ("flagged", "Flagged"),
        ("in_appeal", "In appeal"),
        ("pending_deletion", "Pending deletion"),
        ("deleted", "Deleted"),
        ("archived", "Archived"),
        ("locked", "Locked"),
        ("limit_exceeded", "Limit exceeded"),
        ("unknown", "Unknown"),
    ]
    # Meta's status (template list) or status-update event → ours. REINSTATED is a paused
    # template approved again; UNARCHIVED / UNLOCKED return to a status the event does not carry.
    META_STATUSES = {
        "APPROVED": "approved", "PENDING": "pending", "REJECTED": "rejected", "PAUSED": "paused",
        "DISABLED": "disabled", "FLAGGED": "flagged", "IN_APPEAL": "in_appeal",
        "PENDING_DELETION": "pending_deletion", "DELETED": "deleted", "ARCHIVED": "archived",
        "LOCKED": "locked", "LIMIT_EXCEEDED": "limit_exceeded", "REINSTATED": "approved",
    }
    CATEGORIES = [("marketing", "Marketing"), ("utility", "Utility"), ("authentication", "Authentication")]
    QUALITIES = [("green", "High"), ("yellow", "Medium"), ("red", "Low"), ("unknown", "Not rated yet")]
    HEADER_FORMATS = [("text", "Text"), ("image", "Image"), ("video", "Video"), ("document", "Document"),
                      ("location", "Location")]
    # The files Meta accepts in a media header (Cloud API media limits).
    HEADER_MIMETYPES = {
        "image": ("image/jpeg", "image/png"),
        "video": ("video/mp4", "video/3gpp"),
        "document": (
            "application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
    }
    HEADER_MAX_BYTES = {"image": 5 * 1024 * 1024, "video": 16 * 1024 * 1024, "document": 100 * 1024 * 1024}

    name = fields.Char(required=True, readonly=True, help="The template's name at Meta.")
    language = fields.Char(required=True, readonly=True, help="Meta's language code, e.g. pt_BR.")
    active = fields.Boolean(default=True, help="Archived when the template no longer exists at Meta.")
    account_id = fields.Many2one("whatsapp.account", "WhatsApp Account", required=True, index=True,
                                 ondelete="cascade", readonly=True,
                                 help="The account whose credentials reach the template's business account.")
    waba_id = fields.Char("WhatsApp Business Account ID", required=True, index=True, readonly=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    meta_id = fields.Char("Meta Template ID", readonly=True, index="btree_not_null", copy=False)
    category = fields.Selection(CATEGORIES, readonly=True, tracking=True)
    status = fields.Selection(STATUSES, readonly=True, required=True, default="pending", index=True, tracking=True)
    quality = fields.Selection(QUALITIES, readonly=True, default="unknown", tracking=True)
    parameter_format = fields.Selection([("positional", "Positional ({{1}})"), ("named", "Named ({{name}})")],
                                        readonly=True, required=True, default="positional")
    rejected_reason = fields.Char(readonly=True)
    pending_category = fields.Selection(CATEGORIES, "Upcoming Category", readonly=True,
                                        help="Meta announced it will recategorise the template.")
    pending_category_at = fields.Datetime("Recategorised On", readonly=True)
    components = fields.Json(readonly=True, help="The components exactly as Meta lists them.")
    header_format = fields.Selection(HEADER_FORMATS, readonly=True)
    header_text = fields.Char(readonly=True)
    body_text = fields.Text(readonly=True)
    footer_text = fields.Char(readonly=True)
    variable_ids = fields.One2many("whatsapp.template.variable", "template_id", "Variables")
    header_file = fields.Binary(
        "Header File", attachment=True,
        help="Sent as the media header unless the attendant uploads another file.")
    header_filename = fields.Char()
    synced_at = fields.Datetime("Last Synced", readonly=True)
    preview_html = fields.Html("Preview", compute="_compute_preview_html", sanitize=False)

    _template_unique = models.UniqueIndex("(waba_id, name, language)")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("components", "variable_ids.example")
    def _compute_preview_html(self):
        for template in self:
            spec = template._whatsapp_spec(raise_if_invalid=False)
            examples = {variable.key: variable.example for variable in template.variable_ids if variable.example}
            template.preview_html = template._whatsapp_preview_html(spec, examples) if spec else False

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    @api.model
    def action_whatsapp_sync(self):
        """"Sincronizar": fetch every template of every account's business account now."""
        if not self.env.user.has_group("whatsapp_crm.group_whatsapp_manager"):
            raise AccessError(self.env._("Only WhatsApp managers can sync templates."))
        results, errors = self._whatsapp_sync_all()
        if errors:
            message = "\n".join(errors)
            kind = "danger"
        else:
            message = self.env._(
                "%(created)s new, %(updated)s updated, %(removed)s removed.",
                created=sum(r["created"] for r in results), updated=sum(r["updated"] for r in results),
                removed=sum(r["removed"] for r in results))
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "title": self.env._("WhatsApp templates"), "message": message,
                       "sticky": kind == "danger", "next": {"type": "ir.actions.client", "tag": "soft_reload"}},
        }

    # ------------------------------------------------------------
    # SYNC
    # ------------------------------------------------------------

    @api.model
    def _cron_whatsapp_sync(self):
        """The scheduled sync (every 6 hours): every business account once, errors logged per account."""
        self._whatsapp_sync_all()

    @api.model
    def _whatsapp_enqueue_sync(self):
        """A sync as soon as possible (a webhook named a template we do not know): one waiting job
        serves every webhook that asks before it runs."""
        delay(self, channel=JOB_CHANNEL_WHATSAPP, identity_key="whatsapp_crm.template_sync",
              description="WhatsApp: sync the templates")._job_sync()

    @api.model
    def _job_sync(self):
        self._whatsapp_sync_all()

    @api.model
    def _whatsapp_sync_all(self):
        """Sync each business account once (several numbers may share one). Returns (results, errors)."""
        # sudo: whatsapp.account - the sync reaches Meta with the account's own credentials
        accounts = self.env["whatsapp.account"].sudo().search([])
        results, errors, seen = [], [], set()
        for account in accounts:
            if account.waba_id in seen:
                continue
            seen.add(account.waba_id)
            try:
                results.append(self._whatsapp_sync_account(account))
            except GraphError as error:
                _logger.warning("WhatsApp template sync of account %s failed: %s", account.id, error)
                errors.append(self.env._("%(account)s: Meta answered with error %(code)s (%(message)s).",
                                         account=account.name, code=error.code or error.http_status or "-",
                                         message=error.message or error.category))
        return results, errors

    @api.model
    def _whatsapp_sync_account(self, account):
        """Make this business account's rows match Meta's list: create, update, archive the missing.

        ``list_templates`` follows every page or raises: a partial list would archive templates
        that still exist. Returns ``{"created", "updated", "removed"}``.
        """
        remote = account._graph_client().list_templates()
        now = fields.Datetime.now()
        # sudo: whatsapp.template - the sync maintains every template of the business account
        templates_sudo = self.sudo().with_context(active_test=False, tracking_disable=True, mail_create_nolog=True,
                                                  mail_notrack=True)
        existing = {(t.name, t.language): t for t in templates_sudo.search([("waba_id", "=", account.waba_id)])}
        to_create, changed, seen = [], templates_sudo, set()
        for item in remote:
            values = self._whatsapp_values_from_meta(item)
            if not values:
                _logger.info("WhatsApp template sync: an item without name/language skipped")
                continue
            key = (values["name"], values["language"])
            if key in seen:
                continue
            seen.add(key)
            template = existing.get(key)
            if template is None:
                to_create.append(dict(values, account_id=account.id, waba_id=account.waba_id, synced_at=now))
                continue
            differences = template._whatsapp_differences(values)
            if differences:
                template.write(dict(differences, synced_at=now))
                changed |= template
        created = templates_sudo.create(to_create)
        (created | changed)._whatsapp_sync_variables()
        removed = templates_sudo.browse([t.id for key, t in existing.items() if key not in seen and t.active])
        removed.write({"active": False, "status": "deleted", "synced_at": now})
        return {"created": len(created), "updated": len(changed), "removed": len(removed)}

    @api.model
    def _whatsapp_values_from_meta(self, item):
        """Field values of one template as Meta lists it; ``{}`` if it lacks a name or a language."""
        name, language = item.get("name"), item.get("language")
        if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
            return {}
        components = item.get("components") if isinstance(item.get("components"), list) else []
        parameter_format = "named" if item.get("parameter_format") == "NAMED" else "positional"
        try:
            spec = parse_template(components, parameter_format.upper())
        except TemplateError:
            spec = None
        quality = item.get("quality_score")
        quality = quality.get("score") if isinstance(quality, dict) else quality
        category = str(item.get("category") or "").lower()
        reason = item.get("rejected_reason")
        return {
            "name": name,
            "language": language,
            "meta_id": str(item["id"]) if item.get("id") else False,
            "status": self.META_STATUSES.get(str(item.get("status") or "").upper(), "unknown"),
            "category": category if category in dict(self.CATEGORIES) else False,
            "quality": str(quality).lower() if str(quality).lower() in dict(self.QUALITIES) else "unknown",
            "parameter_format": parameter_format,
            "rejected_reason": reason if isinstance(reason, str) and reason != "NONE" else False,
            "components": components,
            "header_format": spec.header_format.lower() if spec and spec.header_format else False,
            "header_text": spec.header_text if spec else False,
            "body_text": spec.body_text if spec else False,
            "footer_text": spec.footer_text if spec else False,
            "active": True,
        }

    def _whatsapp_differences(self, values):
        """The part of ``values`` that differs from this template (so an unchanged sync writes nothing)."""
        self.ensure_one()
        differences = {}
        for name, value in values.items():
            current = self[name]
            if isinstance(current, models.BaseModel):
                current = current.id
            if (current or False) != (value or False):
                differences[name] = value
        return differences

    def _whatsapp_sync_variables(self):
        """One variable row per placeholder (and media/location/button value) of each template.

        A variable that stays keeps what managers set (default source and value); new ones get a
        default guessed from their name; removed ones go.
        """
        variables = self.env["whatsapp.template.variable"]
        to_create, to_unlink = [], variables
        for template in self:
            spec = template._whatsapp_spec(raise_if_invalid=False)
            wanted = {variable.key: (sequence, variable) for sequence, variable in
                      enumerate(spec.variables if spec else ())}
            for row in template.variable_ids:
                if row.key not in wanted:
                    to_unlink |= row
                    continue
                sequence, variable = wanted.pop(row.key)
                if (row.example or "") != variable.example or row.sequence != sequence:
                    row.write({"example": variable.example, "sequence": sequence})
            for key, (sequence, variable) in wanted.items():
                to_create.append({
                    "template_id": template.id, "key": key, "component": variable.component,
                    "name": variable.name, "example": variable.example, "sequence": sequence,
                    "default_source": variables._whatsapp_guess_source(variable, spec),
                })
        to_unlink.unlink()
        variables.create(to_create)

    # ------------------------------------------------------------
    # WEBHOOKS
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_receive_webhook(self, change):
        """Apply one template webhook (an ``OtherChange`` of the inbox). Returns the inbox outcome:
        'done', or 'ignored' for fields that are not about templates.

        ``message_template_status_update`` (APPROVED, PAUSED, DISABLED…), ``..._quality_update``
        and ``template_category_update`` name the template by id and by name + language. A
        template we do not know yet (created in WhatsApp Manager) or an event that does not tell
        the new status (UNARCHIVED, UNLOCKED) wakes the sync job instead.
        """
        if change.field not in TEMPLATE_WEBHOOK_FIELDS:
            return "ignored"
        value = change.value
        template = self._whatsapp_find_for_webhook(change.waba_id, value)
        if not template:
            self._whatsapp_enqueue_sync()
            return "done"
        if change.field == "message_template_status_update":
            template._whatsapp_apply_status_event(value)
        elif change.field == "message_template_quality_update":
            quality = str(value.get("new_quality_score") or "").lower()
            template.write({"quality": quality if quality in dict(self.QUALITIES) else "unknown"})
        else:
            template._whatsapp_apply_category_event(value)
        return "done"

    @api.model
    def _whatsapp_find_for_webhook(self, waba_id, value):
        # sudo: whatsapp.template - webhook processing updates templates on Meta's word
        templates_sudo = self.sudo().with_context(active_test=False)
        meta_id = value.get("message_template_id")
        domain = [("waba_id", "=", waba_id)] if waba_id else []
        template = templates_sudo.search([*domain, ("meta_id", "=", str(meta_id))], limit=1) if meta_id else None
        if not template and value.get("message_template_name"):
            template = templates_sudo.search([*domain, ("name", "=", value["message_template_name"]),
                                              ("language", "=", value.get("message_template_language"))], limit=1)
        return template

    def _whatsapp_apply_status_event(self, value):
        event = str(value.get("event") or "").upper()
        status = self.META_STATUSES.get(event)
        if not status:
            self._whatsapp_enqueue_sync()
            return
        reason = value.get("reason")
        values = {"status": status, "rejected_reason": reason if reason and reason != "NONE" else False}
        if status == "deleted":
            values["active"] = False
        self.write(values)
        other_info = value.get("other_info") if isinstance(value.get("other_info"), dict) else {}
        if other_info.get("description"):
            self.message_post(body=self.env._("Meta: %(title)s — %(description)s",
                                              title=other_info.get("title") or "",
                                              description=other_info["description"]))

    def _whatsapp_apply_category_event(self, value):
        new = str(value.get("new_category") or "").lower()
        if new not in dict(self.CATEGORIES):
            return
        if value.get("previous_category"):   # the change is done
            self.write({"category": new, "pending_category": False, "pending_category_at": False})
            return
        self.write({"pending_category": new,
                    "pending_category_at": parse_timestamp(value.get("category_update_timestamp")) or False})

    # ------------------------------------------------------------
    # PICKER
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_offered(self, channel, search=None):
        """The templates an attendant may send in ``channel``: APPROVED ones of its business account,
        one language per template — the customer's when it exists, else the company's, else any."""
        domain = [("waba_id", "=", channel.whatsapp_account_id.waba_id), ("status", "=", "approved")]
        if search:
            domain += ["|", ("name", "ilike", search), ("body_text", "ilike", search)]
        templates = self.search_fetch(domain, ["name", "language", "category", "body_text", "header_format"],
                                      order="name, id")
        wanted = [lang for lang in (channel.whatsapp_partner_id.lang,
                                    channel.whatsapp_account_id.company_id.partner_id.lang) if lang]

        def rank(template):
            for position, lang in enumerate(wanted):
                if template.language == lang:
                    return 2 * position
                if template.language.split("_")[0] == lang.split("_")[0]:
                    return 2 * position + 1
            return 2 * len(wanted)

        best = {}
        for template in templates:
            current = best.get(template.name)
            if current is None or rank(template) < rank(current):
                best[template.name] = template
        return self.browse(template.id for template in best.values())

    def _whatsapp_picker_item(self):
        self.ensure_one()
        return {"id": self.id, "name": self.name, "language": self.language, "category": self.category,
                "body": (self.body_text or "")[:160], "header_format": self.header_format or False}

    def _whatsapp_form(self, channel):
        """What the send dialog shows for this template in ``channel``: components, variables with
        their defaults, the stored header file and the preview."""
        self.ensure_one()
        defaults = channel._whatsapp_template_default_values()
        variables = [{
            "key": row.key, "component": row.component, "name": row.name, "label": row.display_name,
            "example": row.example or "", "value": row._whatsapp_default(defaults),
        } for row in self.variable_ids if row.key != "header.media"]
        values = {variable["key"]: variable["value"] for variable in variables}
        attachment = self._whatsapp_stored_header_file()
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "parameter_format": self.parameter_format,
            "header_format": self.header_format or False,
            "accept": ",".join(self.HEADER_MIMETYPES.get(self.header_format, ())),
            "stored_file": {"name": attachment.name} if attachment else False,
            "variables": variables,
            "preview": self._whatsapp_preview(values, attachment.name if attachment else None),
        }

    def _whatsapp_preview(self, values, media_name=None):
        """The message as the customer's phone will show it, rendered here (one definition of it)."""
        self.ensure_one()
        return str(self._whatsapp_preview_html(self._whatsapp_spec(), values, media_name))

    def _whatsapp_preview_html(self, spec, values, media_name=None):
        rendered = render(spec, values)
        _ = self.env._
        parts = []
        if spec.media_header:
            icon = {"IMAGE": "fa-picture-o", "VIDEO": "fa-film", "DOCUMENT": "fa-file-text-o"}[spec.header_format]
            parts.append(Markup('<div class="o-whatsapp-TemplatePreview-media"><i class="fa %s"></i> %s</div>') % (
                icon, media_name or _("(no file yet)")))
        elif spec.header_format == "LOCATION":
            place = values.get("header.name") or values.get("header.address") or _("Location")
            parts.append(Markup('<div class="o-whatsapp-TemplatePreview-media"><i class="fa fa-map-marker"></i> %s'
                                "</div>") % place)
        elif rendered["header"]:
            parts.append(Markup('<div class="o-whatsapp-TemplatePreview-header fw-bold">%s</div>')
                         % whatsapp_html(rendered["header"]))
        parts.append(Markup('<div class="o-whatsapp-TemplatePreview-body">%s</div>') % whatsapp_html(rendered["body"]))
        if rendered["footer"]:
            parts.append(Markup('<div class="o-whatsapp-TemplatePreview-footer small text-muted">%s</div>')
                         % rendered["footer"])
        for button in rendered["buttons"]:
            icon = {"URL": "fa-external-link", "PHONE_NUMBER": "fa-phone", "COPY_CODE": "fa-clipboard",
                    "OTP": "fa-clipboard"}.get(button["type"], "fa-reply")
            parts.append(Markup('<div class="o-whatsapp-TemplatePreview-button" title="%s">'
                                '<i class="fa %s"></i> %s</div>') % (button["url"] or button["phone_number"], icon,
                                                                     button["text"]))
        return Markup('<div class="o-whatsapp-TemplatePreview">%s</div>') % Markup().join(parts)

    # ------------------------------------------------------------
    # SEND
    # ------------------------------------------------------------

    def _whatsapp_spec(self, raise_if_invalid=True):
        self.ensure_one()
        try:
            return parse_template(self.components or [], (self.parameter_format or "positional").upper())
        except TemplateError:
            if raise_if_invalid:
                raise UserError(self.env._("The template %(name)s cannot be read; sync the templates again.",
                                           name=self.name)) from None
            return None

    def _whatsapp_stored_header_file(self):
        """The header file managers stored on the template (an attachment named after the file)."""
        self.ensure_one()
        if not self.header_file or self.header_format not in self.HEADER_MIMETYPES:
            return self.env["ir.attachment"]
        # sudo: ir.attachment - the template's own file field, readable by whoever reads the template
        attachment_sudo = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", self._name), ("res_field", "=", "header_file"), ("res_id", "=", self.id)], limit=1)
        if attachment_sudo and self.header_filename and attachment_sudo.name != self.header_filename:
            attachment_sudo.name = self.header_filename
        return attachment_sudo

    def _whatsapp_check_sendable(self, channel):
        """Refuse a template that this conversation cannot use (not approved, another business account)."""
        self.ensure_one()
        if self.waba_id != channel.whatsapp_account_id.waba_id:
            raise UserError(self.env._("The template %(name)s belongs to another WhatsApp account.", name=self.name))
        if self.status != "approved" or not self.active:
            raise UserError(self.env._(
                "The template %(name)s can no longer be sent (%(status)s at Meta). Choose another one.",
                name=self.name, status=dict(self._fields["status"]._description_selection(self.env)).get(
                    self.status, self.status)))

    def _whatsapp_check_header_file(self, attachment):
        """The media header's file must be of a kind and size Meta accepts for this header."""
        self.ensure_one()
        kind = self.header_format
        if kind not in self.HEADER_MIMETYPES:
            return
        if not attachment:
            raise UserError(self.env._("The template %(name)s needs a file for its header.", name=self.name))
        # sudo: ir.attachment - type and size of a file the user may send (checked by the caller)
        attachment_sudo = attachment.sudo()
        if attachment_sudo.mimetype not in self.HEADER_MIMETYPES[kind]:
            raise UserError(self.env._(
                "WhatsApp does not accept %(type)s files in this template's header (%(kind)s).",
                type=attachment_sudo.mimetype, kind=dict(self.HEADER_FORMATS)[kind]))
        if attachment_sudo.file_size > self.HEADER_MAX_BYTES[kind]:
            raise UserError(self.env._("The file is too large for WhatsApp (at most %(size)s MB).",
                                       size=self.HEADER_MAX_BYTES[kind] // (1024 * 1024)))

