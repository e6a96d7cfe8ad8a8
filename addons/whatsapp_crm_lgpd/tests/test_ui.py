from odoo.tests import tagged

from .common import LgpdCase


@tagged("post_install", "-at_install", "whatsapp_crm_lgpd")
class TestUi(LgpdCase):
    """The consent badge in the header of a conversation, in a browser."""

    def test_consent_badge_in_the_conversation_header(self):
        self.customer("5511987654321", "Maria Souza").text("Bom dia")
        pedro = self.customer("5521987650000", "Pedro Lima")
        pedro.text("Oi")
        pedro.text("PARAR")
        self.process_inbox()
        self.assertEqual(self.partner_by_wa_id("5521987650000").whatsapp_consent_status, "opted_out")
        self.start_tour("/odoo/discuss", "whatsapp_crm_lgpd_consent_tour", login="attendant")
