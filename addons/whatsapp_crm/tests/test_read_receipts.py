from odoo.tests import tagged

from .attendance_common import AttendanceCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestReadReceipts(AttendanceCase):
    """Blue ticks when an attendant reads the conversation, not when the message arrives."""

    def setUp(self):
        super().setUp()
        self.maria, self.first, self.channel = self.open_conversation()

    def test_not_on_arrival(self):
        self.send_read_receipts()
        self.assertFalse(self.sandbox.state.reads)
        self.assertFalse(self.channel.whatsapp_read_requested_at)

    def test_marked_when_read_once_per_newer_message(self):
        second = self.maria.text("Alguém aí?")
        self.process_inbox()
        newest = self.whatsapp_message(second.wamid)
        first = self.whatsapp_message(self.first.wamid)
        self.assertTrue(self.channel.with_user(self.attendant).whatsapp_mark_read(first.mail_message_id.id))
        self.send_read_receipts()
        self.assertEqual([read.message_id for read in self.sandbox.state.reads], [self.first.wamid],
                         "only what was on screen")
        self.assertTrue(self.channel.with_user(self.attendant).whatsapp_mark_read())
        self.assertFalse(self.channel.with_user(self.attendant).whatsapp_mark_read(), "once per message")
        self.send_read_receipts()
        self.assertEqual([read.message_id for read in self.sandbox.state.reads], [self.first.wamid, second.wamid])
        self.assertEqual(self.channel.whatsapp_read_message_id, newest)
        self.assertFalse(self.channel.whatsapp_read_requested_at)

    def test_setting_never_sends_read_receipts_nor_typing(self):
        self.set_setting("read_receipts_never", True)
        self.assertFalse(self.channel.with_user(self.attendant).whatsapp_mark_read())
        self.channel.with_user(self.attendant)._whatsapp_register_typing()
        self.send_read_receipts()
        self.assertFalse(self.sandbox.state.reads)
        self.assertFalse(self.channel.whatsapp_typing_requested_at)

    def test_typing_and_reading_mark_once(self):
        self.channel.with_user(self.attendant).whatsapp_mark_read()
        self.channel.with_user(self.attendant)._whatsapp_register_typing()
        self.send_read_receipts()
        reads = self.sandbox.state.reads
        self.assertEqual([(read.message_id, read.typing_indicator) for read in reads], [(self.first.wamid, True)],
                         "the typing indicator's read receipt is enough")
