from odoo import api, models


class WhatsAppMessageStatus(models.Model):
    """Delivery statuses of messages sent to the contact: recipient ids and wamids go, the status,
    its time, pricing and error codes stay (cost and delivery reports)."""

    _name = "whatsapp.message.status"
    _inherit = ["whatsapp.message.status", "whatsapp.lgpd.concern"]
    _lgpd_sequence = 20

    @api.model
    def _lgpd_export(self, subject, archive):
        statuses = self.search([("message_id", "in", subject.whatsapp_messages.ids)], order="id")
        archive.add_rows("statuses", [{
            "message_id": status.message_id.id,
            "whatsapp_message_id": status.wamid,
            "status": status.status,
            "at": status.meta_timestamp or None,
            "payload": status.payload or None,
        } for status in statuses])

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
