"""An attendant sends a photo with a caption and a place from the composer's attach menu, in a browser."""
from unittest import skipIf

from odoo.tests import tagged

from odoo.addons.whatsapp_crm.tools import media_convert

from . import media_samples
from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
@skipIf(not media_convert.av_available(), "PyAV is not installed")
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

        # The attendant's own voice note: sent as a WhatsApp voice note, played in the thread as the
        # customer's are (Discuss's player, the microphone label).
        recording = self.env["ir.attachment"].with_user(self.attendant).create({
            "name": "Voice-2026-12-03-00001.mp3", "raw": media_samples.voice_mp3(2.5),
            "res_model": "mail.compose.message", "res_id": 0})
        recording.sudo()._set_voice_metadata()
        channel.with_user(self.attendant).message_post(
            body="", attachment_ids=recording.ids, message_type="comment", subtype_xmlid="mail.mt_comment")
        [voice] = self.send_outgoing()
        self.assertTrue(self.sandbox.state.sent[-1].payload["audio"]["voice"])
        self.assertEqual(voice.state, "accepted")
        self.start_tour("/odoo/discuss", "whatsapp_crm_media_out_ticks_tour", login="attendant")
