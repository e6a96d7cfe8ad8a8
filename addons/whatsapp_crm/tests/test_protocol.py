from odoo.tests import tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestProtocol(AttendanceCase):
    """Each conversation has its protocol number from the company's sequence; a customer writing
    after closing gets a new conversation, hence a new number."""

    def test_sequence_and_new_protocol_after_close(self):
        maria, _delivery, first = self.open_conversation()
        _joao, _delivery, other = self.open_conversation("Bom dia", wa_id="5521988887777", name="João")
        year, number = first.whatsapp_protocol.split("-")
        self.assertEqual(len(year), 4)
        self.assertEqual(len(number), 6)
        self.assertEqual(other.whatsapp_protocol, f"{year}-{int(number) + 1:06d}")
        maria.text("Mais uma coisa")
        self.process_inbox()
        self.assertEqual(self.conversation_of(first.whatsapp_partner_id), first, "same conversation while open")
        first.with_user(self.attendant).action_whatsapp_close()
        again = maria.text("Voltei!")
        self.process_inbox()
        reopened = self.whatsapp_message(again.wamid).channel_id
        self.assertNotEqual(reopened, first)
        self.assertEqual(reopened.whatsapp_protocol, f"{year}-{int(number) + 2:06d}")
        self.assertEqual(first.whatsapp_protocol, f"{year}-{number}", "a conversation never changes number")

    def test_searchable_and_sent_to_the_client(self):
        _maria, _delivery, channel = self.open_conversation()
        found = self.env["discuss.channel"].with_user(self.manager).search(
            [("whatsapp_protocol", "ilike", channel.whatsapp_protocol[-4:])])
        self.assertIn(channel, found)
        data = channel.with_user(self.attendant).whatsapp_queue_fetch("all")["store_data"]
        [row] = [item for item in data["discuss.channel"] if item["id"] == channel.id]
        self.assertEqual(row["whatsapp_protocol"], channel.whatsapp_protocol)

    def test_company_sequence_is_preferred(self):
        self.env["ir.sequence"].create({"name": "Filarmônica", "code": "whatsapp_crm.protocol", "prefix": "FIL-",
                                        "padding": 4, "company_id": self.env.company.id})
        _maria, _delivery, channel = self.open_conversation()
        self.assertEqual(channel.whatsapp_protocol, "FIL-0001")
