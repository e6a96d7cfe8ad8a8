from odoo import api, models


class WhatsAppMessageStatus(models.Model):
    """Delivery statuses of messages sent to the contact: recipient ids and wamids go, the status,
    its time, pricing and error codes stay (cost and delivery reports)."""

    _name = "whatsapp.message.status"
    _inherit = ["whatsapp.message.status", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 20

    @api.model
    def _lgpd_export(self, subject, archive):
        self.flush_model()
        self.env.cr.execute("""
            SELECT message_id, wamid, status, meta_timestamp, payload FROM whatsapp_message_status
             WHERE message_id = ANY(%s) ORDER BY id
        """, [subject.whatsapp_messages.ids])
        archive.add_rows("statuses", [{
            "message_id": message_id, "whatsapp_message_id": wamid, "status": status, "at": at, "payload": payload,
        } for message_id, wamid, status, at, payload in self.env.cr.fetchall()])

    @api.model
    def _lgpd_erase(self, subject, limit):
        self.flush_model()
        # A random id keeps the (wamid, status) pairs unique; it says nothing and nothing derives it.
        self.env.cr.execute("""
            UPDATE whatsapp_message_status
               SET wamid = 'lgpd-' || gen_random_uuid(),
                   payload = CASE WHEN jsonb_typeof(payload) = 'object' THEN jsonb_strip_nulls(jsonb_build_object(
                       'status', payload->'status',
                       'pricing', payload->'pricing',
                       'errors', (SELECT jsonb_agg(jsonb_build_object('code', error->'code'))
                                    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(payload->'errors') = 'array'
                                                                   THEN payload->'errors' ELSE '[]' END) error)))
                   END
             WHERE wamid NOT LIKE 'lgpd-%%'
               AND (message_id = ANY(%(messages)s)
                    OR (message_id IS NULL AND (payload->>'recipient_id' = ANY(%(phones)s)
                                                OR payload->>'recipient_user_id' = ANY(%(user_ids)s))))
        """, {"messages": subject.whatsapp_messages.ids, "phones": list(subject.phones),
              "user_ids": list(subject.user_ids)})
        self.invalidate_model(["wamid", "payload"])
        return 0
