# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
import copy
import json
from datetime import datetime
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools import webhook_payload
from odoo.addons.whatsapp_crm.tools.webhook_payload import (
    ChangeErrors,
    InboundMessage,
    MalformedItem,
    MediaRef,
    OtherChange,
    PayloadError,
    StatusUpdate,
    iter_events,
    parse_timestamp,
    summarize,
)

PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
WABA_ID = "102290129340398"
CUSTOMER = "5511999998888"
TS = "1760000000"  # 2025-10-09 08:53:20 UTC
TS_DATETIME = datetime(2025, 10, 9, 8, 53, 20)


def envelope(*changes, waba_id=WABA_ID):
    return {"object": "whatsapp_business_account", "entry": [{"id": waba_id, "changes": list(changes)}]}


def messages_change(messages=None, statuses=None, contacts=None, errors=None, phone_number_id=PHONE_NUMBER_ID):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": phone_number_id},
    }
    for key, items in (("contacts", contacts), ("messages", messages), ("statuses", statuses), ("errors", errors)):
        if items is not None:
            value[key] = items
    return {"field": "messages", "value": value}


def contact(wa_id=CUSTOMER, name="Maria Silva", user_id=None):
    entry = {"profile": {"name": name}}
    if wa_id:
        entry["wa_id"] = wa_id
    if user_id:
        entry["user_id"] = user_id
    return entry


def message(msg_type, sub=None, *, wamid="wamid.HBgNNTUxMTk5OTk5ODg4OBUCABIYFjNFQjA=", sender=CUSTOMER, **extra):
    msg = {"from": sender, "id": wamid, "timestamp": TS, "type": msg_type}
    if sub is not None:
        msg[msg_type] = sub
    msg.update(extra)
    return msg


