"""Replay of third-party payload shapes (tests/payloads), signed, through the real webhook.

The shapes come from Meta's reference pages and from open-source Cloud API libraries' fixtures
(pywa, netflie/whatsapp-cloud-api, piusalfred/whatsapp, vumi-whatsapp, Chatwoot, Meta's Node SDK):
see each fixture's ``source``. Every POST goes through the HTTP server of this test, signed with
the account's app secret, is stored in the inbox and processed; then it is all POSTed again (Meta
retries for days) and processed again.
"""
from odoo.tests import tagged

from .common import PHONE_NUMBER_ID, WhatsAppCase
from .payloads import check_replay, load_payloads

MIN_THIRD_PARTY_SHAPES = 40


@tagged("post_install", "-at_install", "whatsapp_crm")
class TestThirdPartyReplay(WhatsAppCase):

    def query(self, sql, params=None):
        self.env.flush_all()
        self.env.cr.execute(sql, params)
        return self.env.cr.fetchall()

    def post_all(self, payloads):
        for payload in payloads:
            response = self.post_webhook(payload.encoded(PHONE_NUMBER_ID))
            self.assertEqual(response.status_code, 200, payload.name)

    def test_third_party_payloads_end_done_or_with_a_reason_once_per_wamid_one_partner_per_person(self):
        payloads = load_payloads()
        self.assertGreaterEqual(sum(payload.third_party for payload in payloads), MIN_THIRD_PARTY_SHAPES)
        self.assertTrue(all(payload.source for payload in payloads), "every shape says where it comes from")
        self.post_all(payloads)
        self.process_inbox()
        self.post_all(reversed(payloads))  # Meta's retries, in another order
        self.process_inbox()
        people = check_replay(self, self.query, payloads, PHONE_NUMBER_ID, rounds=2,
                              canonical=lambda wa_id: self.env["res.partner"]._whatsapp_e164(wa_id))
        self.assertGreaterEqual(len(people), 8, "the replay's customers")
        # A few meanings the shapes carry, seen by attendants.
        body = {m.wamid: m.mail_message_id.body or "" for m in self.env["whatsapp.message"].search(
            [("wamid", "like", "wamid.replay%")])}
        self.assertIn("Olha o ensaio (corrigido)", body["wamid.replay04.video"], "edited caption")
        self.assertIn("Deleted by the customer", body["wamid.replay05.document"])
        self.assertIn("Total: 255 BRL", body["wamid.replay14.order"])
        self.assertIn("assento: A12", body["wamid.replay28.flow"])
        self.assertIn("Forwarded many times", body["wamid.replay18.viral"])
        self.assertIn("Palácio das Artes", body["wamid.replay38.location"])
        self.assertIn("Porto Alegre", body["wamid.replay50.location"], "a message without 'type' is still read")
        fabio = self.env["res.partner"].search([("whatsapp_wa_id", "=", "5511944440006")])
        self.assertEqual(fabio, self.whatsapp_message("wamid.replay23.system").partner_id,
                         "a number change keeps the partner")
        elisa = self.whatsapp_message("wamid.replay55.bsuid").partner_id
        self.assertEqual(elisa, self.whatsapp_message("wamid.replay56.both").partner_id)
        self.assertEqual((elisa.whatsapp_user_id, elisa.whatsapp_wa_id), ("BR.4196664000577", "5541966640005"))
        statuses = self.env["whatsapp.message.status"].search([("wamid", "=", "wamid.replay-outbound-06")])
        self.assertEqual(statuses.status, "deleted", "an undocumented status value is stored")

    def test_a_persons_halves_stored_before_the_message_linking_them_end_on_one_partner(self):
        """The order eight parallel clients sometimes store (tests/e2e/test_payload_replay_e2e.py):
        Elisa's BSUID-only (55) and number-only (58-60) messages before the first carrying both (56)."""
        payloads = load_payloads()
        halves = [payload for payload in payloads if payload.name[:2] in ("55", "58", "59", "60")]
        self.post_all(halves + [payload for payload in payloads if payload not in halves])
        self.process_inbox()
        self.post_all(reversed(payloads))
        self.process_inbox()
        check_replay(self, self.query, payloads, PHONE_NUMBER_ID, rounds=2,
                     canonical=lambda wa_id: self.env["res.partner"]._whatsapp_e164(wa_id))
        elisa = self.whatsapp_message("wamid.replay56.both").partner_id
        self.assertEqual(self.whatsapp_message("wamid.replay55.bsuid").partner_id, elisa)
        self.assertEqual(sorted(self.conversation_of(elisa).mapped("whatsapp_status")), ["closed", "open"],
                         "the BSUID's conversation closed, the number's goes on")
