# Part of whatsapp_crm. See LICENSE file for full copyright and licensing details.
"""Rendering an inbound message from its parsed event: every kind shown, every customer string escaped."""
import json

from odoo.tests import BaseCase, tagged

from odoo.addons.whatsapp_crm.tools.inbound_render import MessageFacts, render_body
from odoo.addons.whatsapp_crm.tools.webhook_payload import iter_events

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


def _(source, *args, **kwargs):
    """Untranslated, formatted the way env._ formats."""
    return source % (args or kwargs) if (args or kwargs) else source


def parse(msg, contacts=None):
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "551140000000", "phone_number_id": "10"},
        "contacts": contacts or [{"profile": {"name": "Maria"}, "wa_id": "5511999998888"}],
        "messages": [{"from": "5511999998888", "id": "wamid.r", "timestamp": "1760000000", **msg}]}}]}]}
    (event,) = iter_events(payload)
    return event


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestInboundRender(BaseCase):

    def assertInert(self, html):
        self.assertNotIn("<img", html)
        self.assertNotIn("<script", html)
        self.assertNotIn("onerror=\"", html)

    def test_order_shows_items_quantities_prices_and_total(self):
        event = parse({"type": "order", "order": {"catalog_id": "CAT1", "text": HOSTILE, "product_items": [
            {"product_retailer_id": "HAMBURGER", "quantity": 3, "item_price": 30, "currency": "BRL"},
            {"product_retailer_id": HOSTILE, "quantity": "2", "item_price": "10.50", "currency": "BRL"}]}})
        html = render_body(event, _)
        self.assertIn("3 × HAMBURGER — 30 BRL each", html)
        self.assertIn("Total: 111 BRL", html)
        self.assertIn("CAT1", html)
        self.assertInert(html)
        mixed = parse({"type": "order", "order": {"product_items": [
            {"product_retailer_id": "A", "quantity": "number-of-item", "item_price": "unitary-price", "currency": "X"}]}})
        self.assertNotIn("Total", render_body(mixed, _), "no total when the numbers are not numbers")

    def test_flow_reply_shows_the_answers(self):
        event = parse({"type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {
            "name": "pesquisa", "body": "Sent",
            "response_json": json.dumps({"flow_token": "tok", "nota": "5", "comentario": HOSTILE})}}})
        html = render_body(event, _)
        self.assertIn("Form answered: pesquisa", html)
        self.assertIn("nota: 5", html)
        self.assertNotIn("tok", html, "the flow token is ours, not the customer's answer")
        self.assertInert(html)

    def test_forwarded_markers(self):
        self.assertIn("↪ Forwarded", render_body(parse({"type": "text", "text": {"body": "a"},
                                                        "context": {"forwarded": True}}), _))
        many = render_body(parse({"type": "text", "text": {"body": "a"}, "context": {"frequently_forwarded": True}}), _)
        self.assertIn("Forwarded many times", many)
        self.assertNotIn("Forwarded", render_body(parse({"type": "text", "text": {"body": "a"}}), _))

    def test_edits_show_the_new_text_and_keep_the_history(self):
        event = parse({"type": "text", "text": {"body": "primeira versão"}})
        html = render_body(event, _, MessageFacts(revisions=("segunda", HOSTILE)))
        self.assertLess(html.index(HOSTILE.replace("<", "&lt;")[:10]), html.index("Edited by the customer"))
        self.assertIn("— primeira versão", html)
        self.assertIn("— segunda", html)
        self.assertInert(html)

    def test_revoked_message_stays_struck_through(self):
        html = render_body(parse({"type": "text", "text": {"body": "apaguei"}}), _, MessageFacts(revoked=True))
        self.assertIn("<s>", html)
        self.assertIn("apaguei", html)
        self.assertIn("Deleted by the customer", html)

    def test_system_welcome_and_unsupported_lines(self):
        number = render_body(parse({"type": "system", "system": {
            "body": "x", "wa_id": "5511988887777", "type": "user_changed_number"}}), _)
        self.assertIn("+5511988887777", number)
        notice = render_body(parse({"type": "system", "system": {"body": HOSTILE, "type": "future_notice"}}), _)
        self.assertInert(notice)
        self.assertIn("first time", render_body(parse({"type": "request_welcome"}), _))
        self.assertIn("unsupported (poll)", render_body(parse({"type": "unsupported", "unsupported": {"type": "poll"}}), _))

    def test_media_caption_and_state_come_from_the_event(self):
        event = parse({"type": "document", "document": {"id": "1", "filename": "../../nota.pdf", "caption": HOSTILE}})
        pending = render_body(event, _)
        self.assertIn("Document: nota.pdf", pending)
        self.assertIn("receiving the file", pending)
        self.assertInert(pending)
        stored = render_body(event, _, MessageFacts(media_state="stored"))
        self.assertNotIn("receiving", stored)
        self.assertIn("&lt;script&gt;", stored, "the caption stays once the file is there")
        failed = render_body(event, _, MessageFacts(media_state="failed", media_reason="too big"))
        self.assertIn("too big", failed)

    def test_hostile_referral_and_contact_cards_are_inert(self):
        event = parse({"type": "contacts", "contacts": [{"name": {"formatted_name": HOSTILE}, "phones": [
            {"phone": HOSTILE}]}], "referral": {"source_url": "javascript:alert(1)", "headline": HOSTILE,
                                               "source_type": "ad"}})
        html = render_body(event, _, contact_link=lambda index: f"/whatsapp/contact/create?index={index}")
        self.assertInert(html)
        self.assertNotIn("javascript:", html)
        self.assertIn("/whatsapp/contact/create?index=0", html)
