"""An attendant sends a photo with a caption and a place from the composer's attach menu, in a browser."""
from odoo.tests import tagged

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestUiMediaOut(WhatsAppCase):

    def test_photo_with_caption_and_location_from_the_attach_menu(self):
        delivery = self.customer().text("Preciso de ajuda com meu pedido")
        self.process_inbox()
        channel = self.whatsapp_message(delivery.wamid).channel_id
        self.env["whatsapp.location"].create({
            "name": "Theatro Municipal de São Paulo",
            "address": "Praça Ramos de Azevedo, s/n – República, São Paulo – SP, 01037-010",
            "latitude": -23.5452231, "longitude": -46.6384763})

        self.start_tour("/odoo/discuss", "whatsapp_crm_media_out_tour", login="attendant")
        self.env.invalidate_all()  # the tour wrote through the browser's requests
        photo, place = self.env["whatsapp.message"].search(
            [("channel_id", "=", channel.id), ("direction", "=", "out")], order="id")
        self.assertEqual((photo.message_type, photo.has_caption), ("image", True))
        self.assertEqual(photo.attachment_id.name, "ingresso.png")
        self.assertEqual(place.message_type, "location")

        self.send_outgoing()
        image_send, location_send = (sent.payload for sent in self.sandbox.state.sent)
        self.assertEqual(image_send["image"]["caption"], "Seu ingresso está aqui")
        self.assertEqual(location_send["location"]["latitude"], -23.5452231)
        self.sandbox.emit_statuses(photo.wamid, ["sent", "delivered", "read"])
        self.process_inbox()
        self.assertEqual(photo.state, "read")
        self.start_tour("/odoo/discuss", "whatsapp_crm_media_out_ticks_tour", login="attendant")
