from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from ..tools.identifiers import digits_of, phone_digit_variants

# How many rows of the webhook inbox a lookup lists (the raw copies of the messages listed anyway).
MAX_INBOX_LINES = 200


class PrivacyLookupWizard(models.TransientModel):
    """Odoo's privacy lookup, also by phone number or WhatsApp id (it needs an e-mail address).

    The lines found by phone are appended to those found by e-mail (when one is given); the log keeps
    the number masked. The wizard's own rows (the number typed, the names found) are transient, and
    the erasure deletes those about the person it erases.
    """

    _name = "privacy.lookup.wizard"
    _inherit = ["privacy.lookup.wizard", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 85

    name = fields.Char(required=False)
    email = fields.Char(required=False)
    phone = fields.Char("Phone or WhatsApp ID", help="Any format: +55 11 91234-5678, 5511912345678, 11912345678…")

    def action_lookup(self):
        self.ensure_one()
        if not self.email and not self.phone:
            raise UserError(self.env._("Give an e-mail address or a phone number to look for."))
        if self.email:
            if not self.name:
                raise UserError(self.env._("Give the person's name with their e-mail address."))
            # sudo: privacy.lookup.wizard - Odoo's e-mail search reads ir.model (administrators only);
            # the DPO sees what it finds, as an administrator would
            super(PrivacyLookupWizard, self.sudo()).action_lookup()
        else:
            self.line_ids = [Command.clear()]
        if self.phone:
            known = {(line.res_model_id.id, line.res_id) for line in self.line_ids}
            self.line_ids = [Command.create(values) for values in self._whatsapp_phone_references()
                             if (values["res_model_id"], values["res_id"]) not in known]
            self.env["whatsapp.lgpd.audit"]._log("lookup", details=f"{len(self.line_ids)} records found")
        return self.action_open_lines()

    def _whatsapp_partners_by_phone(self):
        """Contacts whose number or WhatsApp id is this one (any format, Brazil's 9th digit or not)."""
        # A national number ("11 96385-2741") is read in the company's country.
        e164 = self.env["res.partner"]._phone_format(number=self.phone, country=self.env.company.country_id)
        variants = sorted(phone_digit_variants(self.phone) | phone_digit_variants(e164 or ""))
        user_id = (self.phone or "").strip()
        self.env["res.partner"].flush_model(["phone", "whatsapp_wa_id", "whatsapp_user_id"])
        self.env.cr.execute("""
            SELECT id FROM res_partner
             WHERE whatsapp_wa_id = ANY(%(variants)s)
                OR regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') = ANY(%(variants)s)
                OR (%(user_id)s != '' AND whatsapp_user_id = %(user_id)s)
        """, {"variants": variants, "user_id": user_id if not digits_of(user_id) == user_id else ""})
        return self.env["res.partner"].browse(row[0] for row in self.env.cr.fetchall())

    def _whatsapp_phone_references(self):
        """``privacy.lookup.wizard.line`` values: the contacts and every record holding their data."""
        # sudo: the lookup lists records whatever their access rules, as privacy_lookup does
        partners = self._whatsapp_partners_by_phone().sudo().with_context(active_test=False)
        if not partners:
            return []
        env = partners.env
        channels = env["discuss.channel"].search([("channel_type", "=", "whatsapp"),
                                                  ("whatsapp_partner_id", "in", partners.ids)])
        messages = env["mail.message"].search(["|", ("author_id", "in", partners.ids), "&",
                                               ("model", "=", "discuss.channel"), ("res_id", "in", channels.ids)])
        attachments = env["ir.attachment"].search([("res_model", "=", "discuss.channel"),
                                                   ("res_id", "in", channels.ids)])
        whatsapp_messages = env["whatsapp.message"].search([("partner_id", "in", partners.ids)])
        records = [partners, channels, messages, attachments,
                   env["whatsapp.media"].search([("message_id", "in", whatsapp_messages.ids)]),
                   env["whatsapp.consent.event"].search([("partner_id", "in", partners.ids)]),
                   env["whatsapp.lgpd.request"].search([("partner_id", "in", partners.ids)])]
        needles = sorted(set().union(*(phone_digit_variants(p.phone or p.whatsapp_wa_id) for p in partners)))
        if needles:
            env["whatsapp.inbox"].flush_model(["raw_body"])
            env.cr.execute("SELECT id FROM whatsapp_inbox WHERE raw_body LIKE ANY(%s) ORDER BY id DESC LIMIT %s",
                           [[f"%{needle}%" for needle in needles], MAX_INBOX_LINES])
            records.append(env["whatsapp.inbox"].browse(row[0] for row in env.cr.fetchall()))
        values = []
        for recordset in records:
            model_id = env["ir.model"]._get_id(recordset._name)
            has_active = "active" in recordset._fields
            values += [{"res_model_id": model_id, "res_id": record.id,
                        "is_active": record.active if has_active else True} for record in recordset]
        return values

    def _post_log(self):
        self.ensure_one()
        if not self.phone:
            return super()._post_log()
        if not self.log_id and self.execution_details:
            self.log_id = self.env["privacy.log"].create({
                "anonymized_name": self.name or self.phone,
                "anonymized_email": self.email or self.phone,
                "anonymized_phone": self.phone,
                "execution_details": self.execution_details,
                "records_description": self.records_description,
            })
        else:
            self.log_id.execution_details = self.execution_details
            self.log_id.records_description = self.records_description
        return None

    # ------------------------------------------------------------
    # LGPD CONCERN
    # ------------------------------------------------------------

    @api.model
    def _lgpd_erase(self, subject, limit):
        lines = self.env["privacy.lookup.wizard.line"].search([
            "|", "|", "&", ("res_model", "=", "res.partner"), ("res_id", "=", subject.partner.id),
            "&", ("res_model", "=", "discuss.channel"), ("res_id", "in", subject.channels.ids),
            ("res_name", "in", list(subject.names) or [""])])
        wizards = lines.wizard_id | self.search([("name", "in", list(subject.names) or [""])])
        wizards |= self.search([("phone", "!=", False)]).filtered(
            lambda wizard: phone_digit_variants(wizard.phone) & subject.phones
            or (wizard.phone or "").strip() in subject.user_ids)
        (wizards.line_ids | lines).unlink()
        wizards.unlink()
        return 0