def status(wamid, value="delivered", **extra):
    return {"id": wamid, "status": value, "timestamp": TS, "recipient_id": CUSTOMER, **extra}


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestWebhookPayload(BaseCase):

    def parse_one(self, msg, contacts=None):
        events = list(iter_events(envelope(messages_change([msg], contacts=contacts or [contact()]))))
        self.assertEqual(len(events), 1)
        self.assertIsInstance(events[0], InboundMessage, getattr(events[0], "error", None))
        return events[0]

    # === INBOUND TYPES === #

    def test_text(self):
        msg = message("text", {"body": "Olá, preciso de ajuda"})
        event = self.parse_one(msg)
        self.assertEqual(
            (event.phone_number_id, event.display_phone_number, event.waba_id, event.wamid),
            (PHONE_NUMBER_ID, DISPLAY_NUMBER, WABA_ID, msg["id"]))
        self.assertEqual((event.wa_id, event.user_id, event.profile_name), (CUSTOMER, None, "Maria Silva"))
        self.assertEqual((event.type, event.text, event.data), ("text", "Olá, preciso de ajuda", msg["text"]))
        self.assertEqual(event.timestamp, TS_DATETIME)
        self.assertIsNone(event.timestamp.tzinfo, "naive UTC, as Odoo stores datetimes")
        self.assertEqual((event.context_wamid, event.forwarded, event.media, event.referral, event.errors),
                         (None, False, None, None, ()))
        self.assertIs(event.raw, msg)

    def test_image_with_caption(self):
        event = self.parse_one(message("image", {
            "caption": "Nota fiscal", "mime_type": "image/jpeg", "sha256": "k8A0Vfz0sPVXl0hM0H0Hq1JmDJ4=",
            "id": "1479537139650973"}))
        self.assertEqual(event.media, MediaRef("1479537139650973", "image/jpeg", "k8A0Vfz0sPVXl0hM0H0Hq1JmDJ4=",
                                               None, "Nota fiscal", voice=False, animated=False))
        self.assertEqual(event.text, "Nota fiscal")

    def test_audio_voice_note(self):
        event = self.parse_one(message("audio", {
            "mime_type": "audio/ogg; codecs=opus", "sha256": "abc=", "id": "2020", "voice": True}))
        self.assertTrue(event.media.voice)
        self.assertEqual(event.media.mime_type, "audio/ogg; codecs=opus")
        self.assertIsNone(event.text)
        plain_audio = self.parse_one(message("audio", {"mime_type": "audio/mpeg", "id": "2021", "voice": False}))
        self.assertFalse(plain_audio.media.voice)

    def test_video_without_caption(self):
        event = self.parse_one(message("video", {"mime_type": "video/mp4", "sha256": "v=", "id": "3030"}))
        self.assertEqual((event.media.media_id, event.media.mime_type, event.media.caption), ("3030", "video/mp4", None))
        self.assertIsNone(event.text)

    def test_document_keeps_filename(self):
        event = self.parse_one(message("document", {
            "caption": "Contrato", "filename": "contrato assinado.pdf", "mime_type": "application/pdf",
            "sha256": "d=", "id": "4040"}))
        self.assertEqual((event.media.filename, event.media.caption, event.text),
                         ("contrato assinado.pdf", "Contrato", "Contrato"))

    def test_sticker(self):
        event = self.parse_one(message("sticker", {
            "mime_type": "image/webp", "sha256": "s=", "id": "5050", "animated": True}))
        self.assertEqual((event.type, event.media.mime_type, event.media.animated), ("sticker", "image/webp", True))

    def test_media_without_id_is_kept_without_media_ref(self):
        event = self.parse_one(message("image", {"mime_type": "image/jpeg", "caption": "?"}))
        self.assertEqual((event.type, event.media, event.text), ("image", None, "?"))

    def test_location(self):
        location = {"latitude": -23.5613, "longitude": -46.6565, "name": "MASP", "address": "Av. Paulista, 1578"}
        event = self.parse_one(message("location", location))
        self.assertEqual((event.data, event.text, event.media), (location, None, None))

    def test_contacts_vcards(self):
        cards = [
            {"name": {"formatted_name": "João", "first_name": "João"},
             "phones": [{"phone": "+55 21 98888-7777", "wa_id": "5521988887777", "type": "CELL"}]},
            {"name": {"formatted_name": "Loja"}, "emails": [{"email": "a@b.c", "type": "WORK"}]},
        ]
        event = self.parse_one(message("contacts", cards))
        self.assertEqual((event.type, event.data, event.text), ("contacts", cards, None))

    def test_interactive_replies(self):
        button = self.parse_one(message("interactive", {
            "type": "button_reply", "button_reply": {"id": "yes-1", "title": "Sim"}}))
        self.assertEqual((button.text, button.data["button_reply"]["id"]), ("Sim", "yes-1"))
        row = self.parse_one(message("interactive", {
            "type": "list_reply", "list_reply": {"id": "row-2", "title": "Segunda via", "description": "Boleto"}}))
        self.assertEqual(row.text, "Segunda via")
        flow = self.parse_one(message("interactive", {
            "type": "nfm_reply", "nfm_reply": {"name": "flow", "response_json": "{\"cpf\": \"000\"}"}}))
        self.assertIsNone(flow.text)
        self.assertEqual(flow.data["nfm_reply"]["name"], "flow")

    def test_template_quick_reply_button(self):
        event = self.parse_one(message("button", {"payload": "STOP_PROMOS", "text": "Parar promoções"},
                                       context={"from": DISPLAY_NUMBER, "id": "wamid.template1"}))
        self.assertEqual((event.text, event.data["payload"], event.context_wamid),
                         ("Parar promoções", "STOP_PROMOS", "wamid.template1"))

    def test_reaction_and_its_removal(self):
        reaction = self.parse_one(message("reaction", {"message_id": "wamid.ours", "emoji": "\U0001F44D"}))
        self.assertEqual(reaction.data, {"message_id": "wamid.ours", "emoji": "\U0001F44D"})
        self.assertIsNone(reaction.text)
        removed = self.parse_one(message("reaction", {"message_id": "wamid.ours"}))
        self.assertEqual(removed.data, {"message_id": "wamid.ours", "emoji": ""})
        removed_empty = self.parse_one(message("reaction", {"message_id": "wamid.ours", "emoji": ""}))
        self.assertEqual(removed_empty.data["emoji"], "")

    def test_unsupported_with_errors(self):
        event = self.parse_one(message("unsupported", {"type": "poll"}, errors=[{
            "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
            "error_data": {"details": "Message type is currently not supported."}}]))
        self.assertEqual((event.type, event.data, event.text), ("unsupported", {"type": "poll"}, None))
        self.assertEqual(len(event.errors), 1)
        self.assertEqual((event.errors[0].code, event.errors[0].category, event.errors[0].details),
                         (131051, "unsupported", "Message type is currently not supported."))

    def test_unknown_type_is_kept(self):
        event = self.parse_one(message("hologram", {"id": "h1", "depth": 3}))
        self.assertEqual((event.type, event.data, event.text, event.media), ("hologram", {"id": "h1", "depth": 3}, None, None))
        untyped = self.parse_one({"from": CUSTOMER, "id": "wamid.untyped", "timestamp": TS})
        self.assertEqual((untyped.type, untyped.data), ("unknown", {}))
        located = self.parse_one({"from": CUSTOMER, "id": "wamid.loc", "timestamp": TS,
                                  "location": {"latitude": 1.5, "longitude": 2.5}})
        self.assertEqual(located.type, "location", "a missing type is read from the one content key")

    def test_reply_context_and_forwarding(self):
        reply = self.parse_one(message("text", {"body": "isso"}, context={"from": DISPLAY_NUMBER, "id": "wamid.quoted"}))
        self.assertEqual((reply.context_wamid, reply.forwarded), ("wamid.quoted", False))
        forwarded = self.parse_one(message("text", {"body": "olha"}, context={"forwarded": True}))
        self.assertEqual((forwarded.context_wamid, forwarded.forwarded), (None, True))
        viral = self.parse_one(message("text", {"body": "olha"}, context={"frequently_forwarded": True}))
        self.assertTrue(viral.forwarded)

    def test_click_to_whatsapp_referral(self):
        referral = {
            "source_url": "https://fb.me/abc", "source_id": "120211", "source_type": "ad", "headline": "Promo",
            "body": "Fale conosco", "media_type": "image", "image_url": "https://scontent.example/x.jpg",
            "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMv",
        }
        event = self.parse_one(message("text", {"body": "Vi o anúncio"}, referral=referral))
        self.assertEqual(event.referral, referral)

    def test_bsuid_only_contact(self):
        """Username users (2026): no wa_id, no phone 'from'; the BSUID identifies them."""
        bsuid = "BR.1502576394655843"
        msg = {"from_user_id": bsuid, "id": "wamid.bsuid", "timestamp": TS, "type": "text", "text": {"body": "oi"}}
        event = self.parse_one(msg, contacts=[{"profile": {"name": "Ana", "username": "@ana"}, "user_id": bsuid}])
        self.assertEqual((event.wa_id, event.user_id, event.profile_name), (None, bsuid, "Ana"))
        # Both identifiers when Meta sends both.
        both = self.parse_one(message("text", {"body": "oi"}), contacts=[contact(user_id=bsuid)])
        self.assertEqual((both.wa_id, both.user_id), (CUSTOMER, bsuid))
        # "from" carrying the BSUID itself, no contacts block.
        from_bsuid = next(iter_events(envelope(messages_change([message("text", {"body": "oi"}, sender=bsuid)]))))
        self.assertEqual((from_bsuid.wa_id, from_bsuid.user_id, from_bsuid.profile_name), (None, bsuid, None))

    def test_contacts_matched_to_their_messages(self):
        other = "5521977776666"
        events = list(iter_events(envelope(messages_change(
            [message("text", {"body": "1"}, wamid="wamid.1", sender=other),
             message("text", {"body": "2"}, wamid="wamid.2")],
            contacts=[contact(), contact(wa_id=other, name="João")]))))
        self.assertEqual([(e.wa_id, e.profile_name) for e in events], [(other, "João"), (CUSTOMER, "Maria Silva")])

    def test_hostile_text_is_preserved_verbatim(self):
        hostile = " <img src=x onerror=alert(1)>\u202Egnp.exe\u200B\u200D\r\n<script>x</script>\t"
        long_body = hostile + "é" * (4096 - len(hostile))
        event = self.parse_one(message("text", {"body": long_body}),
                               contacts=[contact(name="<b onmouseover=alert(1)>\u202EMaria")])
        self.assertEqual(event.text, long_body)
        self.assertEqual(len(event.text), 4096)
        self.assertEqual(event.profile_name, "<b onmouseover=alert(1)>\u202EMaria")
        # Debug logs of events never carry customer content.
        self.assertNotIn("onerror", repr(event))
        self.assertNotIn("onmouseover", repr(event))

    # === KINDS OF ISSUE 10.12 === #

    def test_non_digit_numbers_are_refused_not_guessed(self):
        """'bla' is not a number: the item fails with a reason, it never becomes a partner '+bla'."""
        for msg, contacts, where in (
            (message("text", {"body": "x"}, sender="bla"), [], "'from'"),
            (message("text", {"body": "x"}, sender="+5511999998888"), [], "'from'"),
            (message("text", {"body": "x"}), [contact(wa_id="55 11 99999-8888")], "wa_id"),
            (message("text", {"body": "x"}), [contact(wa_id="5511９９９９")], "wa_id"),
        ):
            events = list(iter_events(envelope(messages_change([msg], contacts=contacts))))
            self.assertIsInstance(events[0], MalformedItem, msg)
            self.assertIn(where, events[0].error)
            self.assertIn("digits", events[0].error)

    def test_edit_carries_the_new_text_and_its_target(self):
        edit = self.parse_one(message("edit", {"original_message_id": "wamid.original", "message": {
            "context": {"id": "M0"}, "type": "image",
            "image": {"caption": "legenda nova", "mime_type": "image/jpeg", "sha256": "x", "id": "1"}}}))
        self.assertEqual((edit.type, edit.target_wamid, edit.text, edit.is_change),
                         ("edit", "wamid.original", "legenda nova", True))
        self.assertIsNone(edit.media, "an edit does not bring the file again")
        text_edit = self.parse_one(message("edit", {"original_message_id": "wamid.o2", "message": {
            "type": "text", "text": {"body": "corrigido"}}}))
        self.assertEqual(text_edit.text, "corrigido")
        no_target = list(iter_events(envelope(messages_change([message("edit", {"message": {}})]))))
        self.assertIsInstance(no_target[0], MalformedItem)

    def test_revoke_points_at_its_target(self):
        revoke = self.parse_one(message("revoke", {"original_message_id": "wamid.gone"}))
        self.assertEqual((revoke.type, revoke.target_wamid, revoke.text, revoke.is_change),
                         ("revoke", "wamid.gone", None, True))

    def test_number_change_in_both_spellings(self):
        for key in ("wa_id", "new_wa_id"):
            event = next(iter_events(envelope(messages_change([message("system", {
                "body": "NAME changed from 5511999998888 to 5511988887777", key: "5511988887777",
                "type": "user_changed_number"})]))))
            self.assertEqual((event.wa_id, event.system.kind, event.system.new_wa_id, event.system.number_changed),
                             (CUSTOMER, "user_changed_number", "5511988887777", True))
        bad = next(iter_events(envelope(messages_change([message("system", {
            "wa_id": "NEW_PHONE", "type": "customer_changed_number"})]))))
        self.assertIsInstance(bad, MalformedItem)
        identity = self.parse_one(message("system", {"body": "User identity changed",
                                                     "type": "customer_identity_changed"},
                                          identity={"acknowledged": True, "hash": "xyz"}))
        self.assertEqual((identity.system.kind, identity.system.new_wa_id), ("customer_identity_changed", None))
        bsuid = self.parse_one(message("system", {"user_id": "BR.99887766", "type": "user_changed_user_id"}))
        self.assertEqual(bsuid.system.new_user_id, "BR.99887766")

    def test_order_items_keep_their_values(self):
        event = self.parse_one(message("order", {"catalog_id": "354160437058781", "text": "", "product_items": [
            {"product_retailer_id": "HAMBURGER", "quantity": 3, "item_price": 30, "currency": "BRL"},
            {"product_retailer_id": "SODA", "quantity": "2", "item_price": "10.5", "currency": "BRL"}]}))
        self.assertEqual(event.order.catalog_id, "354160437058781")
        self.assertEqual([(i.product_retailer_id, i.quantity, i.item_price) for i in event.order.items],
                         [("HAMBURGER", "3", "30"), ("SODA", "2", "10.5")])
        self.assertIsNone(event.text)

    def test_flow_reply_fields_without_the_token(self):
        event = self.parse_one(message("interactive", {"type": "nfm_reply", "nfm_reply": {
            "name": "flow", "body": "Sent",
            "response_json": json.dumps({"flow_token": "secret", "rating": "4", "days": ["seg", "ter"]})}}))
        self.assertEqual(event.flow_reply.fields, (("rating", "4"), ("days", '["seg", "ter"]')))
        broken = self.parse_one(message("interactive", {"type": "nfm_reply", "nfm_reply": {
            "name": "flow", "response_json": "{not json"}}))
        self.assertEqual((broken.flow_reply.fields, broken.flow_reply.response_json), ((), "{not json"))
        deep = self.parse_one(message("interactive", {"type": "nfm_reply", "nfm_reply": {
            "response_json": "[" * 100000 + "]" * 100000}}))
        self.assertEqual(deep.flow_reply.fields, (), "a hostile answer is kept as text, never parsed")

    def test_group_forwarded_and_product_markers(self):
        event = self.parse_one(message("text", {"body": "oi grupo"}, group_id="Y2FwaV9ncm91cDox",
                                       context={"frequently_forwarded": True, "forwarded": True,
                                                "referred_product": {"catalog_id": "C1", "product_retailer_id": "SKU"}}))
        self.assertEqual((event.group_id, event.forwarded, event.frequently_forwarded, event.referred_product),
                         ("Y2FwaV9ncm91cDox", True, True, ("C1", "SKU")))

    def test_welcome_and_unsupported_kinds(self):
        welcome = self.parse_one({"from": CUSTOMER, "id": "wamid.w", "timestamp": TS, "type": "request_welcome"})
        self.assertEqual((welcome.type, welcome.text, welcome.data), ("request_welcome", None, {}))
        poll = self.parse_one(message("unsupported", {"type": "poll"}))
        self.assertEqual(poll.unsupported_type, "poll")
        old = self.parse_one(message("unknown", None, errors=[{"code": 501, "title": "Unknown message type",
                                                               "details": "Message type is not currently supported"}]))
        self.assertEqual((old.type, old.unsupported_type, old.errors[0].code), ("unknown", None, 501))

    def test_a_stored_message_parses_like_the_webhook(self):
        msg = message("image", {"caption": "c", "id": "9", "mime_type": "image/png"})
        stored = webhook_payload.parse_stored_message(msg, PHONE_NUMBER_ID)
        self.assertEqual((stored.type, stored.text, stored.media.media_id, stored.wa_id), ("image", "c", "9", CUSTOMER))
        with self.assertRaises(ValueError):
            webhook_payload.parse_stored_message({"id": "x", "type": "text"})

    # === STATUSES, ERRORS, OTHER FIELDS === #

    def test_status_with_pricing(self):
        pricing = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
        conversation = {"id": "c1", "expiration_timestamp": "1760086400", "origin": {"type": "utility"}}
        raw = status("wamid.out1", "delivered", pricing=pricing, conversation=conversation,
                     biz_opaque_callback_data="msg-42")
        (event,) = iter_events(envelope(messages_change(statuses=[raw])))
        self.assertIsInstance(event, StatusUpdate)
        self.assertEqual((event.phone_number_id, event.wamid, event.status, event.timestamp, event.recipient_id),
                         (PHONE_NUMBER_ID, "wamid.out1", "delivered", TS_DATETIME, CUSTOMER))
        self.assertEqual((event.pricing, event.conversation, event.biz_opaque_callback_data, event.errors),
                         (pricing, conversation, "msg-42", ()))
        self.assertIs(event.raw, raw)

    def test_failed_status_with_errors(self):
        raw = status("wamid.out2", "failed", errors=[{
            "code": 131047, "title": "Re-engagement message", "message": "Re-engagement message",
            "error_data": {"details": "Message failed to send because more than 24 hours have passed"}}])
        (event,) = iter_events(envelope(messages_change(statuses=[raw])))
        self.assertEqual(event.status, "failed")
        self.assertEqual([(e.code, e.category, e.retryable) for e in event.errors], [(131047, "window_closed", False)])

    def test_change_level_errors(self):
        errors = [{"code": 131000, "title": "Something went wrong", "message": "Something went wrong",
                   "error_data": {"details": "Unknown error"}}]
        (event,) = iter_events(envelope(messages_change(errors=errors)))
        self.assertIsInstance(event, ChangeErrors)
        self.assertEqual((event.phone_number_id, event.field), (PHONE_NUMBER_ID, "messages"))
        self.assertEqual([(e.code, e.category, e.details) for e in event.errors], [(131000, "transient", "Unknown error")])

    def test_other_fields_are_kept(self):
        template_value = {"event": "APPROVED", "message_template_id": 594425479261596,
                          "message_template_name": "boas_vindas", "message_template_language": "pt_BR"}
        future_value = {"anything": ["goes"]}
        events = list(iter_events(envelope(
            {"field": "message_template_status_update", "value": template_value},
            {"field": "brand_new_field_2027", "value": future_value},
            {"field": "messages", "value": {"messaging_product": "whatsapp", "metadata": {
                "phone_number_id": PHONE_NUMBER_ID}, "message_echoes": []}},
        )))
        self.assertEqual([type(e) for e in events], [OtherChange] * 3)
        self.assertEqual([(e.field, e.waba_id) for e in events], [
            ("message_template_status_update", WABA_ID), ("brand_new_field_2027", WABA_ID), ("messages", WABA_ID)])
        self.assertEqual((events[0].value, events[0].phone_number_id), (template_value, None))
        self.assertEqual(events[2].phone_number_id, PHONE_NUMBER_ID)

    # === BATCHES AND BAD INPUT === #

    def test_batch_two_entries_three_changes(self):
        """One POST: 2 entries × 3 changes, 50 messages and 20 statuses, all yielded in order."""
        counter = iter(range(1000))

        def texts(count):
            return [message("text", {"body": f"m{n}"}, wamid=f"wamid.in{n}") for n in (next(counter) for _ in range(count))]

        def statuses(count):
            return [status(f"wamid.out{n}", "read") for n in (next(counter) for _ in range(count))]

        payload = {"object": "whatsapp_business_account", "entry": [
            {"id": WABA_ID, "changes": [
                messages_change(texts(20), contacts=[contact()]),
                messages_change(statuses=statuses(10)),
                messages_change(texts(5), contacts=[contact()]),
            ]},
            {"id": "999000111", "changes": [
                messages_change(texts(15), contacts=[contact()], phone_number_id="777888999"),
                messages_change(statuses=statuses(10), phone_number_id="777888999"),
                messages_change(texts(10), contacts=[contact()], phone_number_id="777888999"),
            ]},
        ]}
        events = list(iter_events(payload))
        messages = [e for e in events if isinstance(e, InboundMessage)]
        status_events = [e for e in events if isinstance(e, StatusUpdate)]
        self.assertEqual((len(events), len(messages), len(status_events)), (70, 50, 20))
        self.assertEqual([int(e.wamid.removeprefix("wamid.in").removeprefix("wamid.out")) for e in events],
                         list(range(70)), "payload order")
        self.assertEqual({e.waba_id for e in messages[:25]} | {e.phone_number_id for e in messages[:25]},
                         {WABA_ID, PHONE_NUMBER_ID})
        self.assertEqual({e.phone_number_id for e in messages[25:]}, {"777888999"})
        summary = summarize(payload)
        self.assertEqual(
            {k: summary[k] for k in ("valid", "messages", "statuses", "change_errors", "other", "malformed")},
            {"valid": True, "messages": 50, "statuses": 20, "change_errors": 0, "other": 0, "malformed": 0})
        self.assertEqual(summary["message_types"], {"text": 50})
        self.assertEqual(summary["status_values"], {"read": 20})
        self.assertEqual(summary["phone_number_ids"], ["106540352242922", "777888999"])

    def test_summary_holds_no_personal_data(self):
        payload = envelope(messages_change(
            [message("text", {"body": "meu CPF é 123"}, wamid="wamid.secret")],
            statuses=[status("wamid.secret2", "failed\nFAKE LOG LINE")],
            contacts=[contact(name="Maria Silva")]))
        dumped = json.dumps(summarize(payload))
        for personal in (CUSTOMER, "Maria", "CPF", "wamid", "\n", "FAKE LOG LINE"):
            self.assertNotIn(personal, dumped)
        self.assertEqual(summarize({"object": "page"})["valid"], False)

    def test_malformed_items_do_not_stop_the_rest(self):
        good = [message("text", {"body": str(n)}, wamid=f"wamid.ok{n}") for n in range(3)]
        payload = {"object": "whatsapp_business_account", "entry": [
            "not an entry",
            {"id": WABA_ID, "changes": [
                messages_change([
                    good[0],
                    "a string",                                           # not an object
                    {"from": CUSTOMER, "timestamp": TS, "type": "text"},  # no wamid
                    message("text", ["a list where an object belongs"], wamid="wamid.bad3"),
                    message("contacts", {"name": "an object where a list belongs"}, wamid="wamid.bad4"),
                    {"id": "wamid.bad5", "timestamp": TS, "type": "text"},  # no sender at all
                    message("text", {"body": 42}, wamid="wamid.bad6"),
                    message("reaction", {"emoji": "x"}, wamid="wamid.bad7"),  # reaction to nothing
                    message("text", {"body": "x"}, wamid="wamid.bad8", errors={"code": 1}),
                    good[1],
                ], statuses=[status("wamid.s1"), {"id": "wamid.s2", "status": 5}, ["x"]],
                    # Two contacts: no "lone contact" fallback for the message without a sender.
                    contacts=[contact(), contact(wa_id="5521977776666")]),
                {"field": "messages", "value": []},
                {"field": "messages", "value": {"metadata": {}, "messages": [good[2]]}},
                {"field": "messages", "value": {"metadata": {"phone_number_id": PHONE_NUMBER_ID},
                                                "messages": {"not": "a list"}}},
                "not a change",
                messages_change([good[2]], contacts="junk"),
            ]},
            {"id": WABA_ID, "changes": None},
        ]}
        events = list(iter_events(payload))
        self.assertEqual([(type(e).__name__, getattr(e, "wamid", None) or getattr(e, "path", None)) for e in events], [
            ("MalformedItem", "entry[0]"),
            ("InboundMessage", "wamid.ok0"),
            ("MalformedItem", "entry[1].changes[0].value.messages[1]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[2]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[3]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[4]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[5]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[6]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[7]"),
            ("MalformedItem", "entry[1].changes[0].value.messages[8]"),
            ("InboundMessage", "wamid.ok1"),
            ("StatusUpdate", "wamid.s1"),
            ("MalformedItem", "entry[1].changes[0].value.statuses[1]"),
            ("MalformedItem", "entry[1].changes[0].value.statuses[2]"),
            ("MalformedItem", "entry[1].changes[1].value"),
            ("MalformedItem", "entry[1].changes[2].value.metadata"),
            ("MalformedItem", "entry[1].changes[3].value.messages"),
            ("MalformedItem", "entry[1].changes[4]"),
            ("InboundMessage", "wamid.ok2"),  # broken contacts list: the message survives without a name
            ("MalformedItem", "entry[2].changes"),
        ])
        malformed = [e for e in events if isinstance(e, MalformedItem)]
        self.assertTrue(all(e.error for e in malformed))
        item_errors = [e for e in malformed if ".messages[" in e.path or ".statuses[" in e.path]
        self.assertEqual({e.phone_number_id for e in item_errors}, {PHONE_NUMBER_ID}, "still routable")
        self.assertEqual(item_errors[0].raw, "a string")
        self.assertIsNone(events[-2].profile_name)

    def test_unexpected_parser_bug_becomes_malformed_item(self):
        def exploding_parser(item, ctx):
            if item["id"] == "wamid.boom":
                raise RuntimeError("Maria Silva's message text")
            return webhook_payload._parse_message(item, ctx)

        payload = envelope(messages_change([
            message("text", {"body": "a"}, wamid="wamid.boom"), message("text", {"body": "b"}, wamid="wamid.fine"),
        ], contacts=[contact()]))
        with patch.object(webhook_payload, "_ITEM_PARSERS", (("messages", exploding_parser),)):
            first, second = iter_events(payload)
        self.assertIsInstance(first, MalformedItem)
        self.assertIn("RuntimeError", first.error)
        self.assertNotIn("Maria", first.error, "exception text may quote customer data")
        self.assertEqual(second.wamid, "wamid.fine")

    def test_invalid_envelopes_raise_payload_error(self):
        for payload in (None, [], "x", {}, {"object": "page", "entry": []}, {"object": "instagram"},
                        {"object": "whatsapp_business_account"},
                        {"object": "whatsapp_business_account", "entry": {"id": WABA_ID}}):
            with self.subTest(payload=payload), self.assertRaises(PayloadError):
                iter_events(payload)  # raised at call time, before any iteration
        self.assertEqual(list(iter_events({"object": "whatsapp_business_account", "entry": []})), [])

    def test_extreme_timestamps(self):
        self.assertEqual(parse_timestamp("0"), datetime(1970, 1, 1))
        self.assertEqual(parse_timestamp("4102444799"), datetime(2099, 12, 31, 23, 59, 59))
        self.assertEqual(parse_timestamp(1760000000), TS_DATETIME)
        self.assertEqual(parse_timestamp("1760000000.5"), datetime(2025, 10, 9, 8, 53, 20, 500000))
        for junk in (None, "", "abc", "-5", -5, "1e9", "99999999999999", 10 ** 20, float("nan"), True, [], "١٢٣"):
            with self.subTest(junk=junk):
                self.assertIsNone(parse_timestamp(junk))
        # Whatever the timestamp, the message itself goes through.
        events = list(iter_events(envelope(messages_change([
            dict(message("text", {"body": "old"}, wamid="wamid.1970"), timestamp="0"),
            dict(message("text", {"body": "future"}, wamid="wamid.2099"), timestamp="4102444799"),
            dict(message("text", {"body": "bad"}, wamid="wamid.bad"), timestamp="yesterday"),
            {k: v for k, v in message("text", {"body": "none"}, wamid="wamid.none").items() if k != "timestamp"},
        ], contacts=[contact()]))))
        self.assertEqual([e.timestamp for e in events],
                         [datetime(1970, 1, 1), datetime(2099, 12, 31, 23, 59, 59), None, None])

    def test_parsing_does_not_mutate_the_payload(self):
        payload = envelope(messages_change([message("reaction", {"message_id": "wamid.x"})], contacts=[contact()]))
        snapshot = copy.deepcopy(payload)
        list(iter_events(payload))
        self.assertEqual(payload, snapshot)
