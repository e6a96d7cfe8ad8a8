"""The person an LGPD request is about, and where their data is found (not a model: a helper the
export and the erasure hand to every ``whatsapp.lgpd.concern``)."""
import json
from functools import cached_property

from ..const import REMOVED
from ..tools.identifiers import phone_digit_variants


class LgpdSubject:
    """One contact (``res.partner``) and the records that carry their data.

    Records are found through the partner's id, which never changes. Identifiers (numbers, BSUIDs,
    names) are read from the partner and the payloads; the identity step, which clears the partner
    first (so that a message arriving meanwhile starts a new, unrelated contact), keeps them in
    ``scratch["identifiers"]`` for the places searched by content (webhook inbox, bus) until the
    erasure ends. ``scratch`` is the erasure's memory between steps, persisted on the request.
    """

    def __init__(self, env, partner, request=None, scratch=None):
        # sudo: the export and the erasure read and write every place of the subject's data; they
        # are started by the DPO and run by the LGPD job
        self.env = env(su=True)
        self.partner = partner.with_env(self.env).with_context(active_test=False)
        self.request = request.with_env(self.env) if request else None
        self.scratch = scratch if scratch is not None else {}

    @cached_property
    def channels(self):
        """The contact's WhatsApp conversations."""
        return self.env["discuss.channel"].with_context(active_test=False).search([
            ("channel_type", "=", "whatsapp"), ("whatsapp_partner_id", "=", self.partner.id)])

    @cached_property
    def channel_ids_regex(self):
        """A regex alternation of the conversations' ids (``0`` when none), for JSON notifications."""
        return "|".join(str(channel_id) for channel_id in self.channels.ids) or "0"

    @cached_property
    def whatsapp_messages(self):
        return self.env["whatsapp.message"].search([
            "|", ("partner_id", "=", self.partner.id), ("channel_id", "in", self.channels.ids)])

    @cached_property
    def mail_message_ids(self):
        """Messages of the conversations, of the contact's own chatter, and any the contact wrote."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT id FROM mail_message
             WHERE (model = 'discuss.channel' AND res_id = ANY(%(channels)s))
                OR (model = 'res.partner' AND res_id = %(partner)s)
                OR author_id = %(partner)s
             ORDER BY id
        """, {"channels": self.channels.ids, "partner": self.partner.id})
        return [row[0] for row in self.env.cr.fetchall()]

    @cached_property
    def phones(self):
        """Digit strings of the contact's number(s), with and without Brazil's 9th digit, including
        those Meta used in payloads (``from``, ``recipient_id``)."""
        partner = self.partner
        numbers = {partner.phone, partner.phone_sanitized, partner.whatsapp_wa_id}
        # Once the identity step has run, what it remembered includes the payloads' numbers.
        message_ids = [] if self._remembered("phones") else self.whatsapp_messages.ids
        if message_ids:
            self.env.cr.execute("""
                SELECT DISTINCT payload->>'from' FROM whatsapp_message
                 WHERE id = ANY(%s) AND payload IS NOT NULL AND jsonb_typeof(payload) = 'object'
            """, [message_ids])
            numbers |= {row[0] for row in self.env.cr.fetchall()}
            self.env.cr.execute("""
                SELECT DISTINCT payload->>'recipient_id' FROM whatsapp_message_status
                 WHERE message_id = ANY(%s) AND payload IS NOT NULL AND jsonb_typeof(payload) = 'object'
            """, [message_ids])
            numbers |= {row[0] for row in self.env.cr.fetchall()}
        numbers |= set(self._remembered("phones"))
        variants = set()
        for number in numbers:
            if isinstance(number, str):
                variants |= phone_digit_variants(number)
        return frozenset(variants)

    @cached_property
    def user_ids(self):
        """Meta's business-scoped user ids (BSUID) of the contact."""
        return frozenset(filter(None, {self.partner.whatsapp_user_id, *self._remembered("user_ids")}))

    @cached_property
    def names(self):
        partner = self.partner
        names = {partner.name, partner.whatsapp_profile_name, *self._remembered("names")}
        if partner.name == self.placeholder:
            names.discard(partner.name)
        return frozenset(name for name in names if name)

    @cached_property
    def emails(self):
        return frozenset(filter(None, {self.partner.email, *self._remembered("emails")}))

    @cached_property
    def content_needles(self):
        """What betrays the person inside stored JSON text: numbers, BSUIDs, names (raw and with the
        ``\\u`` escapes ``json.dumps`` writes for accents)."""
        needles = set(self.phones) | set(self.user_ids)
        for name in self.names:
            needles |= {name, json.dumps(name)[1:-1]}
        return frozenset(needles)

    def _remembered(self, kind):
        return (self.scratch.get("identifiers") or {}).get(kind) or []

    def remember_identifiers(self):
        """Keep the identifiers in ``scratch`` before the identity step clears them from the partner."""
        known = self.scratch.setdefault("identifiers", {})
        for kind, values in (("phones", self.phones), ("user_ids", self.user_ids), ("names", self.names),
                             ("emails", self.emails)):
            known[kind] = sorted(set(known.get(kind) or []) | set(values))

    @cached_property
    def lang(self):
        """The language of the texts the erasure writes (the conversations' company's)."""
        account = self.channels[:1].whatsapp_account_id
        return account._conversation_lang() if account else (self.env.company.partner_id.lang or "en_US")

    @cached_property
    def placeholder(self):
        """"[Dados removidos]" in the conversations' language."""
        return self.env(context=dict(self.env.context, lang=self.lang))._(REMOVED)
