from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_datetime

from odoo.addons.mail.tools.discuss import Store

from ..const import CONSENT_SOURCES, CONSENT_STATUSES, LEGAL_BASES

DPO_GROUP = "whatsapp_crm_lgpd.group_whatsapp_dpo"
MANAGER_GROUP = "whatsapp_crm.group_whatsapp_manager"
# Written by the system only (consent is recorded through _whatsapp_consent_record, anonymisation by
# the erasure job), never by a form or an RPC write.
SYSTEM_FIELDS = frozenset({
    "whatsapp_consent_status", "whatsapp_consent_date", "whatsapp_consent_source", "whatsapp_consent_legal_basis",
    "whatsapp_lgpd_anonymized", "whatsapp_lgpd_anonymized_at",
})
HOLD_FIELDS = frozenset({"whatsapp_lgpd_hold_reason", "whatsapp_lgpd_hold_until"})
# Identity erasure: what stays on an anonymised contact (everything else of its own data is cleared).
KEPT_FIELDS = frozenset({
    "name", "active", "type", "lang", "company_id", "is_company", "employee", "color",
    "create_date", "create_uid", "write_date", "write_uid",
}) | SYSTEM_FIELDS | HOLD_FIELDS
CLEARED_TYPES = frozenset({"char", "text", "html", "date", "datetime", "binary", "image", "json", "properties"})
CLEARED_RELATIONS = ("parent_id", "user_id", "title", "country_id", "state_id", "industry_id", "category_id", "tz")


