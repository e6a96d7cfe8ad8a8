import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..tools.inbound_render import clean_name
from ..tools.wa_number import canonical_wa_id

_logger = logging.getLogger(__name__)

IDENTITY_LOCK = "whatsapp_crm.identity:%s"


class WhatsAppIdentityRace(RuntimeError):
    """Another transaction recorded this customer's identity after ours took its snapshot.

    Odoo's transactions are REPEATABLE READ: a partner committed by a parallel worker after our
    first statement stays invisible to us, even once we hold the identity locks, and a row
    referencing it could not be inserted either. The unique indexes turn that race into this
    error; the item must be run again in a new transaction, where the partner is visible.
    """


def _is_phone_digits(value):
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20


class ResPartner(models.Model):
    _inherit = "res.partner"

    whatsapp_wa_id = fields.Char(
        "WhatsApp ID", copy=False,
        help="The number as WhatsApp knows it (digits, country code first), confirmed by Meta.")
    whatsapp_user_id = fields.Char(
        "WhatsApp User ID", copy=False,
        help="Meta's business-scoped user id, used when the customer hides their number behind a username.")
    whatsapp_profile_name = fields.Char("WhatsApp Name", copy=False)

    # One person, one partner: each WhatsApp identifier belongs to at most one partner (archived
    # ones included), whatever the concurrency. Also the index of every lookup by identifier.
    _whatsapp_wa_id_unique = models.UniqueIndex("(whatsapp_wa_id) WHERE whatsapp_wa_id IS NOT NULL")
    _whatsapp_user_id_unique = models.UniqueIndex("(whatsapp_user_id) WHERE whatsapp_user_id IS NOT NULL")

    # ------------------------------------------------------------
    # IDENTITY
    # ------------------------------------------------------------

    @api.model
    def _whatsapp_find_or_create(self, wa_id, user_id, profile_name, new_wa_id=None):
        """The customer's partner, matched by E.164 number (Brazil's 9th digit included) or by BSUID.

        One person is one partner whichever identifier arrives first and however many workers see
        them at once:

        - every identifier of the event is locked (transaction-level advisory locks, taken in sorted
          order, so two events sharing identifiers wait for each other and never deadlock);
        - the unique indexes on ``whatsapp_wa_id`` and ``whatsapp_user_id`` catch what the locks
          cannot: a partner a parallel worker committed after this transaction's snapshot. That
          surfaces as :class:`WhatsAppIdentityRace`, and the item runs again in a new transaction;
        - an event carrying a number and a BSUID that belong to two different partners proves they
          are one person, kept by the partner of the number (the phone is the identity attendants
          and other modules know). A partner only ever known by the BSUID (no number of its own) is
          merged into it, conversations and messages included (``_whatsapp_merge_into``); a partner
          with a number of its own only loses the BSUID and keeps its history;
        - a number change (``new_wa_id``) from an old number nobody holds is the partner of the new
          number, if the customer's messages from it were processed first.

        :param str wa_id: the number in Meta's digits form (refused otherwise), or None
        :param str user_id: the BSUID, or None
        :param str new_wa_id: a number change announced by this event (also locked here, with the
            others, so that :meth:`_whatsapp_change_number` needs no later lock)
        :raise ValueError: if ``wa_id`` is not digits (the parser refuses it first)
        """
        for number in (wa_id, new_wa_id):
            if number and not _is_phone_digits(number):
                raise ValueError("a WhatsApp number is digits only, country code first")
        e164 = self._whatsapp_e164(wa_id) if wa_id else False
        canonical = e164[1:] if e164 else False
        new_canonical = self._whatsapp_e164(new_wa_id)[1:] if new_wa_id else False
        self._whatsapp_lock_identities(wa_ids=(canonical, new_canonical), user_ids=(user_id,))
        name = self._whatsapp_clean_name(profile_name)
        try:
            with mute_logger("odoo.sql_db"):
                partner = self._whatsapp_resolve(canonical, e164, user_id, name, new_canonical)
                partner.flush_recordset()
                self.flush_model(["whatsapp_wa_id", "whatsapp_user_id"])
        except (errors.UniqueViolation, errors.SerializationFailure) as exc:
            raise WhatsAppIdentityRace(
                "this customer's WhatsApp identity was recorded by a parallel transaction: run the item again"
            ) from exc
        return partner

    @api.model
    def _whatsapp_lock_identities(self, wa_ids=(), user_ids=()):
        """Serialise everything that reads or writes these identifiers, in one global order."""
        keys = sorted({f"wa:{key}" for key in wa_ids if key} | {f"bsuid:{key}" for key in user_ids if key})
        for key in keys:
            self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [IDENTITY_LOCK % key])

    @api.model
    def _whatsapp_find(self, canonical=False, e164=False, user_id=False):
        """``(partner of the BSUID, partner of the number)``, archived partners included.

        Lookups by key in SQL, on every inbound message: no record rules (the processing user may read
        every partner anyway) and no domain to compile (three searches were 5 % of the processing).
        """
        self.flush_model(["whatsapp_user_id", "whatsapp_wa_id", "phone_sanitized"])
        by_user = self._whatsapp_first_where("whatsapp_user_id", user_id) if user_id else self.browse()
        by_phone = self.browse()
        if canonical:
            by_phone = self._whatsapp_first_where("whatsapp_wa_id", canonical) or \
                self._whatsapp_first_where("phone_sanitized", e164)
        return by_user, by_phone

    @api.model
    def _whatsapp_first_where(self, column, value):
        """The oldest partner whose ``column`` is ``value``, archived or not."""
        self.env.cr.execute(SQL("SELECT id FROM res_partner WHERE %s = %s ORDER BY id LIMIT 1",
                                SQL.identifier(column), value))
        row = self.env.cr.fetchone()
        return self.browse(row[0] if row else ())

    @api.model
    def _whatsapp_resolve(self, canonical, e164, user_id, name, new_canonical=False):
        by_user, by_phone = self._whatsapp_find(canonical, e164, user_id)
        if new_canonical and not by_user and not by_phone:
            # "<old> changed to <new>" and nobody is known by the old number: the person is whoever
            # already writes from the new one. Meta does not order a customer's deliveries across
            # two numbers, and their items are in two lanes: the first message from the new number
            # may have been processed first. A partner made for the old number would take the new
            # one away from that partner (as from a former owner) and split one person in two.
            canonical, e164 = new_canonical, f"+{new_canonical}"
            by_phone = self._whatsapp_find(canonical, e164)[1]
        if not by_user and not by_phone:
            return self.create({
                "name": name or (e164 and self._phone_format(number=e164, force_format="INTERNATIONAL")) or user_id,
                "phone": e164 or False,
                "whatsapp_wa_id": canonical or False,
                "whatsapp_user_id": user_id or False,
                "whatsapp_profile_name": name or False,
            })
        partner = by_phone or by_user
        if by_user and by_phone and by_user._whatsapp_mergeable_into(by_phone):
            by_user._whatsapp_merge_into(by_phone)
        elif by_user and by_phone and by_user != by_phone:
            _logger.info("WhatsApp identity: the BSUID of partner %s belongs to the number of partner %s; moved",
                         by_user.id, by_phone.id)
            # sudo: res.partner - the identity fields of a partner the processing user manages
            by_user.sudo().whatsapp_user_id = False
            by_user.flush_recordset(["whatsapp_user_id"])  # free the unique key before reusing it
        updates = {}
        if user_id and partner.whatsapp_user_id != user_id:
            # A number's BSUID is the newest one Meta reports (it changes with user_changed_user_id).
            updates["whatsapp_user_id"] = user_id
        if canonical and not partner.whatsapp_wa_id:
            updates["whatsapp_wa_id"] = canonical
        elif canonical and not by_phone and self._whatsapp_e164(partner.whatsapp_wa_id) != e164:
            # The BSUID's person writes from another number now (no partner holds it): follow them.
            updates["whatsapp_wa_id"] = canonical
        if name and partner.whatsapp_profile_name != name:
            updates["whatsapp_profile_name"] = name
        if updates:
            # sudo: res.partner - archived or not, the identity of the customer who wrote
            partner.sudo().write(updates)
        return partner

    def _whatsapp_change_number(self, new_wa_id):
        """WhatsApp says this customer now uses ``new_wa_id``: the same partner, a new number.

        Numbers are recycled: a partner still holding the new number is the number's former owner,
        so it loses it (the unique index allows one owner). The identity locks were taken by
        :meth:`_whatsapp_find_or_create` (``new_wa_id``).

        :return: the E.164 form of the new number
        """
        self.ensure_one()
        e164 = self._whatsapp_e164(new_wa_id)
        canonical = e164[1:]
        if self.whatsapp_wa_id == canonical:
            return e164
        _by_user, previous_owner = self._whatsapp_find(canonical, e164)
        # sudo: res.partner - the identity fields of the partners the processing user manages
        if previous_owner and previous_owner != self and previous_owner.whatsapp_wa_id:
            previous_owner.sudo().whatsapp_wa_id = False
            previous_owner.flush_recordset(["whatsapp_wa_id"])
        updates = {"whatsapp_wa_id": canonical}
        old_e164 = self.whatsapp_wa_id and self._whatsapp_e164(self.whatsapp_wa_id)
        if not self.phone or self.phone_sanitized in (old_e164, False):
            updates["phone"] = e164  # the number on file was WhatsApp's: follow it
        try:
            with mute_logger("odoo.sql_db"):
                self.sudo().write(updates)
                self.flush_recordset()
        except (errors.UniqueViolation, errors.SerializationFailure) as exc:
            raise WhatsAppIdentityRace("the new number was recorded by a parallel transaction") from exc
        return e164

    @api.model
    def _whatsapp_e164(self, wa_id):
        """'+5511987654321' for wa_id '551187654321' or '5511987654321'.

        The 9th digit is settled by :func:`canonical_wa_id` (the same rule that orders a customer's
        events); formatting internationally, then as E.164, gives phone_validation's one form of
        the rest.
        """
        number = f"+{canonical_wa_id(wa_id)}"
        international = self._phone_format(number=number, force_format="INTERNATIONAL")
        return self._phone_format(number=international or number, force_format="E164") or number

    @api.model
    def _whatsapp_clean_name(self, name):
        """A profile name without invisible or direction-changing characters, bounded."""
        return clean_name(name)

    def _whatsapp_set_canonical_wa_id(self, wa_id):
        """Meta's answer to a send settles the number (e.g. the 9th digit): keep it, unless another
        partner holds it (one owner per number; the send must not fail on it)."""
        if not _is_phone_digits(wa_id) or self.whatsapp_wa_id == wa_id:
            return
        # sudo: res.partner - a lookup by key among every partner, archived included
        holder = self.sudo().with_context(active_test=False).search([("whatsapp_wa_id", "=", wa_id)], limit=1)
        if holder and holder != self:
            _logger.info("WhatsApp number of partner %s is held by partner %s: kept", self.id, holder.id)
            return
        self.whatsapp_wa_id = wa_id
