from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.mail.tools.discuss import Store

from ..const import ATTENDANT_GROUP, OUTBOUND_STATE_RANK, OUTBOUND_TICKS, TICK_TITLES


class MailMessage(models.Model):
    _inherit = "mail.message"

    whatsapp_message_ids = fields.One2many("whatsapp.message", "mail_message_id", "WhatsApp Messages")

    # ------------------------------------------------------------
    # ACCESS
    # ------------------------------------------------------------

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, *, bypass_access=False, **kwargs):
        """Mail lets authors and recipients read their messages whatever the document's rules: not
        those of a WhatsApp conversation (the customer's own login, a former attendant)."""
        query = super()._search(domain, offset, limit, order, bypass_access=bypass_access, **kwargs)
        if self.env.su or bypass_access or self.env.user.has_group(ATTENDANT_GROUP):
            return query
        ids = query.get_result_ids()
        forbidden = self.browse(ids)._whatsapp_conversation_messages()
        return self.browse(id_ for id_ in ids if id_ not in forbidden.ids)._as_query(order) if forbidden else query

    def _get_forbidden_access(self, operation):
        forbidden = super()._get_forbidden_access(operation)
        if self.env.user.has_group(ATTENDANT_GROUP):
            return forbidden
        return forbidden | (self - forbidden)._whatsapp_conversation_messages()

    def _whatsapp_conversation_messages(self):
        """The messages of ``self`` posted in WhatsApp conversations: attendants' business only."""
        if not self.ids:
            return self.browse()
        self.flush_recordset(["model", "res_id"])
        rows = self.env.execute_query(SQL("""
            SELECT message.id FROM mail_message message
              JOIN discuss_channel channel ON channel.id = message.res_id
             WHERE message.model = 'discuss.channel' AND channel.channel_type = 'whatsapp'
               AND message.id = ANY(%s)
        """, list(self.ids)))
        return self.browse(row[0] for row in rows)

    # ------------------------------------------------------------
    # WHATSAPP
    # ------------------------------------------------------------

    def _whatsapp_is_for_customer(self):
        """The one rule that says what goes to the customer through WhatsApp: what an attendant
        writes for them, i.e. a comment with the "Discussions" subtype, not internal. Log notes
        (``mail.mt_note``), other modules' internal subtypes, notifications (take/transfer/close
        notices, "joined") and internal messages stay in Odoo, shown as notes."""
        self.ensure_one()
        return (self.message_type == "comment"
                and self.subtype_id == self.env.ref("mail.mt_comment")
                and not self.is_internal
                and not self.subtype_id.internal)

    # ------------------------------------------------------------
    # STORE (client data)
    # ------------------------------------------------------------

    def _to_store_defaults(self, target):
        return super()._to_store_defaults(target) + [
            Store.Attr(
                "whatsapp_status",
                value=lambda message: message._whatsapp_status_for_store(),
                # sudo: whatsapp.message - delivery state of a message the user can read
                predicate=lambda message: message.model == "discuss.channel"
                and bool(message.sudo().whatsapp_message_ids),
            ),
        ]

    def _whatsapp_status_for_store(self):
        """The delivery tick the client draws under a message, with the reason when it failed."""
        # sudo: whatsapp.message - delivery state of a message the user can read
        # An attendant's message may have gone out as several WhatsApp messages (one per file).
        whatsapp_message = self.sudo().whatsapp_message_ids._whatsapp_message_summary()
        media = whatsapp_message.media_ids[:1]
        tick = OUTBOUND_TICKS.get(whatsapp_message.state) if whatsapp_message.direction == "out" else False
        return {
            "direction": whatsapp_message.direction,
            "state": whatsapp_message.state,
            # What the client draws: decided here, so the client holds no copy of the states.
            "tick": tick or False,
            "tick_title": str(TICK_TITLES[tick]) if tick else False,
            # Where the state stands in its forward-only order: the client never draws an older one
            # over a newer one (a message fetch answered after a bus update). None: failed/inbound.
            "rank": OUTBOUND_STATE_RANK.get(whatsapp_message.state) if tick else None,
            "failure_reason": whatsapp_message.failure_reason or False,
            "error_code": whatsapp_message.error_code or False,
            # A template send: the thread marks it "Template" with its name.
            "template": whatsapp_message.template_id.name or False,
            # The customer's file of an inbound media message: on its way, shown, or why not (body).
            "media": {"kind": media.kind, "state": media.state, "voice": media.is_voice,
                      "animated": media.is_animated} if media else False,
        }

    def _whatsapp_bus_send_state(self):
        store = Store(bus_channel=self._bus_channel())
        store.add(self, {"whatsapp_status": self._whatsapp_status_for_store()})
        store.bus_send()