class ResPartner(models.Model):
    """A WhatsApp contact's consent, legal hold and anonymisation. The contact's identity is the first
    place the erasure clears (``_lgpd_sequence``): from then on, the same number writing again is a
    new, unrelated contact, while the rest is found through the partner's id."""

    _name = "res.partner"
    _inherit = ["res.partner", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 5

    whatsapp_consent_status = fields.Selection(
        CONSENT_STATUSES, "WhatsApp Consent", default="unknown", readonly=True, copy=False,
        help="Whether the contact accepts marketing messages on WhatsApp. Only the DPO changes it by hand.")
    whatsapp_consent_date = fields.Datetime("Consent Recorded On", readonly=True, copy=False)
    whatsapp_consent_source = fields.Selection(CONSENT_SOURCES, "Consent Source", readonly=True, copy=False)
    whatsapp_consent_legal_basis = fields.Selection(LEGAL_BASES, "Legal Basis", readonly=True, copy=False)
    whatsapp_consent_event_ids = fields.One2many(
        "whatsapp.consent.event", "partner_id", "Consent History", readonly=True)
    whatsapp_lgpd_anonymized = fields.Boolean("Anonymised", readonly=True, copy=False)
    whatsapp_lgpd_anonymized_at = fields.Datetime("Anonymised On", readonly=True, copy=False)
    whatsapp_lgpd_hold_reason = fields.Char(
        "Legal Hold", copy=False,
        help="While set (and until its date, if any) the contact's data cannot be erased: say why, "
             "without personal data (e.g. a case number).")
    whatsapp_lgpd_hold_until = fields.Date("Legal Hold Until", copy=False, help="Empty: until lifted by the DPO.")
    whatsapp_lgpd_hold_active = fields.Boolean("Under Legal Hold", compute="_compute_whatsapp_lgpd_hold_active")
    whatsapp_lgpd_request_ids = fields.One2many("whatsapp.lgpd.request", "partner_id", "Data Subject Requests")
    whatsapp_lgpd_request_count = fields.Integer("LGPD Requests", compute="_compute_whatsapp_lgpd_request_count")

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------

    @api.depends("whatsapp_lgpd_hold_reason", "whatsapp_lgpd_hold_until")
    def _compute_whatsapp_lgpd_hold_active(self):
        today = fields.Date.context_today(self)
        for partner in self:
            until = partner.whatsapp_lgpd_hold_until
            partner.whatsapp_lgpd_hold_active = bool(partner.whatsapp_lgpd_hold_reason) and (
                not until or until >= today)

    def _compute_whatsapp_lgpd_request_count(self):
        # sudo: whatsapp.lgpd.request - a count on the contact form; the requests stay DPO-only
        counts = dict(self.env["whatsapp.lgpd.request"].sudo()._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.whatsapp_lgpd_request_count = counts.get(partner._origin, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A new user's partner receives every field's default (res.users inherits res.partner):
            # a default is not a recorded consent.
            defaults = self.default_get(list(SYSTEM_FIELDS & set(vals)))
            self._whatsapp_lgpd_check_write({name: value for name, value in vals.items()
                                             if (value or False) != (defaults.get(name) or False)})
        return super().create(vals_list)

    def write(self, vals):
        self._whatsapp_lgpd_check_write(vals)
        if HOLD_FIELDS & set(vals):
            self._whatsapp_lgpd_check_hold_change()
        res = super().write(vals)
        if HOLD_FIELDS & set(vals):
            for partner in self:
                self.env["whatsapp.lgpd.audit"]._log(
                    "hold_set" if partner.whatsapp_lgpd_hold_reason else "hold_lifted", partner=partner)
        return res

    def _whatsapp_lgpd_check_write(self, vals):
        if self.env.su:
            return
        if SYSTEM_FIELDS & set(vals):
            raise AccessError(self.env._(
                "Consent and anonymisation are recorded by their own actions, not edited."))
        if HOLD_FIELDS & set(vals) and not self.env.user.has_group(DPO_GROUP):
            raise AccessError(self.env._("Only the data protection officer (DPO) can place or lift a legal hold."))

    def _whatsapp_lgpd_check_hold_change(self):
        # sudo: whatsapp.lgpd.request - whether an erasure of these contacts is under way
        running = self.env["whatsapp.lgpd.request"].sudo().search_count([
            ("partner_id", "in", self.ids), ("job_kind", "=", "erasure"), ("job_state", "in", ("queued", "running"))])
        if running:
            raise UserError(self.env._(
                "An anonymisation of this contact is under way: it cannot be put on hold any more."))

    # ------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------

    def action_whatsapp_lgpd_export(self):
        """"Exportar dados": the DPO gets the contact's data as a ZIP (built in the background)."""
        self.ensure_one()
        self._whatsapp_lgpd_check_dpo()
        request = self.env["whatsapp.lgpd.request"].create({"partner_id": self.id, "request_type": "access",
                                                             "channel": "internal"})
        request.action_start()
        return request._get_form_action()

    def action_whatsapp_lgpd_anonymize(self):
        """"Anonimizar": the DPO confirms (twice) in a wizard; the erasure then runs in the background."""
        self.ensure_one()
        self._whatsapp_lgpd_check_dpo()
        self._whatsapp_lgpd_check_erasable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Anonymise contact"),
            "res_model": "whatsapp.lgpd.anonymize.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id,
                        "default_request_id": self.env.context.get("default_request_id")},
        }

    def action_whatsapp_lgpd_request_export(self):
        """Managers ask the DPO for an export (they cannot run it)."""
        return self._whatsapp_lgpd_file_request("access")

    def action_whatsapp_lgpd_request_anonymization(self):
        """Managers ask the DPO to anonymise the contact (they cannot run it)."""
        return self._whatsapp_lgpd_file_request("anonymization")

    def action_whatsapp_consent_change(self):
        self.ensure_one()
        self._whatsapp_lgpd_check_dpo()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Change consent"),
            "res_model": "whatsapp.consent.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_whatsapp_lgpd_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("whatsapp_crm_lgpd.whatsapp_lgpd_request_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _whatsapp_lgpd_file_request(self, request_type):
        self.ensure_one()
        user = self.env.user
        if not (user.has_group(MANAGER_GROUP) or user.has_group(DPO_GROUP)):
            raise AccessError(self.env._("Only WhatsApp managers and the DPO can file a data subject request."))
        request = self.env["whatsapp.lgpd.request"].create({
            "partner_id": self.id, "request_type": request_type, "channel": "internal"})
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Request %(reference)s sent to the DPO.", reference=request.name),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # CONSENT
    # ------------------------------------------------------------

    def _whatsapp_consent_record(self, status, source, legal_basis=False, at=None, note=False, request=None):
        """Record a consent change and keep it in the history; returns the contacts that changed.

        A change older than the current record (a webhook delivered late) or identical to it (a webhook
        delivered twice) changes nothing. Callers check who may do it: the inbound processing (first
        message, keyword, Meta's preferences and errors) or the DPO's wizard.
        """
        at = at or fields.Datetime.now()
        changed = self.browse()
        for partner in self:
            if partner.whatsapp_lgpd_anonymized:
                continue
            if partner.whatsapp_consent_date and at < partner.whatsapp_consent_date:
                continue
            basis = legal_basis or partner.whatsapp_consent_legal_basis or False
            if (partner.whatsapp_consent_status, partner.whatsapp_consent_source,
                    partner.whatsapp_consent_legal_basis) == (status, source, basis) and not note:
                continue
            previous = partner.whatsapp_consent_status
            # sudo: res.partner - consent fields are written here only (see _whatsapp_lgpd_check_write)
            partner.sudo().write({
                "whatsapp_consent_status": status,
                "whatsapp_consent_date": at,
                "whatsapp_consent_source": source,
                "whatsapp_consent_legal_basis": basis,
            })
            # sudo: whatsapp.consent.event - the history is append-only, written by the system
            self.env["whatsapp.consent.event"].sudo().create({
                "partner_id": partner.id,
                "date": at,
                "previous_status": previous,
                "status": status,
                "source": source,
                "legal_basis": basis,
                "note": note or False,
                "operator_id": self.env.user.id,
                "request_id": request.id if request else False,
            })
            self.env["whatsapp.lgpd.audit"]._log("consent_changed", partner=partner, request=request, details=(
                f"{previous} -> {status} ({source})"))
            changed |= partner
        changed._whatsapp_consent_notify()
        return changed

    def _whatsapp_consent_badge(self):
        """What a conversation's header shows about the customer's consent, in the reader's language."""
        self.ensure_one()
        _ = self.env._
        if self.whatsapp_lgpd_anonymized:
            return {"status": "anonymized", "text": _("Anonymised"),
                    "title": _("This contact's personal data was erased.")}
        status = self.whatsapp_consent_status or "unknown"
        text = {"opted_in": _("Consent: yes"), "opted_out": _("Opted out"), "unknown": _("No consent")}[status]
        details = [dict(self._fields[name]._description_selection(self.env)).get(self[name])
                   for name in ("whatsapp_consent_status", "whatsapp_consent_source", "whatsapp_consent_legal_basis")]
        if self.whatsapp_consent_date:
            details.insert(1, format_datetime(self.env, self.whatsapp_consent_date))
        return {"status": status, "text": text, "title": " · ".join(filter(None, details))}

    def _whatsapp_consent_notify(self):
        """Open conversations of these contacts show the new badge at once."""
        # sudo: discuss.channel - the conversations of the contacts whose consent changed
        channels = self.env["discuss.channel"].sudo().search([
            ("channel_type", "=", "whatsapp"), ("whatsapp_partner_id", "in", self.ids),
            ("whatsapp_status", "=", "open")])
        for channel in channels:
            # sudo: res.partner - the badge of the customer of this conversation
            partner_sudo = channel.whatsapp_partner_id.sudo()
            Store(bus_channel=channel).add(partner_sudo, {
                "whatsapp_consent_badge": partner_sudo._whatsapp_consent_badge()}).bus_send()

    @api.model
    def _whatsapp_lgpd_find(self, wa_id, user_id):
        """The existing contact of a WhatsApp identity (never creates one: a preference update about
        someone we never talked to concerns nobody here)."""
        e164 = self._whatsapp_e164(wa_id) if wa_id else False
        by_user, by_phone = self._whatsapp_find(e164 and e164[1:], e164, user_id)
        return by_phone or by_user

    def _whatsapp_marketing_refusal_reason(self):
        """Why this contact may not receive a marketing template, in words for the attendant; False
        when they may. The templates' send path calls it (or ``_whatsapp_check_marketing_allowed``)."""
        self.ensure_one()
        if self.whatsapp_lgpd_anonymized:
            return self.env._("This contact was anonymised.")
        status = self.whatsapp_consent_status
        if status == "opted_out":
            sources = dict(self._fields["whatsapp_consent_source"]._description_selection(self.env))
            return self.env._(
                "The customer opted out of marketing messages on %(date)s (%(origin)s).",
                date=format_datetime(self.env, self.whatsapp_consent_date) if self.whatsapp_consent_date else "-",
                origin=sources.get(self.whatsapp_consent_source, self.env._("unknown source")))
        if status != "opted_in":
            return self.env._("The customer never consented to marketing messages.")
        return False

    def _whatsapp_can_receive_marketing(self):
        """Whether a marketing template may be sent to this contact (LGPD Art. 7, I and 8)."""
        return not self._whatsapp_marketing_refusal_reason()

    def _whatsapp_check_marketing_allowed(self):
        """Raise a UserError with the reason when a marketing template may not be sent."""
        for partner in self:
            reason = partner._whatsapp_marketing_refusal_reason()
            if reason:
                raise UserError(self.env._("Marketing template refused: %(reason)s", reason=reason))

    # ------------------------------------------------------------
    # CHECKS
    # ------------------------------------------------------------

    def _whatsapp_lgpd_check_dpo(self):
        if not self.env.user.has_group(DPO_GROUP):
            raise AccessError(self.env._("Only the data protection officer (DPO) can do this."))

    def _whatsapp_lgpd_check_erasable(self):
        """Refuse, saying why, when the contact's data may not be erased now."""
        self.ensure_one()
        if self.whatsapp_lgpd_anonymized:
            raise UserError(self.env._("This contact is already anonymised."))
        if self.whatsapp_lgpd_hold_active:
            until = self.whatsapp_lgpd_hold_until
            raise UserError(self.env._(
                "This contact's data is under legal hold (%(reason)s) until %(until)s: it cannot be erased.",
                reason=self.whatsapp_lgpd_hold_reason,
                until=until.strftime("%d/%m/%Y") if until else self.env._("lifted by the DPO")))
        # sudo: res.users - whether the contact is also a user of this database
        if self.sudo().with_context(active_test=False).user_ids:
            raise UserError(self.env._(
                "This contact is a user of this database: remove the user first, then anonymise the contact."))

    # ------------------------------------------------------------
    # LGPD CONCERN (identity)
    # ------------------------------------------------------------

    @api.model
    def _lgpd_export(self, subject, archive):
        partner = subject.partner
        archive.set_section("contact", {
            "id": partner.id,
            "name": partner.name,
            "phone": partner.phone or None,
            "email": partner.email or None,
            "whatsapp_id": partner.whatsapp_wa_id or None,
            "whatsapp_user_id": partner.whatsapp_user_id or None,
            "whatsapp_profile_name": partner.whatsapp_profile_name or None,
            "language": partner.lang or None,
            "created_on": partner.create_date,
            "consent": {
                "status": partner.whatsapp_consent_status,
                "recorded_on": partner.whatsapp_consent_date or None,
                "source": partner.whatsapp_consent_source or None,
                "legal_basis": partner.whatsapp_consent_legal_basis or None,
            },
        })

    @api.model
    def _lgpd_erase(self, subject, limit):
        partner = subject.partner
        subject.remember_identifiers()
        # sudo (subject env): what the person followed and activities planned about them go with them
        self.env["mail.followers"].sudo().search([("partner_id", "=", partner.id)]).unlink()
        self.env["mail.activity"].sudo().search([
            ("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]).unlink()
        values = {"name": subject.placeholder, "active": False}
        for name, field in partner._fields.items():
            if name in KEPT_FIELDS or name in values or not field.store or field.company_dependent:
                continue
            if field.compute and field.readonly:
                continue  # recomputed from what is cleared (complete_name, phone_sanitized…)
            if field.type in CLEARED_TYPES or name in CLEARED_RELATIONS:
                values[name] = False
        values["image_1920"] = False
        partner.with_context(tracking_disable=True, mail_notrack=True).write(values)
        return 0
