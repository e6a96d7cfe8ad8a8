from odoo.tests import tagged

from meta_sandbox import webhooks

from .common import WhatsAppCase


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestInbound(WhatsAppCase):
    """Webhook → inbox → Discuss: each inbound message once, in the right conversation."""

    def test_text_creates_contact_conversation_and_message(self):
        delivery = self.customer("5511987654321", "Maria Souza").text("Ainda há ingressos para sábado?")
        events = self.process_inbox()
        self.assertEqual(events.state, "done")
        partner = self.partner_by_wa_id("5511987654321")
        self.assertEqual(partner.name, "Maria Souza")
        self.assertEqual(partner.phone, "+5511987654321")
        channel = self.conversation_of(partner)
        self.assertEqual(len(channel), 1)
        self.assertEqual(channel.whatsapp_account_id, self.account)
        self.assertEqual(channel.whatsapp_status, "open")
        self.assertTrue(channel.whatsapp_window_expires_at)
        message = self.whatsapp_message(delivery.wamid)
        self.assertEqual((message.direction, message.state), ("in", "received"))
        self.assertEqual(message.mail_message_id.author_id, partner)
        self.assertEqual(message.mail_message_id.model, "discuss.channel")
        self.assertEqual(message.mail_message_id.res_id, channel.id)
        self.assertIn("Ainda há ingressos para sábado?", message.mail_message_id.body)
        self.assertFalse(channel.channel_member_ids,
                         "nobody is a member of a new conversation (not the customer, not the processing "
                         "user): it waits in the attendants' queue")

    def test_second_message_reuses_the_open_conversation(self):
        customer = self.customer()
        customer.text("Oi")
        customer.text("Tudo bem?")
        self.process_inbox()
        channel = self.conversation_of(self.partner_by_wa_id(customer.wa_id))
        self.assertEqual(len(channel), 1)
        self.assertEqual(len(channel.message_ids.filtered(lambda m: m.message_type == "comment")), 2)

    def test_same_delivery_twice_has_one_effect(self):
        delivery = self.customer().text("Duplicado?", duplicate=True)
        self.assertEqual([r.status_code for r in delivery.responses], [200, 200])
        events = self.process_inbox()
        self.assertEqual(len(events), 2, "both POSTs are stored")
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(len(self.whatsapp_message(delivery.wamid)), 1)
        channel = self.conversation_of(self.partner_by_wa_id(self.customer().wa_id))
        self.assertEqual(len(channel.message_ids.filtered(lambda m: m.message_type == "comment")), 1)

    def test_reprocessing_is_safe(self):
        delivery = self.customer().text("Uma vez só")
        events = self.process_inbox()
        events.action_reprocess()
        self.assertEqual(events.state, "pending")
        self.process_inbox()
        self.assertEqual(events.state, "done")
        self.assertEqual(len(self.whatsapp_message(delivery.wamid).mail_message_id), 1)

    def test_brazil_ninth_digit_is_one_person(self):
        # Pre-2016 mobiles started with 6 to 9 (phonenumbers still takes 7xxx-xxxx for a valid mobile).
        for first_digit in "6789":
            with self.subTest(first_digit=first_digit):
                local = f"{first_digit}7654321"
                with_nine = self.customer(f"55119{local}", "Maria").text("com o 9")
                without_nine = self.customer(f"5511{local}", "Maria").text("sem o 9")
                self.process_inbox()
                partner = self.whatsapp_message(with_nine.wamid).partner_id
                self.assertEqual(self.whatsapp_message(without_nine.wamid).partner_id, partner)
                self.assertEqual(partner.phone_sanitized, f"+55119{local}")
                self.assertEqual(len(self.conversation_of(partner)), 1)

    def test_username_only_customer_is_found_by_bsuid(self):
        customer = self.sandbox.customer(None, "Cliente Sem Número", user_id="BR.1234567890ABCDEF")
        customer.text("primeira")
        customer.text("segunda")
        self.process_inbox()
        partner = self.env["res.partner"].search([("whatsapp_user_id", "=", "BR.1234567890ABCDEF")])
        self.assertEqual(len(partner), 1)
        self.assertFalse(partner.whatsapp_wa_id)
        self.assertEqual(len(self.conversation_of(partner).message_ids.filtered(
            lambda m: m.message_type == "comment")), 2)

    def test_reply_context_becomes_the_quoted_parent(self):
        customer = self.customer()
        first = customer.text("Qual o horário do concerto?")
        self.process_inbox()
        reply = customer.text("Respondendo a mim mesma", reply_to=first.wamid)
        self.process_inbox()
        self.assertEqual(self.whatsapp_message(reply.wamid).mail_message_id.parent_id,
                         self.whatsapp_message(first.wamid).mail_message_id)

    def test_reactions_added_replaced_and_removed(self):
        customer = self.customer()
        first = customer.text("Obrigada!")
        self.process_inbox()
        target = self.whatsapp_message(first.wamid).mail_message_id
        partner = self.partner_by_wa_id(customer.wa_id)
        customer.react(first.wamid, "👍")
        reaction_event = self.process_inbox()
        self.assertEqual(reaction_event.state, "done", reaction_event.error)
        target.invalidate_recordset()
        self.assertEqual(target.reaction_ids.mapped("content"), ["👍"])
        self.assertEqual(target.reaction_ids.partner_id, partner)
        customer.react(first.wamid, "❤️")
        self.process_inbox()
        target.invalidate_recordset()
        self.assertEqual(target.reaction_ids.mapped("content"), ["❤️"], "one reaction per customer")
        customer.react(first.wamid, "")
        self.process_inbox()
        target.invalidate_recordset()
        self.assertFalse(target.reaction_ids)
        channel = self.conversation_of(partner)
        self.assertEqual(len(channel.message_ids.filtered(lambda m: m.message_type == "comment")), 1,
                         "a reaction is not a message")

    def test_interactive_and_button_replies_keep_their_ids(self):
        customer = self.customer()
        button = customer.button_reply("confirm-42", "Confirmar presença")
        row = customer.list_reply("row-sat", "Sábado 20h", description="Sala São Paulo")
        quick = customer.button("Quero receber", payload="OPT_IN")
        self.process_inbox()
        self.assertIn("Confirmar presença", self.whatsapp_message(button.wamid).mail_message_id.body)
        self.assertEqual(self.whatsapp_message(button.wamid).payload["interactive"]["button_reply"]["id"],
                         "confirm-42")
        self.assertIn("Sábado 20h", self.whatsapp_message(row.wamid).mail_message_id.body)
        self.assertEqual(self.whatsapp_message(quick.wamid).payload["button"]["payload"], "OPT_IN")

    def test_location_contacts_and_unsupported_are_visible(self):
        customer = self.customer()
        location = customer.location(-23.5347, -46.6395, name="Sala São Paulo", address="Praça Júlio Prestes, 16")
        cards = customer.contacts()
        unsupported = customer.unsupported("poll")
        self.process_inbox()
        location_body = self.whatsapp_message(location.wamid).mail_message_id.body
        self.assertIn("Sala São Paulo", location_body)
        self.assertIn("-23.534700,-46.639500", location_body)
        self.assertTrue(self.whatsapp_message(cards.wamid).mail_message_id.body)
        unsupported_message = self.whatsapp_message(unsupported.wamid)
        self.assertEqual(unsupported_message.message_type, "unsupported")
        self.assertIn("unsupported", unsupported_message.mail_message_id.body)

    def test_system_lines_are_in_the_company_language(self):
        self.env["res.lang"]._activate_lang("pt_BR")
        self.env["ir.module.module"]._load_module_terms(["whatsapp_crm"], ["pt_BR"])
        self.env.company.partner_id.lang = "pt_BR"
        delivery = self.customer().location(-23.5347, -46.6395, name="Sala São Paulo")
        self.process_inbox()
        body = self.whatsapp_message(delivery.wamid).mail_message_id.body
        self.assertIn("Localização", body, "attendants read Portuguese, whoever processed the webhook")

    def test_media_messages_show_their_caption_at_once(self):
        delivery = self.customer().image(caption="Meu ingresso")
        self.process_inbox()
        body = self.whatsapp_message(delivery.wamid).mail_message_id.body
        self.assertIn("Meu ingresso", body)
        document = self.customer().document(filename="comprovante.pdf")
        self.process_inbox()
        self.assertIn("comprovante.pdf", self.whatsapp_message(document.wamid).mail_message_id.body)

    def test_hostile_text_and_names_are_inert(self):
        hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
        delivery = self.customer("5511911112222", "\u202eMaria\u200b <b>Admin</b>").text(hostile)
        self.process_inbox()
        body = self.whatsapp_message(delivery.wamid).mail_message_id.body
        self.assertNotIn("<img", body)
        self.assertNotIn("<script", body)
        self.assertIn("&lt;img", body)
        partner = self.partner_by_wa_id("5511911112222")
        self.assertEqual(partner.name, "Maria <b>Admin</b>", "bidi and zero-width characters are removed")

    def test_long_text_is_kept_whole(self):
        text = "á" * 4096
        delivery = self.customer().text(text)
        self.process_inbox()
        self.assertEqual(self.whatsapp_message(delivery.wamid).mail_message_id.body.count("á"), 4096)

    def test_batched_post_processes_every_item(self):
        customers = [self.customer(f"55119876500{index:02d}", f"Cliente {index}") for index in range(6)]
        deliveries = [customer.text(f"Mensagem {index}", send=False) for index, customer in enumerate(customers)]
        response = self.sandbox.send_batch(deliveries, entries=2)
        self.assertEqual(response.status_code, 200)
        events = self.process_inbox()
        self.assertEqual(set(events.mapped("state")), {"done"})
        self.assertEqual(len(events), 6, "one item per message")
        for delivery in deliveries:
            self.assertTrue(self.whatsapp_message(delivery.wamid).mail_message_id)

    def test_unknown_phone_number_id_is_quarantined(self):
        business = webhooks.BusinessNumber("999", "555000000000999", "5511900000000")
        message = webhooks.text_message("5511987654321", "para outro número")
        response = self.post_webhook(webhooks.messages_payload(business, [message], [webhooks.contact("5511987654321", "X")]))
        self.assertEqual(response.status_code, 200)
        event = self.process_inbox()
        self.assertEqual(event.state, "quarantined")
        self.assertIn("555000000000999", event.error)
        self.assertFalse(self.whatsapp_message(message["id"]))

    def test_unknown_field_is_stored_and_ignored(self):
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "209000000000001", "changes": [
            {"field": "brand_new_field_2027", "value": {"anything": [1, 2, 3]}}]}]}
        self.assertEqual(self.post_webhook(payload).status_code, 200)
        event = self.process_inbox()
        self.assertEqual(event.state, "ignored")
        self.assertIn("brand_new_field_2027", event.inbox_id.raw_body, "kept as received")

    def test_one_bad_item_does_not_stop_the_others(self):
        good = self.customer().text("boa", send=False)
        payload = good.payload
        payload["entry"][0]["changes"][0]["value"]["messages"].insert(0, {"type": "text", "text": "no id"})
        self.assertEqual(self.post_webhook(payload).status_code, 200)
        events = self.process_inbox()
        self.assertEqual(events.mapped("state"), ["failed", "done"], "the malformed item is reported")
        self.assertIn("'id' is missing", events[0].error)
        self.assertTrue(self.whatsapp_message(good.wamid).mail_message_id, "the good item is processed")

    def test_an_item_that_raises_is_retried_without_losing_the_others(self):
        first = self.customer("5511987650001").text("primeiro", send=False)
        second = self.customer("5511987650002").text("segundo", send=False)
        self.sandbox.send_batch([first, second], merge=True)
        original = type(self.env["discuss.channel"])._whatsapp_get_or_open
        calls = []

        def flaky(channel_model, account, partner, event=None):
            calls.append(partner.id)
            if len(calls) == 1:
                raise RuntimeError("simulated crash")
            return original(channel_model, account, partner, event)

        from unittest.mock import patch
        with patch.object(type(self.env["discuss.channel"]), "_whatsapp_get_or_open", flaky):
            events = self.process_inbox()
        self.assertEqual(events.mapped("state"), ["retry", "done"])
        self.assertIn("simulated crash", events[0].error)
        self.assertFalse(self.whatsapp_message(first.wamid), "the failed item left nothing behind")
        self.assertTrue(self.whatsapp_message(second.wamid).mail_message_id)
        self.run_item_retries(events[0])   # its retry job runs
        self.assertEqual(events[0].state, "done")
        self.assertTrue(self.whatsapp_message(first.wamid).mail_message_id)
        self.assertEqual(len(self.whatsapp_message(second.wamid)), 1)

    def test_future_timestamp_does_not_hold_the_window_open(self):
        delivery = self.customer().text("do futuro", send=False)
        delivery.payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "4070908800"  # 2099
        self.post_webhook(delivery.payload)
        self.process_inbox()
        channel = self.whatsapp_message(delivery.wamid).channel_id
        self.assertLess(channel.whatsapp_window_expires_at.year, 2099)

    def test_queue_summary_follows_customer_and_attendant(self):
        """The queue row's preview and waiting time, kept on the conversation with each message."""
        customer = self.customer("5511987650808", "Rui")
        customer.text("Primeira pergunta")
        self.process_inbox()
        channel = self.conversation_of(self.partner_by_wa_id(customer.wa_id))
        first_wait = channel.whatsapp_waiting_since
        self.assertEqual(channel.whatsapp_last_preview, "Primeira pergunta")
        self.assertTrue(first_wait)
        customer.text("Segunda   pergunta,\n   ainda sem resposta " + "x" * 200)
        self.process_inbox()
        self.assertEqual(channel.whatsapp_last_preview, ("Segunda pergunta, ainda sem resposta " + "x" * 200)[:120])
        self.assertEqual(channel.whatsapp_waiting_since, first_wait, "waiting since the first unanswered message")
        channel.with_user(self.attendant).action_whatsapp_take()
        self.attendant_writes(channel, "Olá Rui, já respondo")
        self.assertEqual(channel.whatsapp_last_preview, "Olá Rui, já respondo")
        self.assertFalse(channel.whatsapp_waiting_since, "answered")
        self.assertEqual(channel.write_uid, self.attendant)
