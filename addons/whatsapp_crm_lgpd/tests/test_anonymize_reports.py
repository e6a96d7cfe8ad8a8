from odoo.tests import tagged

from .common import LgpdCase

# What the conversation report gives per conversation; "waiting now" is live (the erasure closes
# the conversation, so nobody waits on it any more) and is left out.
FIGURES = ["account_id", "attendant_id", "first_attendant_id", "opened_at", "first_response_at", "closed_at",
           "outcome", "messages_in", "messages_out", "media_in", "media_out", "templates_sent", "answered",
           "answered_in_window", "needed_template", "transfer_count", "auto_release_count", "first_response_hours"]


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestReportsAfterAnonymisation(LgpdCase):

    def test_service_figures_are_the_same_after_the_erasure(self):
        data = self.build_conversation()
        channel = data["channel"]
        report = self.env["whatsapp.report.conversation"].with_user(self.manager)
        before = report.search_read([("channel_id", "=", channel.id)], FIGURES)
        self.assertEqual(len(before), 1)
        self.env.cr.execute("""
            SELECT count(*) FILTER (WHERE message_type NOT IN ('reaction', 'edit', 'revoke', 'system')),
                   count(*) FILTER (WHERE message_type IN ('image', 'document', 'audio', 'video', 'sticker'))
              FROM whatsapp_message WHERE channel_id = %s AND direction = 'in'
        """, [channel.id])
        messages_in, media_in = self.env.cr.fetchone()
        self.assertEqual(media_in, 3, "photo, document, voice note")
        self.assertEqual(
            {name: before[0][name] for name in ("messages_in", "media_in", "messages_out", "answered",
                                                 "answered_in_window", "first_attendant_id")},
            {"messages_in": messages_in, "media_in": 3, "messages_out": 1, "answered": 1, "answered_in_window": 1,
             "first_attendant_id": (self.attendant.id, self.attendant.display_name)})
        self.anonymize_as_dpo(data["partner"])
        self.assertEqual(channel.name, "[Data removed]")
        self.assertEqual(report.search_read([("channel_id", "=", channel.id)], FIGURES), before)
