import re

from odoo import api, fields, models

# Bidi overrides/isolates and zero-width characters let a profile name disguise itself
# ("‮gnp.exe" reads as "exe.png"); they carry no meaning in a contact's name.
_INVISIBLE_OR_BIDI = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
MAX_NAME_LENGTH = 128


class ResPartner(models.Model):
    _inherit = "res.partner"

    whatsapp_wa_id = fields.Char(
        "WhatsApp ID", index="btree_not_null", copy=False,
        help="The number as WhatsApp knows it (digits, country code first), confirmed by Meta.")
    whatsapp_user_id = fields.Char(
        "WhatsApp User ID", index="btree_not_null", copy=False,
        help="Meta's business-scoped user id, used when the customer hides their number behind a username.")
    whatsapp_profile_name = fields.Char("WhatsApp Name", copy=False)

    @api.model
    def _whatsapp_find_or_create(self, wa_id, user_id, profile_name):
        """The customer's partner, matched by E.164 number (Brazil's 9th digit included) or by BSUID.

        Serialised per identity with a transaction-level advisory lock, so parallel first messages
        from one person create one partner.
        """
        e164 = self._whatsapp_e164(wa_id) if wa_id else False
        identity = e164 or f"bsuid:{user_id}"
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"whatsapp_crm.partner:{identity}"])
        # sudo: res.partner - lookups by key, without evaluating record rules each time (the
        # processing user may read every partner anyway)
        partners_sudo = self.sudo()
        partner = self.browse()
        if user_id:
            partner = partners_sudo.search([("whatsapp_user_id", "=", user_id)], limit=1)
        if not partner and e164:
            partner = partners_sudo.search([("whatsapp_wa_id", "=", e164[1:])], limit=1) or \
                partners_sudo.search([("phone_sanitized", "=", e164)], limit=1)
        partner = partner.sudo(False)
        name = self._whatsapp_clean_name(profile_name)
        if not partner:
            return self.create({
                "name": name or (e164 and self._phone_format(number=e164, force_format="INTERNATIONAL")) or user_id,
                "phone": e164 or False,
                "whatsapp_wa_id": e164[1:] if e164 else False,
                "whatsapp_user_id": user_id or False,
                "whatsapp_profile_name": name or False,
            })
        updates = {}
        if user_id and partner.whatsapp_user_id != user_id:
            updates["whatsapp_user_id"] = user_id
        if e164 and not partner.whatsapp_wa_id:
            updates["whatsapp_wa_id"] = e164[1:]
        if name and partner.whatsapp_profile_name != name:
            updates["whatsapp_profile_name"] = name
        if updates:
            partner.write(updates)
        return partner

    @api.model
    def _whatsapp_e164(self, wa_id):
        """'+5511987654321' for wa_id '551187654321' or '5511987654321'.

        phone_validation's Brazilian metadata adds the mobile 9th digit when it formats
        internationally; formatting that result as E.164 gives one canonical form for both.
        """
        international = self._phone_format(number=f"+{wa_id}", force_format="INTERNATIONAL")
        return self._phone_format(number=international or f"+{wa_id}", force_format="E164") or f"+{wa_id}"

    @api.model
    def _whatsapp_clean_name(self, name):
        if not name:
            return ""
        return " ".join(_INVISIBLE_OR_BIDI.sub("", str(name)).split())[:MAX_NAME_LENGTH]

    def _whatsapp_set_canonical_wa_id(self, wa_id):
        """Meta's answer to a send settles the number (e.g. the 9th digit): keep it."""
        if wa_id and self.whatsapp_wa_id != wa_id:
            self.whatsapp_wa_id = wa_id
